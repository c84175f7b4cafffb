import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';

describe('smoke', () => {
  let sys: TestSystem;
  let http: HttpClient;
  beforeAll(async () => {
    sys = await startTestSystem();
    http = httpClient(sys.url);
  });
  afterAll(() => sys.stop());

  it('is ready and lets the admin create a product', async () => {
    expect((await http.get('/health/ready')).status).toBe(200);
    const token = await http.token(ADMIN.email, ADMIN.password);
    const res = await http.post('/api/v1/products', { sku: 'abc-1', name: 'A', price: { amount: 100, currency: 'EUR' } }, { token });
    expect(res.status).toBe(201);
    expect(res.body.sku).toBe('ABC-1');
  });
});
