import 'reflect-metadata';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../../src/kernel/tokens.js';
import { ProductCreatedV1 } from '../../src/modules/catalog/contracts/product-created.event.js';
import { ALL_MODULES } from '../../src/runtimes/module.registry.js';
import { WishlistItemAddedV1 } from '../support/fixtures/wishlist/contracts/wishlist-item-added.event.js';
import { wishlistModule } from '../support/fixtures/wishlist/index.js';
import { MODULES_WITH_WISHLIST } from '../support/fixtures/wishlist.registry.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';
import { waitFor } from '../support/wait-for.js';
import { Probe } from '../support/modules/probe.module.js';
import { testTokens, type TestTokens } from '../support/modules/test-tokens.js';

/**
 * Adding a module is its folder and one registration line: the fixture wishlist module
 * (test/support/fixtures/wishlist/, registered by one line in wishlist.registry.ts) runs alone
 * and inside the whole system with nothing else changed. Its answers are not in the committed
 * api/openapi.json (it is no part of the product), so its own calls skip that contract check.
 */
describe('a seventh module (fixture) with only its folder and one registration line', () => {
  const product = (name: string) => ({
    productId: uuidv7(),
    sku: `WISH-${name.toUpperCase()}`,
    name,
    description: null,
    price: { amount: 990, currency: 'EUR' },
  });

  describe('alone on the in-memory bus (a probe plays the catalog)', () => {
    const probe = new Probe({ publishes: [ProductCreatedV1], records: [WishlistItemAddedV1] });
    let sys: TestSystem;
    let wishlist: HttpClient;
    let tokens: TestTokens;

    beforeAll(async () => {
      tokens = await testTokens();
      sys = await startTestSystem({
        env: { MODULES: 'wishlist,probe', EVENT_BUS: 'memory', WISHLIST_MAX_ITEMS: '2', ...tokens.env },
        available: [wishlistModule, probe.module],
      });
      wishlist = httpClient(sys.url, { contract: false });
    });
    afterAll(() => sys?.stop());

    it('hears catalog events, publishes its own, serves its routes and reads its own setting', async () => {
      const customer = await tokens.customer();
      const [mug, pen, cap] = [product('mug'), product('pen'), product('cap')];
      expect((await wishlist.post('/api/v1/wishlist', { productId: mug.productId }, { token: customer.token })).status).toBe(404);

      for (const p of [mug, pen, cap]) await probe.publish(ProductCreatedV1, p.productId, p);
      const added = await waitFor(
        async () => {
          const res = await wishlist.post('/api/v1/wishlist', { productId: mug.productId }, { token: customer.token });
          return res.status === 200 && res.body;
        },
        5_000,
        'the wishlist to know the mug',
      );
      expect(added.items).toEqual([expect.objectContaining({ productId: mug.productId, name: 'mug' })]);
      const event = await probe.next(WishlistItemAddedV1, (d) => d.productId === mug.productId);
      expect(event).toMatchObject({ source: 'wishlist', subject: customer.id, data: { userId: customer.id, name: 'mug' } });

      expect((await wishlist.post('/api/v1/wishlist', { productId: pen.productId }, { token: customer.token })).status).toBe(200);
      // WISHLIST_MAX_ITEMS=2, read from the module's own configuration slice.
      const full = await wishlist.post('/api/v1/wishlist', { productId: cap.productId }, { token: customer.token });
      expect(full.status).toBe(409);
      expect(full.headers.get('content-type')).toContain('application/problem+json');
      expect((await wishlist.get('/api/v1/wishlist', { token: customer.token })).body.items.map((i: { name: string }) => i.name)).toEqual(['mug', 'pen']);
      expect(probe.all(WishlistItemAddedV1)).toHaveLength(2);
      expect(sys.system.modules.get('wishlist')!.container.resolve(TOKENS.ModuleConfig)).toEqual({ maxItems: 2 });
    });

    it('refuses a bad value of its setting at start, naming it', async () => {
      await expect(
        startTestSystem({ env: { MODULES: 'wishlist', EVENT_BUS: 'memory', WISHLIST_MAX_ITEMS: 'lots', ...tokens.env }, available: [wishlistModule] }),
      ).rejects.toThrow(/wishlist\.maxItems/);
    });
  });

  describe('in the whole system, in one process', () => {
    let sys: TestSystem;
    let http: HttpClient;
    let wishlist: HttpClient;

    beforeAll(async () => {
      sys = await startTestSystem({ available: MODULES_WITH_WISHLIST });
      http = httpClient(sys.url);
      wishlist = httpClient(sys.url, { contract: false });
    });
    afterAll(() => sys?.stop());

    it('is one more entry of the registry: the real modules are the same six', () => {
      expect(MODULES_WITH_WISHLIST.slice(0, -1)).toEqual(ALL_MODULES);
      expect(MODULES_WITH_WISHLIST.at(-1)).toBe(wishlistModule);
    });

    it('takes a product the catalog created over the bus, and appears in the API document the process serves', async () => {
      const admin = await http.token(ADMIN.email, ADMIN.password);
      const created = await http.post('/api/v1/products', { sku: 'WISH-LAMP', name: 'Lamp', price: { amount: 4500, currency: 'EUR' } }, { token: admin });
      expect(created.status).toBe(201);
      const customer = await http.signUp(`wish-${Date.now()}@mercato.test`);
      const res = await waitFor(
        async () => {
          const r = await wishlist.post('/api/v1/wishlist', { productId: created.body.id }, { token: customer.token });
          return r.status === 200 && r;
        },
        5_000,
        'the wishlist to hear of the lamp',
      );
      expect(res.body.items).toEqual([expect.objectContaining({ productId: created.body.id, name: 'Lamp' })]);

      const document = (await wishlist.get('/api/openapi.json')).body;
      expect(document.paths['/api/v1/wishlist']).toHaveProperty('post.operationId', 'addToWishlist');
      expect(document.tags.map((t: { name: string }) => t.name)).toContain('wishlist');
      // Its settings are its own: no other module's container holds them.
      expect(sys.system.modules.get('wishlist')!.container.resolve(TOKENS.ModuleConfig)).toEqual({ maxItems: 20 });
      expect(sys.system.modules.get('catalog')!.container.isRegistered(TOKENS.ModuleConfig)).toBe(false);
      expect(sys.system.modules.get('user')!.container.resolve(TOKENS.ModuleConfig)).not.toHaveProperty('maxItems');
    });
  });
});
