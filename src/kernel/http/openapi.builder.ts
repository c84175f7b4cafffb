import type { z } from 'zod';
import type { ApiOperation, DocumentedHeader, Example, ResponseSpec } from './api-route.js';
import { PageQuery } from './cursor.js';
import { IDEMPOTENCY_KEY } from './idempotency-key.js';
import { PROBLEM_CONTENT_TYPE } from './problem.middleware.js';
import { isExempt } from './rate-limit/rate-limit.policy.js';
import { SchemaCatalogue, type JsonSchema } from './schema.catalogue.js';

export interface OpenApiOptions {
  info: { title: string; version: string; description?: string };
  /** Every tag the operations use, with what it groups; listed in this order. */
  tags: readonly { name: string; description: string }[];
  /** The path of the token endpoint (password and refresh_token grants), for the OAuth 2.0 scheme. */
  tokenUrl: string;
  /**
   * Operations a gateway forwards to a module process: when no instance of the module answers,
   * the gateway says 503.
   */
  forwarded(operation: ApiOperation): boolean;
}

/** Problem answers every operation may give; operations refer to them. */
const SHARED_PROBLEMS: Record<number, { name: string; description: string; headers: string[] }> = {
  400: {
    name: 'BadRequest',
    description: 'The request is not valid: malformed JSON, or values that fail validation (`errors[]` names each field)',
    headers: [],
  },
  401: { name: 'Unauthorized', description: 'No valid bearer token', headers: ['WWW-Authenticate'] },
  403: { name: 'Forbidden', description: 'The token is valid but lacks the admin role, or the client address is not on the admin allow-list', headers: [] },
  413: { name: 'ContentTooLarge', description: 'The body is larger than the server accepts', headers: [] },
  415: { name: 'UnsupportedMediaType', description: 'The body is not `application/json` in UTF-8', headers: [] },
  429: {
    name: 'TooManyRequests',
    description: 'Over the rate limit of this route group; retry after `Retry-After` seconds',
    headers: ['Retry-After', 'RateLimit', 'RateLimit-Policy'],
  },
  500: { name: 'InternalServerError', description: 'An unexpected error; the `X-Request-Id` finds it in the logs', headers: [] },
  503: {
    name: 'ServiceUnavailable',
    description: 'No instance of the module serving this route is available right now; retry after `Retry-After` seconds',
    headers: ['Retry-After'],
  },
};

const HEADERS: Record<string, { description: string; schema: JsonSchema }> = {
  'X-Request-Id': {
    description: "The request's id (the caller's `X-Request-Id` when it is sane, else a new one); every log line of the request carries it.",
    schema: { type: 'string' },
  },
  RateLimit: {
    description: 'The remaining budget of the route group (draft-ietf-httpapi-ratelimit-headers, draft 07 form); present while rate limiting is on.',
    schema: { type: 'string', pattern: '^limit=\\d+, remaining=\\d+, reset=\\d+$' },
  },
  'RateLimit-Policy': {
    description: 'The route group’s quota: requests per window of `w` seconds; present while rate limiting is on.',
    schema: { type: 'string', pattern: '^\\d+;w=\\d+$' },
  },
  'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'string', pattern: '^\\d+$' } },
  Location: { description: 'Where the created or accepted resource can be read.', schema: { type: 'string', format: 'uri-reference' } },
  'Cache-Control': { description: 'Caching rules for this answer.', schema: { type: 'string' } },
  'WWW-Authenticate': { description: 'The authentication scheme to use: `Bearer`.', schema: { type: 'string' } },
};

const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'An RFC 9457 problem document.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', description: 'A URI naming the kind of problem.' },
    title: { type: 'string', description: 'A short summary of the kind of problem.' },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status code.' },
    detail: { type: 'string', description: 'What went wrong with this request.' },
    instance: { type: 'string', description: 'The path of the request.' },
    errors: {
      type: 'array',
      description: 'For invalid requests: each offending field.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: {
            type: 'string',
            description: 'Where the field is: `items.0.quantity` in the body, `query.limit`, `path.id`, `header.idempotency-key`; empty for the whole body.',
          },
          message: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

function examplesOf(examples: Record<string, Example> | undefined): Record<string, unknown> {
  return examples ? { examples: Object.fromEntries(Object.entries(examples).map(([name, e]) => [name, { summary: e.summary, value: e.value }])) } : {};
}

/** Builds an OpenAPI 3.1 document from operation declarations (the zod schemas that validate requests). */
class OpenApiDocumentBuilder {
  private readonly schemas = new SchemaCatalogue('draft-2020-12');

  constructor(private readonly options: OpenApiOptions) {}

  build(operations: readonly ApiOperation[]): JsonSchema {
    const ids = new Set<string>();
    const paths: Record<string, Record<string, unknown>> = {};
    for (const operation of operations) {
      if (ids.has(operation.operationId)) throw new Error(`Two operations are called ${operation.operationId}`);
      ids.add(operation.operationId);
      const path = operation.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      if (paths[path]?.[operation.method]) throw new Error(`${operation.method.toUpperCase()} ${path} is declared twice`);
      paths[path] = { ...paths[path], [operation.method]: this.operation(operation) };
    }
    const knownTags = new Set(this.options.tags.map((t) => t.name));
    const untagged = operations.flatMap((o) => o.tags).filter((t) => !knownTags.has(t));
    if (untagged.length > 0) throw new Error(`Tags without a description: ${[...new Set(untagged)].join(', ')}`);

    return {
      openapi: '3.1.0',
      info: this.options.info,
      servers: [{ url: '/', description: 'The gateway (or the all-in-one process) that serves this document' }],
      tags: this.options.tags,
      security: [{ bearer: [] }],
      paths,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: `An ES256 access token from \`POST ${this.options.tokenUrl}\` (valid for its \`expires_in\` seconds), verified against \`/.well-known/jwks.json\`.`,
          },
          oauth2: {
            type: 'oauth2',
            description:
              `The token endpoint's grants: \`password\` (email and password) and \`refresh_token\` (rotating). It takes a JSON body ` +
              '(see the issueToken operation), not a form; the access token it returns is sent as the `bearer` scheme.',
            flows: { password: { tokenUrl: this.options.tokenUrl, refreshUrl: this.options.tokenUrl, scopes: {} } },
          },
        },
        parameters: {
          IdempotencyKey: {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Makes a retry safe: the same key with the same body answers the first result; the same key with another body is a 422.',
            schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
          },
          PageLimit: {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Items per page.',
            schema: this.schemas.convert(PageQuery.shape.limit, 'input'),
          },
          PageCursor: {
            name: 'cursor',
            in: 'query',
            required: false,
            description: 'The `nextCursor` of the previous page (opaque); absent for the first page.',
            schema: this.schemas.convert(PageQuery.shape.cursor.unwrap(), 'input'),
          },
        },
        headers: Object.fromEntries(Object.entries(HEADERS).map(([name, h]) => [name, { description: h.description, schema: h.schema }])),
        responses: Object.fromEntries(
          Object.values(SHARED_PROBLEMS).map((p) => [
            p.name,
            this.problemResponse(p.description, [...p.headers, 'X-Request-Id', 'RateLimit', 'RateLimit-Policy']),
          ]),
        ),
        schemas: { Problem: PROBLEM_SCHEMA, ...this.schemas.components() },
      },
    };
  }

  private operation(op: ApiOperation): JsonSchema {
    const access =
      op.access === 'admin'
        ? 'Needs an admin token (and, when an admin allow-list is configured, a client address on it).'
        : op.access === 'authenticated'
          ? 'Needs a bearer token.'
          : 'Open to anyone.';
    const parameters = [
      ...this.parameters(op.request?.params, 'path'),
      ...(op.request?.query === PageQuery
        ? [{ $ref: '#/components/parameters/PageLimit' }, { $ref: '#/components/parameters/PageCursor' }]
        : this.parameters(op.request?.query, 'query')),
      ...(op.idempotencyKey ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
    ];
    return {
      operationId: op.operationId,
      summary: op.summary,
      description: [op.description, access].filter(Boolean).join('\n\n'),
      tags: op.tags,
      ...(op.access === 'public' ? { security: [] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.request?.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: this.schemas.convert(op.request.body, 'input'), ...examplesOf(op.request.examples) } },
            },
          }
        : {}),
      responses: this.responses(op),
    };
  }

  /** The operation's own answers, then the problems any such operation can give. */
  private responses(op: ApiOperation): Record<string, unknown> {
    const limited = !isExempt(op.path);
    // A body sent with these methods is read (and may be refused) whether the operation takes one or not.
    const readsBody = op.method === 'post' || op.method === 'put' || op.method === 'patch';
    const hasInput = Boolean(readsBody || op.request?.query || op.request?.params || op.idempotencyKey);
    const shared: number[] = [
      ...(hasInput ? [400] : []),
      ...(op.access !== 'public' ? [401] : []),
      ...(op.access === 'admin' ? [403] : []),
      ...(readsBody ? [413, 415] : []),
      ...(limited ? [429] : []),
      500,
      ...(this.options.forwarded(op) ? [503] : []),
    ];
    const common = ['X-Request-Id', ...(limited ? ['RateLimit', 'RateLimit-Policy'] : [])];
    const responses: Record<string, unknown> = {};
    const statuses = [...new Set([...Object.keys(op.responses).map(Number), ...shared])].sort((a, b) => a - b);
    for (const status of statuses) {
      const spec = op.responses[status];
      if (!spec) {
        responses[status] = { $ref: `#/components/responses/${SHARED_PROBLEMS[status]!.name}` };
      } else if (status >= 400 && !spec.schema) {
        responses[status] = this.problemResponse(spec.description, [...(SHARED_PROBLEMS[status]?.headers ?? []), ...(spec.headers ?? []), ...common], spec);
      } else {
        responses[status] = this.response(spec, [...(spec.headers ?? []), ...common]);
      }
    }
    return responses;
  }

  private response(spec: ResponseSpec, headers: readonly string[]): JsonSchema {
    return {
      description: spec.description,
      headers: this.headers(headers, spec.headers ?? []),
      ...(spec.schema ? { content: this.content(spec.schema, spec) } : {}),
    };
  }

  private content(schema: z.ZodType, spec: ResponseSpec): Record<string, unknown> {
    const media = { schema: this.schemas.convert(schema, 'output'), ...examplesOf(spec.examples) };
    return Object.fromEntries([spec.contentType ?? 'application/json'].flat().map((type) => [type, media]));
  }

  private problemResponse(description: string, headers: readonly string[], spec?: ResponseSpec): JsonSchema {
    return {
      description,
      headers: this.headers(headers, spec?.headers ?? []),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' }, ...examplesOf(spec?.examples) } },
    };
  }

  /** References to the shared headers; the ones the response spec names are always sent, so they are required. */
  private headers(names: readonly string[], required: readonly DocumentedHeader[]): Record<string, unknown> {
    return Object.fromEntries(
      [...new Set(names)].map((name) => [
        name,
        required.includes(name as DocumentedHeader) ? { ...HEADERS[name], required: true } : { $ref: `#/components/headers/${name}` },
      ]),
    );
  }

  /** Path and query schemas become OpenAPI parameters, one per property. */
  private parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
    if (!schema) return [];
    const json = this.schemas.convert(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, property]) => ({
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      schema: property,
    }));
  }
}

/** OpenAPI 3.1 from the same zod schemas the routes validate with. */
export function buildOpenApiDocument(operations: readonly ApiOperation[], options: OpenApiOptions): JsonSchema {
  return new OpenApiDocumentBuilder(options).build(operations);
}
