import { z } from 'zod';
import { defineOperation } from './api-route.js';
import { DOCS_ASSET_NAMES } from './docs.page.js';

const HealthReport = z
  .object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.enum(['up', 'down'])) })
  .meta({ id: 'HealthReport', description: 'Each dependency of the process (its databases, the event bus) and whether it is up.' });
const ApiDocument = z.looseObject({}).describe('A JSON document');

/**
 * The routes every process serves besides its modules': probes, metrics, and the API's own
 * documents. Declared like any operation, so the API document describes them too.
 */
export const systemApi = {
  getLiveness: defineOperation({
    operationId: 'getLiveness',
    method: 'get',
    path: '/health/live',
    summary: 'Liveness probe: the process is running',
    tags: ['operations'],
    access: 'public',
    responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
  }),
  getReadiness: defineOperation({
    operationId: 'getReadiness',
    method: 'get',
    path: '/health/ready',
    summary: 'Readiness probe: every database and the event bus are up, and the process is not shutting down',
    tags: ['operations'],
    access: 'public',
    responses: {
      200: { description: 'Ready', schema: HealthReport },
      503: { description: 'Not ready (a dependency is down, or the process is draining)', schema: HealthReport },
    },
  }),
  getMetrics: defineOperation({
    operationId: 'getMetrics',
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this process',
    tags: ['operations'],
    access: 'public',
    responses: {
      200: { description: 'Prometheus text exposition format', schema: z.string(), contentType: 'text/plain' },
      404: { description: 'Metrics are served on a port of their own (METRICS_PORT), not here' },
    },
  }),
  getOpenApiDocument: defineOperation({
    operationId: 'getOpenApiDocument',
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document: the whole HTTP API (OpenAPI 3.1)',
    tags: ['documentation'],
    access: 'public',
    responses: { 200: { description: 'The OpenAPI document', schema: ApiDocument } },
  }),
  getAsyncApiDocument: defineOperation({
    operationId: 'getAsyncApiDocument',
    method: 'get',
    path: '/api/asyncapi.json',
    summary: 'The event catalogue: every event the modules publish over Kafka (AsyncAPI 3.0)',
    tags: ['documentation'],
    access: 'public',
    responses: { 200: { description: 'The AsyncAPI document', schema: ApiDocument } },
  }),
  getApiReference: defineOperation({
    operationId: 'getApiReference',
    method: 'get',
    path: '/docs',
    summary: 'The API reference page (HTML) rendering this document',
    description: 'Off in production unless `API_DOCS_ENABLED=true`.',
    tags: ['documentation'],
    access: 'public',
    responses: { 200: { description: 'The page', schema: z.string(), contentType: 'text/html' }, 404: { description: 'The reference page is off' } },
  }),
  getApiReferenceAsset: defineOperation({
    operationId: 'getApiReferenceAsset',
    method: 'get',
    path: '/docs/:asset',
    summary: 'A script, style sheet or image of the reference page',
    tags: ['documentation'],
    access: 'public',
    request: { params: z.object({ asset: z.string().meta({ examples: DOCS_ASSET_NAMES }) }) },
    responses: {
      200: { description: 'The file', schema: z.string(), contentType: ['text/css', 'text/javascript', 'image/png'] },
      404: { description: 'No such file, or the reference page is off' },
    },
  }),
};
