import { beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { useTestSystem } from '../support/test-system.js';

/** `METRICS_PORT`: metrics leave the public port for one that only the scraper is given. */
describe('METRICS_PORT', () => {
  const sys = useTestSystem({ env: { METRICS_PORT: '0' } });
  let http: HttpClient;
  let metrics: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
    // The metrics port is the scraper's, not the public API the document describes.
    metrics = httpClient(sys.system.metricsUrl!, { contract: false });
  });

  it('serves /metrics on its own port, and not on the public one', async () => {
    expect((await http.get('/api/v1/products')).status).toBe(200);
    expect((await http.get('/metrics')).status).toBe(404);
    const res = await metrics.get<string>('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/products"/m);
  });

  it('serves nothing else there', async () => {
    expect((await metrics.get('/api/v1/products')).status).toBe(404);
    expect((await metrics.request('POST', '/metrics')).status).toBe(405);
  });
});
