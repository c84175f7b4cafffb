import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { toKafkaMessage } from '../../src/kernel/events/cloudevents-kafka.codec.js';
import { OutboxRecordSchema, type OutboxRecord } from '../../src/kernel/events/outbox.entity.js';
import { toEnvelope } from '../../src/kernel/events/outbox.relay.js';
import type { System } from '../../src/runtimes/system.factory.js';
import type { ObservedResponse } from './contract-recorder.js';
import type { JsonObject as Json, UncheckedJson } from './json.js';

/**
 * Contract tests: the committed documents (api/openapi.json, api/asyncapi.json) are checked against
 * what the running system really does. Every answer the tests' HTTP clients receive must be one the
 * OpenAPI document describes for that route and status (body, media type, headers), and every event
 * the modules publish must match its AsyncAPI message (payload and `ce_*` headers).
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

/** One of the committed documents (`openapi.json`, `asyncapi.json`), as parsed JSON. */
export function committed(file: 'openapi.json' | 'asyncapi.json'): Json {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../api/${file}`, import.meta.url)), 'utf8')) as Json;
}

/** A JSON pointer (without `#/`) from its segments. */
export function pointer(...segments: string[]): string {
  return segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` "${e.params.additionalProperty}"` : ''}`)
    .join('; ');
}

export type { ObservedResponse };

/**
 * Answers any request may get before it is routed (info.description of the document says so):
 * an unreadable body (400, 415), one too large (413), the rate limit (429), headers too large (431),
 * a request too slow to arrive (408).
 */
const REFUSED_BEFORE_ROUTING = new Set([400, 408, 413, 415, 429, 431]);

interface Route {
  template: string;
  pattern: RegExp;
  params: number;
  item: Json;
}

class OpenApiContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly routes: Route[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'openapi');
    this.routes = Object.entries<Json>(doc.paths)
      .map(([template, item]) => ({
        template,
        item,
        params: (template.match(/\{/g) ?? []).length,
        // Like the router: a path parameter may be empty (then the operation refuses it with a 400),
        // and letter case does not matter.
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]*')}$`, 'i'),
      }))
      // A literal path wins over a templated one (`/docs` over nothing, `/users/me` over `/users/{id}`).
      .sort((a, b) => a.params - b.params);
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi#/${ref}` });
      this.compiled.set(ref, validate);
    }
    return validate;
  }

  /** The node at `at` (a JSON pointer without `#/`), following `$ref`s: the node and where it really is. */
  private locate(at: string): { node: Json | undefined; at: string } {
    let node = at
      .split('/')
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce((n: UncheckedJson, k: string) => n?.[k], this.doc) as Json | undefined;
    while (node && typeof node.$ref === 'string') {
      at = node.$ref.slice(2);
      node = at
        .split('/')
        .map((p: string) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce((n: UncheckedJson, k: string) => n?.[k], this.doc);
    }
    return { node, at };
  }

  /** What is wrong with this answer according to the document; empty when it is described. */
  violations(res: ObservedResponse): string[] {
    // Like the router, a trailing slash is ignored.
    const path = res.path.split('?')[0]!.replace(/(.)\/$/, '$1');
    const method = res.method.toLowerCase();
    const route = this.routes.find((r) => r.pattern.test(path));
    const problems: string[] = [];
    // As info.description says: refusals before routing, unknown paths (404) and methods (405) are problem documents.
    if (!route) {
      if (res.status !== 404 && !REFUSED_BEFORE_ROUTING.has(res.status))
        problems.push(`${res.status} for a path the document does not list (only 404 is allowed)`);
      return [...problems, ...this.problemBody(res)];
    }
    // An empty path parameter (`/inventory//restock`) may match no route at all, as for an unknown path.
    if (res.status === 404 && path.includes('//')) return this.problemBody(res);
    const operationMethod = method === 'head' ? 'get' : method;
    const operation = route.item[operationMethod] as Json | undefined;
    if (!operation) {
      if (method === 'options' && (res.status === 204 || res.status === 200) && !res.text) return []; // CORS preflight / Allow
      if (res.status === 405 && !res.headers.get('allow')) problems.push('405 without an Allow header');
      else if (res.status !== 405 && !REFUSED_BEFORE_ROUTING.has(res.status)) {
        problems.push(`${res.status} for ${res.method} on ${route.template}, which has no such operation (only 405 is allowed)`);
      }
      return [...problems, ...this.problemBody(res)];
    }
    if (!operation.responses?.[String(res.status)] && (res.status === 408 || res.status === 431)) return this.problemBody(res);
    const { node: spec, at: where } = this.locate(pointer('paths', route.template, operationMethod, 'responses', String(res.status)));
    if (!spec) return [`${res.status} is not a documented answer of ${operation.operationId} (${res.method.toUpperCase()} ${route.template})`];

    for (const name of Object.keys(spec.headers ?? {})) {
      const { node: header, at } = this.locate(`${where}/headers/${pointer(name)}`);
      const value = res.headers.get(name);
      if (value === null) {
        if (header?.required) problems.push(`header ${name} is required but missing`);
        continue;
      }
      const validate = this.validator(`${at}/schema`);
      if (!validate(value)) problems.push(`header ${name}: "${value}" ${describeErrors(validate)}`);
    }

    if (method === 'head' || res.status === 204 || res.status === 304) return problems;
    const content = spec.content as Json | undefined;
    if (!content) {
      if (res.text) problems.push(`a body, where the document describes none: ${res.text.slice(0, 200)}`);
      return problems;
    }
    const media = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(media in content)) return [...problems, `media type "${media}" is not one of ${Object.keys(content).join(', ')}`];
    if (/[/+]json$/.test(media)) {
      let body: unknown;
      try {
        body = JSON.parse(res.text);
      } catch {
        return [...problems, `a ${media} body that is not JSON: ${res.text.slice(0, 200)}`];
      }
      const validate = this.validator(`${where}/content/${pointer(media)}/schema`);
      if (!validate(body)) problems.push(`body: ${describeErrors(validate)} in ${res.text.slice(0, 300)}`);
    }
    return problems;
  }

  private problemBody(res: ObservedResponse): string[] {
    if (!/^application\/problem\+json\b/.test(res.headers.get('content-type') ?? '')) return [`not a problem document (${res.headers.get('content-type')})`];
    const validate = this.validator('components/schemas/Problem');
    try {
      return validate(JSON.parse(res.text)) ? [] : [`problem document: ${describeErrors(validate)}`];
    } catch {
      return ['a problem document that is not JSON'];
    }
  }
}

let openApi: OpenApiContract | undefined;

/** Checks answers against the document; one line per answer it does not describe. */
export function responseViolations(responses: readonly ObservedResponse[]): string[] {
  openApi ??= new OpenApiContract(committed('openapi.json'));
  const violations: string[] = [];
  for (const res of responses) {
    const problems = openApi.violations(res);
    if (problems.length > 0) violations.push(`${res.method.toUpperCase()} ${res.path} answered ${res.status}: ${problems.join('; ')}`);
  }
  return violations;
}

class AsyncApiContract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  private readonly messages: Json;

  constructor(doc: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'asyncapi');
    this.messages = doc.components.messages;
  }

  publishers(): Set<string> {
    return new Set(Object.values<Json>(this.messages).flatMap((m) => (m.headers?.properties?.ce_source?.const ? [m.headers.properties.ce_source.const] : [])));
  }

  /** What is wrong with one outbox row, relayed as the Kafka transport would send it. */
  violations(source: string, row: OutboxRecord): string[] {
    if (!this.messages[row.type]) return [`${row.type} is not in the event catalogue`];
    const message = toKafkaMessage(toEnvelope(source, row));
    const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
    const problems: string[] = [];
    const checks: [string, unknown][] = [
      ['payload', JSON.parse(String(message.value))],
      ['headers', headers],
    ];
    for (const [part, value] of checks) {
      const validate = this.ajv.getSchema(`asyncapi#/components/messages/${pointer(row.type)}/${part}`)!;
      if (!validate(value)) problems.push(`${part}: ${describeErrors(validate)}`);
    }
    return problems;
  }
}

let asyncApi: AsyncApiContract | undefined;

/** Checks outbox rows of one publishing module against the catalogue; one line per event it does not describe. */
export function eventViolations(source: string, rows: readonly OutboxRecord[]): string[] {
  asyncApi ??= new AsyncApiContract(committed('asyncapi.json'));
  return rows.flatMap((row) => asyncApi!.violations(source, row).map((problem) => `${row.type} ${row.id} from ${source}: ${problem}`));
}

/**
 * Every event the system's modules have published (their outboxes keep each one), checked against
 * its AsyncAPI message. Modules that publish nothing in the catalogue (test fixtures) are skipped.
 */
export async function publishedEventViolations(system: System): Promise<string[]> {
  asyncApi ??= new AsyncApiContract(committed('asyncapi.json'));
  const publishers = asyncApi.publishers();
  const problems: string[] = [];
  for (const [name, module] of system.modules) {
    if (!publishers.has(name)) continue;
    problems.push(...eventViolations(name, await module.orm.em.fork().find(OutboxRecordSchema, {}, { orderBy: { seq: 'asc' } })));
  }
  return problems;
}
