/**
 * What changed between two versions of the API contract (OpenAPI 3.1 and AsyncAPI 3.0 documents),
 * and which of those changes break existing clients:
 *
 * - removed or renamed operations, operation ids, responses, media types, channels and event types;
 * - in what clients send (request bodies, parameters): removed fields, new required fields or
 *   parameters, types, enums, bounds, lengths or patterns that accept less (tightened);
 * - in what clients receive (response bodies and headers, event payloads and headers): removed
 *   fields, fields that may now be absent, types or enums that may now hold more.
 *
 * Deliberately focused: `oneOf`/`anyOf` variants are compared by position, and a changed pattern
 * counts as tightened whichever way it changed.
 */

/** A node of a contract document, read without a schema: every access is checked where it is made. */
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON walked by hand (see above).
type JsonNode = any;
type Json = Record<string, JsonNode>;
type Direction = 'request' | 'response';

export interface ContractChange {
  breaking: boolean;
  where: string;
  what: string;
}

export interface ContractDocuments {
  openapi: Json;
  asyncapi: Json;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];

/** Follows local `$ref`s (`#/components/...`) within one document. */
function resolver(doc: Json) {
  return function resolve(node: JsonNode, seen = new Set<string>()): JsonNode {
    if (!node || typeof node !== 'object' || typeof node.$ref !== 'string') return node;
    const ref: string = node.$ref;
    if (!ref.startsWith('#/') || seen.has(ref)) return node;
    seen.add(ref);
    const target = ref
      .slice(2)
      .split('/')
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<JsonNode>((at, key) => (at === undefined ? undefined : at[key]), doc);
    return resolve(target, seen);
  };
}

function typesOf(schema: Json): Set<string> | undefined {
  if (schema.type === undefined) return schema.const === null ? new Set(['null']) : undefined;
  return new Set([schema.type].flat());
}

/** Compares two JSON Schemas of one place in the contract, in the direction data flows there. */
class SchemaComparer {
  private readonly seen = new Set<string>();

  constructor(
    private readonly resolveBefore: (n: JsonNode) => JsonNode,
    private readonly resolveAfter: (n: JsonNode) => JsonNode,
    private readonly changes: ContractChange[],
  ) {}

  compare(beforeNode: JsonNode, afterNode: JsonNode, direction: Direction, where: string): void {
    // A named schema (Money, Order...) is compared once per direction, where it is first met: its
    // changes are reported once, and recursive schemas end.
    if (beforeNode?.$ref || afterNode?.$ref) {
      const pair = `${direction}|${beforeNode?.$ref}|${afterNode?.$ref}`;
      if (this.seen.has(pair)) return;
      this.seen.add(pair);
    }
    const before: Json = this.resolveBefore(beforeNode) ?? {};
    const after: Json = this.resolveAfter(afterNode) ?? {};
    const add = (breaking: boolean, what: string) => this.changes.push({ breaking, where, what });

    const [typesBefore, typesAfter] = [typesOf(before), typesOf(after)];
    if (typesBefore && typesAfter) {
      const widened = (from: Set<string>, to: Set<string>) => [...to].filter((t) => !from.has(t) && !(t === 'integer' && from.has('number')));
      if (direction === 'request') {
        const refused = widened(typesAfter, typesBefore);
        if (refused.length > 0) add(true, `no longer accepts ${refused.join(', ')} (type tightened)`);
      } else {
        const added = widened(typesBefore, typesAfter);
        if (added.length > 0) add(true, `may now be ${added.join(', ')}`);
      }
    } else if (direction === 'request' && !typesBefore && typesAfter) {
      add(true, `now must be ${[...typesAfter].join(' or ')} (type tightened)`);
    } else if (direction === 'response' && typesBefore && !typesAfter) {
      add(true, 'may now be of any type');
    }

    const enumBefore: unknown[] | undefined = before.enum ?? (before.const !== undefined ? [before.const] : undefined);
    const enumAfter: unknown[] | undefined = after.enum ?? (after.const !== undefined ? [after.const] : undefined);
    const has = (list: unknown[], v: unknown) => list.some((x) => JSON.stringify(x) === JSON.stringify(v));
    if (direction === 'request' && enumAfter) {
      const dropped = enumBefore ? enumBefore.filter((v) => !has(enumAfter, v)) : undefined;
      if (!enumBefore) add(true, `now accepts only ${JSON.stringify(enumAfter)}`);
      else if (dropped!.length > 0) add(true, `no longer accepts ${dropped!.map((v) => JSON.stringify(v)).join(', ')}`);
    }
    if (direction === 'response' && enumBefore) {
      const added = enumAfter ? enumAfter.filter((v) => !has(enumBefore, v)) : undefined;
      if (!enumAfter) add(true, `may now hold values beyond ${JSON.stringify(enumBefore)}`);
      else if (added!.length > 0) add(true, `may now be ${added!.map((v) => JSON.stringify(v)).join(', ')}`);
    }

    if (direction === 'request') this.bounds(before, after, add);

    this.objects(before, after, direction, where, add);
    if (before.items || after.items) this.compare(before.items, after.items, direction, `${where}[]`);
    for (const combiner of ['oneOf', 'anyOf', 'allOf'] as const) {
      const [a, b] = [before[combiner] as JsonNode[] | undefined, after[combiner] as JsonNode[] | undefined];
      if (!a || !b) continue;
      if (combiner !== 'allOf' && direction === 'request' && b.length < a.length) add(true, `accepts ${a.length - b.length} fewer of its ${combiner} variants`);
      if (combiner !== 'allOf' && direction === 'response' && b.length > a.length) add(true, `may now be ${b.length - a.length} more ${combiner} variants`);
      for (let i = 0; i < Math.min(a.length, b.length); i++) this.compare(a[i], b[i], direction, `${where}(${combiner} ${i})`);
    }
  }

  /** Bounds that accept less are tightened (requests only: what a client sends may no longer pass). */
  private bounds(before: Json, after: Json, add: (breaking: boolean, what: string) => void): void {
    const lower = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
    const upper = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
    for (const k of lower) {
      if (after[k] !== undefined && (before[k] === undefined || after[k] > before[k])) add(true, `${k} raised to ${after[k]} (was ${before[k] ?? 'none'})`);
    }
    for (const k of upper) {
      if (after[k] !== undefined && (before[k] === undefined || after[k] < before[k])) add(true, `${k} lowered to ${after[k]} (was ${before[k] ?? 'none'})`);
    }
    if (after.pattern !== undefined && after.pattern !== before.pattern) add(true, `pattern changed to ${after.pattern}`);
    if (after.format !== undefined && after.format !== before.format) add(true, `format changed to ${after.format}`);
  }

  private objects(before: Json, after: Json, direction: Direction, where: string, add: (breaking: boolean, what: string) => void): void {
    const propsBefore: Json = before.properties ?? {};
    const propsAfter: Json = after.properties ?? {};
    const reqBefore = new Set<string>(before.required ?? []);
    const reqAfter = new Set<string>(after.required ?? []);
    for (const name of Object.keys(propsBefore)) {
      if (!(name in propsAfter)) add(true, `field "${name}" removed (or renamed)`);
    }
    for (const name of Object.keys(propsAfter)) {
      if (!(name in propsBefore)) {
        const required = reqAfter.has(name);
        add(direction === 'request' && required, `field "${name}" added${required ? ' (required)' : ''}`);
      }
    }
    if (direction === 'request') {
      for (const name of reqAfter) if (name in propsBefore && !reqBefore.has(name)) add(true, `field "${name}" is now required`);
      if (after.additionalProperties === false && before.additionalProperties !== false && (before.type === 'object' || before.properties)) {
        add(true, 'unknown fields are now refused');
      }
    } else {
      for (const name of reqBefore) if (name in propsAfter && !reqAfter.has(name)) add(true, `field "${name}" may now be absent`);
    }
    for (const name of Object.keys(propsBefore)) {
      if (name in propsAfter) this.compare(propsBefore[name], propsAfter[name], direction, `${where}.${name}`);
    }
  }
}

function operationsOf(doc: Json): Map<string, Json> {
  const ops = new Map<string, Json>();
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of METHODS) if (item[method]) ops.set(`${method.toUpperCase()} ${path}`, { ...item[method], pathParameters: item.parameters ?? [] });
  }
  return ops;
}

function compareOpenApi(before: Json, after: Json, changes: ContractChange[]): void {
  const [rb, ra] = [resolver(before), resolver(after)];
  const schemas = new SchemaComparer(rb, ra, changes);
  const [opsBefore, opsAfter] = [operationsOf(before), operationsOf(after)];
  for (const [key, op] of opsBefore) {
    const next = opsAfter.get(key);
    if (!next) {
      changes.push({ breaking: true, where: key, what: `operation removed (or its path or method changed)${op.operationId ? `: ${op.operationId}` : ''}` });
      continue;
    }
    if (op.operationId !== next.operationId) changes.push({ breaking: true, where: key, what: `operationId renamed ${op.operationId} → ${next.operationId}` });

    const params = (o: Json, resolve: (n: JsonNode) => JsonNode) =>
      new Map<string, Json>(
        [...o.pathParameters, ...(o.parameters ?? [])].map((p: Json) => resolve(p)).map((p: Json) => [`${p.in} ${p.name}`.toLowerCase(), p]),
      );
    const [pb, pa] = [params(op, rb), params(next, ra)];
    for (const [name, p] of pb) {
      const q = pa.get(name);
      if (!q) changes.push({ breaking: true, where: key, what: `parameter ${name} removed` });
      else {
        if (q.required && !p.required) changes.push({ breaking: true, where: key, what: `parameter ${name} is now required` });
        schemas.compare(p.schema, q.schema, 'request', `${key} parameter ${name}`);
      }
    }
    for (const [name, q] of pa) {
      if (!pb.has(name)) changes.push({ breaking: Boolean(q.required), where: key, what: `parameter ${name} added${q.required ? ' (required)' : ''}` });
    }

    const bodyBefore = rb(op.requestBody)?.content ?? {};
    const bodyAfter = ra(next.requestBody)?.content ?? {};
    for (const [type, media] of Object.entries<Json>(bodyBefore)) {
      if (!bodyAfter[type]) changes.push({ breaking: true, where: key, what: `request body ${type} no longer accepted` });
      else schemas.compare(media.schema, bodyAfter[type].schema, 'request', `${key} request body`);
    }
    if (!op.requestBody && next.requestBody && ra(next.requestBody).required) changes.push({ breaking: true, where: key, what: 'now requires a request body' });

    for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
      const nextResponse = next.responses?.[status];
      if (!nextResponse) {
        changes.push({ breaking: /^[23]/.test(status), where: key, what: `response ${status} removed` });
        continue;
      }
      const [r, s] = [rb(response), ra(nextResponse)];
      for (const [type, media] of Object.entries<Json>(r.content ?? {})) {
        if (!s.content?.[type]) changes.push({ breaking: true, where: key, what: `response ${status} no longer ${type}` });
        else schemas.compare(media.schema, s.content[type].schema, 'response', `${key} ${status}`);
      }
      for (const [name, header] of Object.entries<Json>(r.headers ?? {})) {
        if (rb(header).required && !ra(s.headers?.[name])?.required)
          changes.push({ breaking: true, where: key, what: `response ${status} may now lack header ${name}` });
      }
    }
    for (const status of Object.keys(next.responses ?? {})) {
      if (!op.responses?.[status]) changes.push({ breaking: false, where: key, what: `response ${status} added` });
    }
  }
  for (const [key, op] of opsAfter) if (!opsBefore.has(key)) changes.push({ breaking: false, where: key, what: `operation added: ${op.operationId}` });
}

function compareAsyncApi(before: Json, after: Json, changes: ContractChange[]): void {
  const [rb, ra] = [resolver(before), resolver(after)];
  const schemas = new SchemaComparer(rb, ra, changes);
  for (const [name, channel] of Object.entries<Json>(before.channels ?? {})) {
    const next = after.channels?.[name];
    if (!next) changes.push({ breaking: true, where: `channel ${name}`, what: `topic ${channel.address} removed` });
    else {
      if (next.address !== channel.address)
        changes.push({ breaking: true, where: `channel ${name}`, what: `topic renamed ${channel.address} → ${next.address}` });
      for (const message of Object.keys(channel.messages ?? {})) {
        if (!next.messages?.[message]) changes.push({ breaking: true, where: `channel ${name}`, what: `no longer carries ${message}` });
      }
    }
  }
  for (const name of Object.keys(after.channels ?? {}))
    if (!before.channels?.[name]) changes.push({ breaking: false, where: `channel ${name}`, what: 'channel added' });
  const messagesBefore: Json = before.components?.messages ?? {};
  const messagesAfter: Json = after.components?.messages ?? {};
  for (const [type, message] of Object.entries<Json>(messagesBefore)) {
    const next = messagesAfter[type];
    if (!next) {
      changes.push({ breaking: true, where: `event ${type}`, what: 'event type removed (or renamed)' });
      continue;
    }
    // Consumers read events: like response bodies, they break when fields go or types widen.
    schemas.compare(message.payload, next.payload, 'response', `event ${type} payload`);
    schemas.compare(message.headers, next.headers, 'response', `event ${type} headers`);
  }
  for (const type of Object.keys(messagesAfter)) if (!messagesBefore[type]) changes.push({ breaking: false, where: `event ${type}`, what: 'event type added' });
}

/** Every change from `before` to `after`, breaking ones first. */
export function diffContract(before: ContractDocuments, after: ContractDocuments): ContractChange[] {
  const changes: ContractChange[] = [];
  compareOpenApi(before.openapi, after.openapi, changes);
  compareAsyncApi(before.asyncapi, after.asyncapi, changes);
  return [...changes.filter((c) => c.breaking), ...changes.filter((c) => !c.breaking)];
}
