import { describe, expect, it } from 'vitest';
import type { ModuleDefinition } from '../../../src/kernel/module.js';
import { ModuleSelectionError, selectModules } from '../../../src/runtimes/module.selector.js';

function fixture(name: string): ModuleDefinition {
  return { name, entities: [], publishes: [], subscriptions: [], register: () => undefined, api: [], routes: () => [] };
}

const AVAILABLE = [fixture('user'), fixture('catalog'), fixture('order')];
const names = (raw: string | undefined) => selectModules(raw, AVAILABLE).modules.map((m) => m.name);

describe('selectModules', () => {
  it.each([undefined, '', '  ', 'all', 'ALL', ' All ', ',', 'all,gateway'])('hosts every module and the gateway for %j', (raw) => {
    const selection = selectModules(raw, AVAILABLE);
    expect(selection.modules.map((m) => m.name)).toEqual(['user', 'catalog', 'order']);
    expect(selection.gateway).toBe(true);
    expect(selection.hostsEverything).toBe(true);
  });

  it('hosts only the named module, without the gateway', () => {
    const selection = selectModules('catalog', AVAILABLE);
    expect(selection.modules.map((m) => m.name)).toEqual(['catalog']);
    expect(selection.gateway).toBe(false);
    expect(selection.hostsEverything).toBe(false);
  });

  it('tolerates case, spaces, empty items and duplicates', () => {
    expect(names(' Catalog , USER,,catalog ')).toEqual(['user', 'catalog']);
  });

  it('adds the gateway when named', () => {
    const selection = selectModules('gateway, catalog', AVAILABLE);
    expect(selection.gateway).toBe(true);
    expect(selection.modules.map((m) => m.name)).toEqual(['catalog']);
    expect(selection.hostsEverything).toBe(false);
  });

  it('says it hosts everything when every module is listed', () => {
    const selection = selectModules('order,catalog,user', AVAILABLE);
    expect(selection.hostsEverything).toBe(true);
    expect(selection.gateway).toBe(false);
  });

  it('refuses unknown names, naming them', () => {
    expect(() => selectModules('catalog,bogus', AVAILABLE)).toThrow(ModuleSelectionError);
    expect(() => selectModules('catalog,bogus', AVAILABLE)).toThrow(/bogus/);
    expect(() => selectModules('catalog,bogus', AVAILABLE)).toThrow(/: bogus \(/);
    expect(() => selectModules('all,bogus', AVAILABLE)).toThrow(/: bogus \(/);
  });

  it('names every unknown module and lists the known ones', () => {
    let message = '';
    try {
      selectModules('bogus, Nope', AVAILABLE);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('bogus, nope');
    expect(message).toContain('known: all, user, catalog, order, gateway');
  });
});
