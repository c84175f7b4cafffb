import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_MODULES } from '../../../src/runtimes/module.registry.js';
import { withUnhostedModules } from '../../../src/runtimes/split.topology.js';

describe('split topology (npm run start:split)', () => {
  const topology = {
    host: '127.0.0.1',
    processes: [
      { name: 'gateway', modules: 'gateway', port: 3000 },
      { name: 'users', modules: 'user, Notification', port: 3001 },
    ],
  };

  it('runs the modules no process names in one more process, on the next port', () => {
    expect(withUnhostedModules(topology, ['user', 'notification', 'catalog', 'wishlist']).processes).toEqual([
      ...topology.processes,
      { name: 'unassigned', modules: 'catalog,wishlist', port: 3002 },
    ]);
  });

  it('changes nothing when every module is hosted, or a process hosts all', () => {
    expect(withUnhostedModules(topology, ['user', 'notification'])).toBe(topology);
    const all = { processes: [{ name: 'one', modules: 'all', port: 3000 }] };
    expect(withUnhostedModules(all, ['user', 'wishlist'])).toBe(all);
  });

  it('config/topology.json hosts every module of the registry as it is', () => {
    const file = JSON.parse(readFileSync(resolve('config/topology.json'), 'utf8')) as typeof topology;
    expect(
      withUnhostedModules(
        file,
        ALL_MODULES.map((m) => m.name),
      ),
    ).toBe(file);
  });
});
