/**
 * The route template (`/api/v1/orders/:id`) of a path the gateway forwards, from the operations
 * the modules declare, so that the gateway's metrics and spans name routes as the module
 * processes do, never by the raw path (whose ids would make a label per request).
 */
export class RouteTemplates {
  private readonly entries: { pattern: RegExp; template: string }[];

  constructor(paths: readonly string[]) {
    this.entries = [...new Set(paths)]
      .map((template) => ({
        template,
        params: (template.match(/:[^/]+/g) ?? []).length,
        pattern: new RegExp(`^${template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+')}/?$`, 'i'),
      }))
      // A literal segment wins over a parameter (`/orders/mine` before `/orders/:id`).
      .sort((a, b) => a.params - b.params)
      .map(({ pattern, template }) => ({ pattern, template }));
  }

  match(path: string): string | undefined {
    return this.entries.find((e) => e.pattern.test(path))?.template;
  }
}
