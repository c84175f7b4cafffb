import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderModuleMap } from '../../src/runtimes/module.map.js';
import { ALL_MODULES } from '../../src/runtimes/module.registry.js';
import { MODULES_WITH_WISHLIST } from '../support/fixtures/wishlist.registry.js';

/** docs/MODULES.md is generated from the module definitions (`npm run docs:modules`), never kept by hand. */
describe('the module map (docs/MODULES.md)', () => {
  it('is the one the module definitions give (run `npm run docs:modules` and commit it)', () => {
    expect(readFileSync(resolve('docs/MODULES.md'), 'utf8')).toBe(renderModuleMap(ALL_MODULES));
  });

  it('lists every published event once, with its publisher and each subscriber', () => {
    const map = renderModuleMap(ALL_MODULES);
    for (const module of ALL_MODULES) {
      for (const contract of module.publishes)
        expect(map.match(new RegExp(`^\\| \`${contract.type.replace(/\./g, '\\.')}\` \\| \\d+ \\| ${module.name} \\|`, 'gm'))).toHaveLength(1);
      for (const s of module.subscriptions) expect(map).toContain(`-- "${s.contract.type}" --> ${module.name}`);
    }
  });

  it('follows the definitions: a module added to the registry appears with its events, routes and settings', () => {
    const map = renderModuleMap(MODULES_WITH_WISHLIST);
    expect(map).toContain('catalog -- "product.created.v1" --> wishlist');
    expect(map).toContain('| `wishlist.item-added.v1` | 1 | wishlist | — |');
    expect(map).toMatch(
      /\| wishlist \| `POST \/api\/v1\/wishlist` \(authenticated\)<br>`GET \/api\/v1\/wishlist` \(authenticated\) \|.*\| `WISHLIST_MAX_ITEMS` \|/,
    );
  });
});
