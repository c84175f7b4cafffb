import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * Turns zod schemas into JSON Schemas for an API document. Schemas named with
 * `.meta({ id: 'Order' })` become shared components (`#/components/schemas/Order`) instead of
 * being repeated. One name stands for one JSON Schema: a named schema whose request (input) and
 * response (output) forms differ is refused, so give the request form a schema of its own.
 */
export class SchemaCatalogue {
  private readonly named = new Map<string, JsonSchema>();

  constructor(private readonly target: 'draft-2020-12' | 'draft-7') {}

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const { $schema: _dialect, $defs, definitions, ...rest } = z.toJSONSchema(schema, { io, target: this.target, unrepresentable: 'any' }) as JsonSchema;
    const defs = { ...(($defs ?? definitions ?? {}) as Record<string, JsonSchema>) };
    const rewrite = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (node === null || typeof node !== 'object') return node;
      const out: JsonSchema = {};
      for (const [key, value] of Object.entries(node)) {
        const local = key === '$ref' && typeof value === 'string' ? /^#\/(?:\$defs|definitions)\/(.+)$/.exec(value) : null;
        out[key] = local ? `#/components/schemas/${local[1]}` : rewrite(value);
      }
      return out;
    };
    for (const [id, def] of Object.entries(defs)) {
      const converted = rewrite(def) as JsonSchema;
      const known = this.named.get(id);
      if (known && JSON.stringify(known) !== JSON.stringify(converted)) {
        throw new Error(`Two different JSON Schemas are named ${id} (a request and a response form?): give one of them another id`);
      }
      this.named.set(id, converted);
    }
    return rewrite(rest) as JsonSchema;
  }

  /** The named schemas met so far, sorted by name (so documents are stable). */
  components(): Record<string, JsonSchema> {
    return Object.fromEntries([...this.named].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
