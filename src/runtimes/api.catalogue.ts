import { buildAsyncApiDocument } from '../kernel/events/asyncapi.builder.js';
import { deadLetterApi } from '../kernel/events/dead-letter.routes.js';
import { gatewayApi } from '../kernel/gateway/gateway.api.js';
import type { ApiOperation } from '../kernel/http/api-route.js';
import { buildOpenApiDocument } from '../kernel/http/openapi.builder.js';
import type { JsonSchema } from '../kernel/http/schema.catalogue.js';
import { systemApi } from '../kernel/http/system.api.js';
import type { ModuleDefinition } from '../kernel/module.js';

/** The API's contract: what `api/openapi.json` and `api/asyncapi.json` hold, and every process serves. */
export interface ApiDocuments {
  openapi: JsonSchema;
  asyncapi: JsonSchema;
}

const VERSION = '1.0.0';

/** The kernel's own tags; each module brings its own (`ModuleDefinition.tag`), listed first. */
const KERNEL_TAGS = [
  { name: 'admin', description: "Each module's dead letters: events it gave up on, to inspect and replay." },
  { name: 'gateway', description: 'The gateway of a split deployment.' },
  { name: 'operations', description: 'Probes and metrics for the platform running the processes.' },
  { name: 'documentation', description: 'This document, the event catalogue and the reference page.' },
];

const DESCRIPTION = [
  'Mercato, an e-commerce backend: users, catalog, inventory, orders, payments, notifications.',
  'JSON in and out. Every error is an RFC 9457 problem document (`application/problem+json`). Lists are paginated with ' +
    '`limit` and an opaque `cursor` (the `nextCursor` of the previous page). Rate limits per route group are announced in ' +
    '`RateLimit` and `RateLimit-Policy` headers; over the limit, 429 with `Retry-After`.',
  'Orders settle asynchronously: `POST /api/v1/orders` answers `pending`; poll the order until it is `confirmed` or `cancelled`. ' +
    'The events behind it are described in the event catalogue, `/api/asyncapi.json` (AsyncAPI 3.0).',
  'Requests for a path this document does not list are answered with a 404 problem, and other methods on a listed path with a 405 problem and `Allow` ' +
    '(a trailing slash is ignored). Any request may also be refused before it is routed, with a problem document: 400 or 415 for a body that ' +
    'cannot be read, 413 for one too large, 429 over the rate limit, 431 for headers too large, 408 for a request too slow to arrive.',
].join('\n\n');

/** The operations of the whole API: every module's (served here or by another process), then the kernel's. */
export function apiOperations(available: readonly ModuleDefinition[]): { forwarded: ApiOperation[]; local: ApiOperation[] } {
  return {
    forwarded: available.flatMap((m) => [...m.api, ...Object.values(deadLetterApi(m.name))]),
    local: [...Object.values(gatewayApi), ...Object.values(systemApi)],
  };
}

/**
 * The documents of the whole API, built from the module definitions alone: a gateway describes
 * the modules it forwards to exactly as a process hosting them would, without asking them.
 */
export function describeApi(available: readonly ModuleDefinition[]): ApiDocuments {
  const { forwarded, local } = apiOperations(available);
  const remote = new Set(forwarded);
  return {
    openapi: buildOpenApiDocument([...forwarded, ...local], {
      info: { title: 'Mercato API', version: VERSION, description: DESCRIPTION },
      tags: [...available.flatMap((m) => (m.tag ? [m.tag] : [])), ...KERNEL_TAGS],
      tokenUrl: '/api/v1/auth/token',
      forwarded: (operation) => remote.has(operation),
    }),
    asyncapi: buildAsyncApiDocument(available, {
      info: {
        title: 'Mercato events',
        version: VERSION,
        description:
          'The events Mercato modules publish, one Kafka topic per publishing module. Each is a CloudEvents 1.0 event in the Kafka ' +
          'binary binding: attributes in `ce_*` headers, the data as the JSON value, the subject as the key. Delivery is at least ' +
          'once (transactional outbox); consumers deduplicate on `ce_id`. Types are versioned (`order.placed.v1`): a breaking ' +
          'change is a new type.',
      },
      topicPrefix: 'mercato',
    }),
  };
}
