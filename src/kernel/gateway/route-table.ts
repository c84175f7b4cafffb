/** Which module serves a path, from the modules' declared route prefixes. */
export class RouteTable {
  private readonly entries: { prefix: string; module: string }[];

  constructor(modules: readonly { name: string; routePrefixes?: readonly string[] }[]) {
    this.entries = modules
      .flatMap((m) => [...(m.routePrefixes ?? []), `/api/v1/admin/${m.name}`].map((prefix) => ({ prefix: prefix.toLowerCase(), module: m.name })))
      // Longest first, so a more specific prefix wins.
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Without regard to letter case, as the routes of the module processes match. */
  moduleFor(requested: string): string | undefined {
    const path = requested.toLowerCase();
    return this.entries.find((e) => path === e.prefix || path.startsWith(`${e.prefix}/`))?.module;
  }

  /** A route outside its module's prefixes would be unreachable through a gateway: refuse it. */
  assertCovers(module: string, paths: readonly string[]): void {
    const stray = paths.filter((p) => this.moduleFor(p) !== module);
    if (stray.length > 0) throw new Error(`Module ${module} serves routes outside its routePrefixes: ${stray.join(', ')}`);
  }
}
