import type { ModuleDefinition } from '../kernel/module.js';

export const GATEWAY = 'gateway';
const ALL = 'all';

export interface ModuleSelection {
  modules: ModuleDefinition[];
  gateway: boolean;
  /** Whether this process hosts every module, so the in-memory bus can connect them all. */
  hostsEverything: boolean;
}

/** Thrown when MODULES names something that does not exist; the message is the one line shown. */
export class ModuleSelectionError extends Error {
  override name = 'ModuleSelectionError';
}

/** Parses `MODULES` (comma list; unset, empty or `all` means every module plus the gateway). */
export function selectModules(raw: string | undefined, available: readonly ModuleDefinition[]): ModuleSelection {
  const names = (raw ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const known = new Set([...available.map((m) => m.name), GATEWAY]);
  const unknown = names.filter((n) => n !== ALL && !known.has(n));
  if (unknown.length > 0) {
    throw new ModuleSelectionError(
      `Unknown module${unknown.length > 1 ? 's' : ''} in MODULES: ${unknown.join(', ')} (known: ${ALL}, ${[...known].join(', ')})`,
    );
  }
  // `all` already includes everything, so `all,gateway` means the same as `all`.
  if (names.length === 0 || names.includes(ALL)) {
    return { modules: [...available], gateway: true, hostsEverything: true };
  }
  const modules = available.filter((m) => names.includes(m.name));
  return { modules, gateway: names.includes(GATEWAY), hostsEverything: modules.length === available.length };
}
