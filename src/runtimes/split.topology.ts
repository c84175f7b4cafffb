export interface SplitProcess {
  name: string;
  /** The MODULES value of the process. */
  modules: string;
  port: number;
}

/**
 * Adds a process (named `unassigned`, on the port after the highest) for the modules that no
 * process of a split topology names, so that every module runs and a new module needs no edit of
 * config/topology.json.
 */
export function withUnhostedModules<T extends { processes: SplitProcess[] }>(topology: T, modules: readonly string[]): T {
  const named = new Set(topology.processes.flatMap((p) => p.modules.split(',').map((m) => m.trim().toLowerCase())));
  if (named.has('all')) return topology;
  const unhosted = modules.filter((m) => !named.has(m));
  if (unhosted.length === 0) return topology;
  const port = Math.max(...topology.processes.map((p) => p.port)) + 1;
  return { ...topology, processes: [...topology.processes, { name: 'unassigned', modules: unhosted.join(','), port }] };
}
