import { describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../src/kernel/events/outbox.entity.js';
import type { ObservedResponse } from '../support/contract-recorder.js';
import { eventViolations, responseViolations } from '../support/contract.js';

/** The contract checks the test support runs can fail: each kind of drift is caught and named. */
const ORDER = {
  id: '0199a1b3-1f2e-7d3c-9b4a-5e6f7a8b9c0d',
  status: 'pending',
  items: [{ productId: '0199a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b', sku: 'MUG-001', quantity: 2, unitPrice: { amount: 1290, currency: 'EUR' } }],
  total: { amount: 2580, currency: 'EUR' },
  paymentMethod: 'pm_card_visa',
  createdAt: '2026-11-26T09:05:00.000Z',
  updatedAt: '2026-11-26T09:05:00.000Z',
};

function answer(method: string, path: string, status: number, body: unknown, headers: Record<string, string> = {}): ObservedResponse {
  const problem = status >= 400 && !('content-type' in headers);
  return {
    method,
    path,
    status,
    headers: new Headers({ 'content-type': problem ? 'application/problem+json' : 'application/json; charset=utf-8', ...headers }),
    text: body === undefined ? '' : JSON.stringify(body),
  };
}

const problem = (status: number) => ({ type: 'https://mercato.dev/problems/x', title: 'X', status, detail: 'd', instance: '/x' });

describe('the HTTP contract check', () => {
  it('accepts answers the document describes', () => {
    expect(responseViolations([answer('POST', '/api/v1/orders', 202, ORDER, { location: `/api/v1/orders/${ORDER.id}` })])).toEqual([]);
    expect(responseViolations([answer('GET', `/api/v1/orders/${ORDER.id}?x=1`, 404, problem(404))])).toEqual([]);
    expect(responseViolations([answer('GET', '/nowhere', 404, problem(404))])).toEqual([]);
    expect(responseViolations([answer('DELETE', '/api/v1/orders', 405, problem(405), { allow: 'GET, POST' })])).toEqual([]);
  });

  it('names an undocumented status, field, media type or missing header', () => {
    const [status] = responseViolations([answer('GET', '/api/v1/products', 409, problem(409))]);
    expect(status).toMatch(/409 is not a documented answer of listProducts/);
    const [field] = responseViolations([answer('POST', '/api/v1/orders', 202, { ...ORDER, secret: 1 }, { location: '/x' })]);
    expect(field).toMatch(/must NOT have additional properties "secret"/);
    const [wrongType] = responseViolations([answer('POST', '/api/v1/orders', 202, { ...ORDER, status: 'shipped' }, { location: '/x' })]);
    expect(wrongType).toMatch(/\/status must be equal to one of the allowed values/);
    const [media] = responseViolations([answer('GET', '/api/v1/products', 200, { items: [], nextCursor: null }, { 'content-type': 'text/html' })]);
    expect(media).toMatch(/media type "text\/html" is not one of application\/json/);
    const [header] = responseViolations([answer('POST', '/api/v1/orders', 202, ORDER)]);
    expect(header).toMatch(/header Location is required but missing/);
    const [notProblem] = responseViolations([answer('GET', '/api/v1/products', 400, { error: 'x' }, { 'content-type': 'application/json' })]);
    expect(notProblem).toMatch(/media type "application\/json" is not one of application\/problem\+json/);
  });

  it('names answers to paths and methods the document does not list, other than 404 and 405 problems', () => {
    expect(responseViolations([answer('GET', '/api/v1/secret', 200, {})])[0]).toMatch(/200 for a path the document does not list/);
    expect(responseViolations([answer('PUT', '/api/v1/orders', 200, ORDER)])[0]).toMatch(/200 for PUT on \/api\/v1\/orders, which has no such operation/);
    expect(responseViolations([answer('DELETE', '/api/v1/orders', 405, problem(405))])[0]).toMatch(/405 without an Allow header/);
  });
});

describe('the event contract check', () => {
  const row = (type: string, data: Record<string, unknown>): OutboxRecord =>
    ({
      seq: 1,
      id: '0199a1b3-1f2e-7d3c-9b4a-5e6f7a8b9c0e',
      type,
      subject: ORDER.id,
      time: '2026-11-26T09:05:00.000Z',
      data,
      traceparent: null,
    }) as OutboxRecord;
  const placed = { orderId: ORDER.id, userId: ORDER.items[0]!.productId, items: ORDER.items, total: ORDER.total, paymentMethod: 'pm_card_visa' };

  it('accepts an event as its catalogue message describes it', () => {
    expect(eventViolations('order', [row('order.placed.v1', placed)])).toEqual([]);
  });

  it('names an unknown event type, a payload that does not fit, and a publisher that is not the one catalogued', () => {
    expect(eventViolations('order', [row('order.shipped.v1', {})])).toEqual([expect.stringMatching(/order\.shipped\.v1 is not in the event catalogue/)]);
    expect(eventViolations('order', [row('order.placed.v1', { ...placed, total: { amount: -1, currency: 'EUR' } })])).toEqual([
      expect.stringMatching(/payload: \/total\/amount must be >= 0/),
    ]);
    expect(eventViolations('payment', [row('order.placed.v1', placed)])).toEqual([expect.stringMatching(/headers: \/ce_source must be equal to constant/)]);
  });
});
