import { describe, expect, it } from 'vitest';
import { diffContract, type ContractDocuments } from '../../scripts/api/contract-diff.js';
import { committed } from '../support/contract.js';
import type { JsonObject as Json } from '../support/json.js';

/** The committed contract, changed by `edit` (on a deep copy). */
function edited(edit: (doc: { openapi: Json; asyncapi: Json }) => void): ContractDocuments {
  const docs = { openapi: structuredClone(committed('openapi.json')), asyncapi: structuredClone(committed('asyncapi.json')) };
  edit(docs);
  return docs;
}

const base = (): ContractDocuments => edited(() => undefined);
const breaking = (after: ContractDocuments) =>
  diffContract(base(), after)
    .filter((c) => c.breaking)
    .map((c) => `${c.where}: ${c.what}`);

describe('the breaking-change check (npm run api:check)', () => {
  it('finds nothing between a contract and itself', () => {
    expect(diffContract(base(), base())).toEqual([]);
  });

  it('names a removed route and a renamed operation id', () => {
    expect(breaking(edited(({ openapi }) => delete openapi.paths['/api/v1/payments']))).toEqual([
      'GET /api/v1/payments: operation removed (or its path or method changed): listPayments',
    ]);
    expect(breaking(edited(({ openapi }) => (openapi.paths['/api/v1/orders'].post.operationId = 'createOrder')))).toEqual([
      'POST /api/v1/orders: operationId renamed placeOrder → createOrder',
    ]);
  });

  it('names a removed or renamed response field, and one that may now be absent or null', () => {
    const removed = breaking(
      edited(({ openapi }) => {
        const order = openapi.components.schemas.Order;
        order.properties.orderTotal = order.properties.total;
        delete order.properties.total;
        order.required = order.required.map((n: string) => (n === 'total' ? 'orderTotal' : n));
      }),
    );
    // Reported once, where the Order schema is first met.
    expect(removed).toEqual([expect.stringMatching(/^GET \/api\/v1\/orders 200\.items\[\]: field "total" removed \(or renamed\)$/)]);
    const optional = breaking(
      edited(({ openapi }) => (openapi.components.schemas.Product.required = openapi.components.schemas.Product.required.filter((n: string) => n !== 'sku'))),
    );
    expect(optional).toEqual([expect.stringContaining('field "sku" may now be absent')]);
    const nullable = breaking(edited(({ openapi }) => (openapi.components.schemas.Product.properties.name.type = ['string', 'null'])));
    expect(nullable).toEqual([expect.stringContaining('.name: may now be null')]);
  });

  it('names tightened request types: a new required field, a lower maximum, a removed enum value, a new required parameter', () => {
    const body = (openapi: Json) => openapi.paths['/api/v1/orders'].post.requestBody.content['application/json'].schema;
    expect(
      breaking(
        edited(({ openapi }) => {
          body(openapi).properties.note = { type: 'string' };
          body(openapi).required.push('note');
        }),
      ),
    ).toEqual(['POST /api/v1/orders: field "note" added (required)'.replace(': field', ' request body: field')]);
    expect(breaking(edited(({ openapi }) => (body(openapi).properties.items.items.properties.quantity.maximum = 10)))).toEqual([
      'POST /api/v1/orders request body.items[].quantity: maximum lowered to 10 (was 100)',
    ]);
    expect(breaking(edited(({ openapi }) => (body(openapi).properties.items.items.properties.quantity.type = 'string')))).toEqual([
      'POST /api/v1/orders request body.items[].quantity: no longer accepts integer (type tightened)',
    ]);
    const grant = (openapi: Json) => openapi.paths['/api/v1/auth/token'].post.requestBody.content['application/json'].schema.oneOf[1].properties.grant_type;
    expect(breaking(edited(({ openapi }) => (grant(openapi).const = 'refresh')))).toEqual([expect.stringContaining('no longer accepts "refresh_token"')]);
    expect(
      breaking(
        edited(({ openapi }) =>
          openapi.paths['/api/v1/products'].get.parameters.push({ name: 'shop', in: 'query', required: true, schema: { type: 'string' } }),
        ),
      ),
    ).toEqual(['GET /api/v1/products: parameter query shop added (required)']);
  });

  it('does not call additions breaking: a new route, an optional request field, a new response field', () => {
    const changes = diffContract(
      base(),
      edited(({ openapi }) => {
        openapi.paths['/api/v1/wishlists'] = { get: { operationId: 'listWishlists', responses: {} } };
        openapi.paths['/api/v1/orders'].post.requestBody.content['application/json'].schema.properties.note = { type: 'string' };
        openapi.components.schemas.Order.properties.trackingUrl = { type: 'string' };
      }),
    );
    expect(changes.length).toBeGreaterThanOrEqual(3);
    expect(changes.filter((c) => c.breaking)).toEqual([]);
  });

  it('names a removed event type, a removed payload field and a renamed topic', () => {
    expect(
      breaking(
        edited(({ asyncapi }) => {
          delete asyncapi.components.messages['payment.declined.v1'];
          delete asyncapi.channels.payment.messages['payment.declined.v1'];
        }),
      ),
    ).toEqual(['channel payment: no longer carries payment.declined.v1', 'event payment.declined.v1: event type removed (or renamed)']);
    expect(breaking(edited(({ asyncapi }) => delete asyncapi.components.messages['order.placed.v1'].payload.properties.paymentMethod))).toEqual([
      'event order.placed.v1 payload: field "paymentMethod" removed (or renamed)',
    ]);
    expect(breaking(edited(({ asyncapi }) => (asyncapi.channels.order.address = '{prefix}.orders')))).toEqual([
      'channel order: topic renamed {prefix}.order → {prefix}.orders',
    ]);
  });
});
