import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/kernel/config/config.loader.js';
import { ALL_MODULES } from '../../src/runtimes/module.registry.js';
import { CONTRACT_FILES, renderContract, type ContractFile } from '../../scripts/api/contract-files.js';
import { committed, pointer } from '../support/contract.js';
import { httpClient } from '../support/http-client.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';
import type { JsonObject as Json } from '../support/json.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

/** Every example under a media type of the document: where it is, and a pointer to the schema it must fit. */
function mediaExamples(doc: Json): { where: string; schema: string; value: unknown }[] {
  const found: { where: string; schema: string; value: unknown }[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const media = [
        ...Object.entries<Json>(op.requestBody?.content ?? {}).map(
          ([type, m]) => [`request ${type}`, m, pointer('paths', path, method, 'requestBody', 'content', type, 'schema')] as const,
        ),
        ...Object.entries<Json>(op.responses ?? {}).flatMap(([status, r]) =>
          Object.entries<Json>(r.content ?? {}).map(
            ([type, m]) => [`${status} ${type}`, m, pointer('paths', path, method, 'responses', status, 'content', type, 'schema')] as const,
          ),
        ),
      ];
      for (const [where, m, schema] of media) {
        for (const [name, example] of Object.entries<Json>(m.examples ?? {}))
          found.push({ where: `${method.toUpperCase()} ${path} ${where} ${name}`, schema, value: example.value });
      }
    }
  }
  return found;
}

describe('the committed contract (api/, client/)', () => {
  it('is what the code generates now: run `npm run gen:client` and commit when this fails', async () => {
    const rendered = await renderContract();
    for (const file of Object.keys(CONTRACT_FILES) as ContractFile[]) {
      const onDisk = await readFile(CONTRACT_FILES[file], 'utf8').catch(() => '(missing)');
      expect(onDisk === rendered[file], `${CONTRACT_FILES[file]} is stale`).toBe(true);
    }
  });

  it('has an OpenAPI document that an independent validator accepts as OpenAPI 3.1', async () => {
    const result = await new Validator().validate(committed('openapi.json'));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('has an AsyncAPI 3.0 document that @asyncapi/parser accepts without errors or warnings', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(committed('asyncapi.json')));
    // Severity 0 is an error, 1 a warning; the rest are hints (e.g. that AsyncAPI 3.1 exists; the contract pins 3.0).
    const serious = diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code} ${d.message} at ${d.path.join('.')}`);
    expect(serious).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
  });

  it('describes every operation of every module, with an operation id, tags, problem answers and security', () => {
    const doc = committed('openapi.json');
    const operations = Object.entries<Json>(doc.paths).flatMap(([path, item]) => Object.entries<Json>(item).map(([method, op]) => ({ path, method, op })));
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const module of ALL_MODULES) {
      for (const declared of module.api) {
        const path = declared.path.replace(/:(\w+)/g, '{$1}');
        expect(doc.paths[path]?.[declared.method]?.operationId, `${module.name} ${declared.method} ${path}`).toBe(declared.operationId);
      }
    }
    const tags = new Set((doc.tags as { name: string }[]).map((t) => t.name));
    for (const { path, method, op } of operations) {
      const label = `${method.toUpperCase()} ${path}`;
      expect(op.tags.length, label).toBeGreaterThan(0);
      for (const tag of op.tags) expect(tags, label).toContain(tag);
      expect(op.responses['500'], label).toBeDefined();
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        const resolved = response.$ref ? doc.components.responses[response.$ref.split('/').pop()] : response;
        const problem = resolved.content?.['application/problem+json']?.schema?.$ref;
        if (Number(status) >= 400 && path !== '/health/ready') expect(problem, `${label} ${status}`).toBe('#/components/schemas/Problem');
      }
      if (op.security === undefined) expect(op.responses['401'], `${label} needs a token, so it can answer 401`).toBeDefined();
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.oauth2.flows.password).toMatchObject({ tokenUrl: '/api/v1/auth/token', refreshUrl: '/api/v1/auth/token' });
    const grants = doc.paths['/api/v1/auth/token'].post.requestBody.content['application/json'].schema.oneOf.map((g: Json) => g.properties.grant_type);
    expect(grants).toEqual([expect.objectContaining({ const: 'password' }), expect.objectContaining({ const: 'refresh_token' })]);
    expect(doc.paths['/api/v1/orders'].post.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(doc.paths['/api/v1/orders'].get.parameters).toEqual([{ $ref: '#/components/parameters/PageLimit' }, { $ref: '#/components/parameters/PageCursor' }]);
    expect(doc.paths['/api/v1/orders'].get.responses['200'].headers).toMatchObject({ RateLimit: expect.any(Object), 'RateLimit-Policy': expect.any(Object) });
    expect(doc.components.responses.TooManyRequests.headers).toHaveProperty('Retry-After');
  });

  it('gives examples for the main operations, and every example fits its schema', () => {
    const doc = committed('openapi.json');
    const examples = mediaExamples(doc);
    for (const main of [
      'POST /api/v1/users request',
      'POST /api/v1/auth/token request',
      'POST /api/v1/orders request',
      'POST /api/v1/orders 202',
      'GET /api/v1/products 200',
    ]) {
      expect(
        examples.some((e) => e.where.startsWith(main)),
        main,
      ).toBe(true);
    }
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi');
    for (const { where, schema, value } of examples) {
      const validate = ajv.compile({ $ref: `openapi#/${schema}` });
      expect(validate(value), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('has one AsyncAPI message per published event type, sent by its module and received by its subscribers', () => {
    const doc = committed('asyncapi.json');
    const ajv = new Ajv({ strict: false, validateSchema: false });
    addFormats(ajv);
    ajv.addSchema(doc, 'asyncapi');
    for (const module of ALL_MODULES) {
      for (const contract of module.publishes) {
        const message = doc.components.messages[contract.type];
        expect(message, contract.type).toBeDefined();
        expect(message.headers.properties.ce_source.const).toBe(module.name);
        expect(doc.channels[module.name].address).toBe(`{prefix}.${module.name}`);
        expect(doc.operations[`${module.name}.publish`].messages).toContainEqual({ $ref: `#/channels/${module.name}/messages/${contract.type}` });
      }
      for (const { contract } of module.subscriptions) {
        const receive = Object.entries<Json>(doc.operations).find(
          ([id, op]) => id.startsWith(`${module.name}.receive.`) && op.messages.some((m: Json) => m.$ref.endsWith(`/messages/${contract.type}`)),
        );
        expect(receive, `${module.name} receives ${contract.type}`).toBeDefined();
      }
    }
    // The payload schema is the contract's own zod schema: a wrong payload is refused, as consumers refuse it.
    const placed = ajv.getSchema('asyncapi#/components/messages/order.placed.v1/payload')!;
    expect(placed({ orderId: 'not-a-uuid' })).toBe(false);
  });
});

describe('the documents served by a process', () => {
  let dataDir: string;
  const systems: TestSystem[] = [];
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mercato-contract-'));
  });
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<ReturnType<typeof httpClient>> {
    const sys = await startTestSystem({ env: { DATA_DIR: dataDir, ...env } });
    systems.push(sys);
    return httpClient(sys.url);
  }

  it('all in one: the committed documents, and the reference page', async () => {
    const http = await start({});
    expect((await http.get('/api/openapi.json')).body).toEqual(committed('openapi.json'));
    expect((await http.get('/api/asyncapi.json')).body).toEqual(committed('asyncapi.json'));
    const page = await http.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await http.get('/docs/swagger-ui-bundle.js')).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await http.get('/docs/..%2Fpackage.json')).status).toBe(404);
  });

  it('a gateway hosting no module: the same documents, every module listed, without asking any upstream', async () => {
    // Nothing listens on these: the documents come from the module definitions, not from upstreams.
    const nowhere = 'http://127.0.0.1:9';
    const http = await start({
      MODULES: 'gateway',
      EVENT_BUS: 'memory',
      ...Object.fromEntries(ALL_MODULES.map((m) => [`SERVICE_URLS_${m.name.toUpperCase()}`, nowhere])),
    });
    const doc = (await http.get('/api/openapi.json')).body;
    expect(doc).toEqual(committed('openapi.json'));
    for (const module of ALL_MODULES)
      for (const op of module.api) expect(doc.paths[op.path.replace(/:(\w+)/g, '{$1}')]?.[op.method]?.operationId).toBe(op.operationId);
    expect((await http.get('/api/asyncapi.json')).body).toEqual(committed('asyncapi.json'));
    // And it serves its own service-token keys, as the document says.
    expect((await http.get('/.well-known/service-jwks.json')).status).toBe(200);
  });

  it('serves no reference page when docs.enabled is false; production has it off unless API_DOCS_ENABLED=true', async () => {
    const http = await start({ API_DOCS_ENABLED: 'false' });
    expect((await http.get('/docs')).status).toBe(404);
    expect((await http.get('/docs/docs.js')).status).toBe(404);
    expect((await http.get('/api/openapi.json')).status).toBe(200);
    expect(loadConfig({ NODE_ENV: 'production' }).docs.enabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', API_DOCS_ENABLED: 'true' }).docs.enabled).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).docs.enabled).toBe(true);
  });
});
