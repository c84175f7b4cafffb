import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NPM_START_ENV, NPM_START_NODE_FLAGS } from '../../support/npm-start.js';

/** The benches and split tests start Mercato as `npm start` does: their copy of its options must follow package.json. */
describe('npm start options', () => {
  const script = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;

  it('has the node flags of the start script', () => {
    for (const flag of NPM_START_NODE_FLAGS) expect(script).toContain(` ${flag} `);
  });

  it('has the environment defaults of the start script', () => {
    for (const [name, value] of Object.entries(NPM_START_ENV)) expect(script).toContain(`${name}=\${${name}:-${value}}`);
  });
});
