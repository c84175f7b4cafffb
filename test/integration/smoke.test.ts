import { beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { ADMIN, useTestSystem } from '../support/test-system.js';

describe('smoke', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
  });

  it('is ready and lets the admin create a product', async () => {
    expect((await http.get('/health/ready')).status).toBe(200);
    const token = await http.token(ADMIN.email, ADMIN.password);
    const res = await http.post('/api/v1/products', { sku: 'abc-1', name: 'A', price: { amount: 100, currency: 'EUR' } }, { token });
    expect(res.status).toBe(201);
    expect(res.body.sku).toBe('ABC-1');
  });
});
