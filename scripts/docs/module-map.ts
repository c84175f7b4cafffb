/**
 * The module map, docs/MODULES.md, generated from the module definitions.
 *
 *   npm run docs:modules               rewrite it (then review and commit the change)
 *   npm run docs:modules -- --check    fail when the committed file differs from the code
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderModuleMap } from '../../src/runtimes/module.map.js';
import { ALL_MODULES } from '../../src/runtimes/module.registry.js';

export const MODULE_MAP_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/MODULES.md');

const rendered = renderModuleMap(ALL_MODULES);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(MODULE_MAP_FILE, 'utf8');
  } catch {
    // missing: stale as well
  }
  if (current !== rendered) {
    console.error('docs:modules: docs/MODULES.md is out of date; run `npm run docs:modules` and commit it');
    process.exit(1);
  }
  console.log('docs:modules: docs/MODULES.md matches the module definitions.');
} else {
  writeFileSync(MODULE_MAP_FILE, rendered);
  console.log('docs:modules: wrote docs/MODULES.md');
}
