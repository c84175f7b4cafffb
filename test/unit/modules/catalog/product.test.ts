import { describe, expect, it } from 'vitest';
import { applyChanges, normalizeSku, type Product } from '../../../../src/modules/catalog/domain/product.js';

const CREATED = new Date('2026-01-01T00:00:00.000Z');
const NOW = new Date('2026-02-01T12:00:00.000Z');

function aProduct(overrides: Partial<Product> = {}): Product {
  return {
    id: '01900000-0000-7000-8000-000000000001',
    sku: 'MUG-001',
    name: 'Mug',
    description: 'Ceramic',
    price: { amount: 1290, currency: 'EUR' },
    createdAt: CREATED,
    updatedAt: CREATED,
    version: 1,
    ...overrides,
  };
}

describe('normalizeSku', () => {
  it.each([
    ['mug-001', 'MUG-001'],
    ['Mug-001', 'MUG-001'],
    ['  mug-001  ', 'MUG-001'],
    ['\tabc.def_1\n', 'ABC.DEF_1'],
    ['MUG-001', 'MUG-001'],
  ])('normalizes %j to %j', (raw, normalized) => {
    expect(normalizeSku(raw)).toBe(normalized);
  });

  it('makes SKUs that differ only in case or surrounding space equal', () => {
    expect(new Set(['sku-1', 'SKU-1', ' Sku-1 ', 'sKU-1'].map(normalizeSku))).toEqual(new Set(['SKU-1']));
  });

  it('is idempotent and keeps inner characters', () => {
    for (const sku of ['a.b_c-d', 'X1', '  q-9 ']) expect(normalizeSku(normalizeSku(sku))).toBe(normalizeSku(sku));
    expect(normalizeSku('a b')).toBe('A B');
  });
});

describe('applyChanges', () => {
  it('changes nothing and reports false for no changes', () => {
    const product = aProduct();
    expect(applyChanges(product, {}, NOW)).toBe(false);
    expect(product).toEqual(aProduct());
  });

  it('reports false and keeps updatedAt when every given value equals the current one', () => {
    const product = aProduct();
    const changed = applyChanges(product, { name: 'Mug', description: 'Ceramic', price: { amount: 1290, currency: 'EUR' } }, NOW);
    expect(changed).toBe(false);
    expect(product.updatedAt).toBe(CREATED);
  });

  it('changes the name alone and stamps updatedAt', () => {
    const product = aProduct();
    expect(applyChanges(product, { name: 'Big mug' }, NOW)).toBe(true);
    expect(product).toEqual(aProduct({ name: 'Big mug', updatedAt: NOW }));
  });

  it('changes the description, and clears it with null', () => {
    const product = aProduct();
    expect(applyChanges(product, { description: 'Porcelain' }, NOW)).toBe(true);
    expect(product.description).toBe('Porcelain');
    expect(applyChanges(product, { description: null }, NOW)).toBe(true);
    expect(product.description).toBeNull();
    expect(applyChanges(product, { description: null }, NOW)).toBe(false);
  });

  it('leaves the description alone when it is not given (undefined is not null)', () => {
    const product = aProduct();
    expect(applyChanges(product, { description: undefined, name: 'Other' }, NOW)).toBe(true);
    expect(product.description).toBe('Ceramic');
  });

  it.each([[{ amount: 1500, currency: 'EUR' }], [{ amount: 1290, currency: 'USD' }], [{ amount: 0, currency: 'EUR' }]])(
    'changes the price when the amount or the currency differs: %j',
    (price) => {
      const product = aProduct();
      expect(applyChanges(product, { price }, NOW)).toBe(true);
      expect(product.price).toEqual(price);
      expect(product.updatedAt).toBe(NOW);
    },
  );

  it('copies the new price instead of sharing the caller object', () => {
    const product = aProduct();
    const price = { amount: 999, currency: 'EUR' };
    applyChanges(product, { price }, NOW);
    price.amount = 1;
    expect(product.price).toEqual({ amount: 999, currency: 'EUR' });
  });

  it('applies several changes at once and never touches id, sku, createdAt or version', () => {
    const product = aProduct();
    expect(applyChanges(product, { name: 'Cup', description: null, price: { amount: 500, currency: 'GBP' } }, NOW)).toBe(true);
    expect(product).toEqual(aProduct({ name: 'Cup', description: null, price: { amount: 500, currency: 'GBP' }, updatedAt: NOW }));
  });

  it('reports true when only one of several given fields differs', () => {
    const product = aProduct();
    expect(applyChanges(product, { name: 'Mug', price: { amount: 1290, currency: 'CHF' } }, NOW)).toBe(true);
    expect(product.price.currency).toBe('CHF');
  });
});
