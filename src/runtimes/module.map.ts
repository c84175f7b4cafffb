import type { ModuleDefinition } from '../kernel/module.js';

/**
 * The map of modules and events (docs/MODULES.md), written from the module definitions alone by
 * `npm run docs:modules`, so it cannot drift from what the code subscribes and publishes; a test
 * fails while the committed file is stale.
 */

const HEADER = [
  '# Module map',
  '',
  '<!-- Generated from the module definitions by `npm run docs:modules`; do not edit by hand (a test fails while it is stale). -->',
  '',
  'Which module publishes each event and which modules subscribe to it, and what each module serves over HTTP.',
  'Modules talk to each other only through these events (their `contracts/`); conventions are in',
  '[ARCHITECTURE.md](ARCHITECTURE.md), the payload schemas in [`api/asyncapi.json`](../api/asyncapi.json) and the',
  'operations in [`api/openapi.json`](../api/openapi.json).',
];

interface Edge {
  type: string;
  publisher: string;
  subscriber: string;
  handler: string;
}

const cell = (values: readonly string[]) => (values.length > 0 ? values.join('<br>') : '—');
const code = (value: string) => `\`${value}\``;

function handlerName(handler: unknown): string {
  return typeof handler === 'function' ? handler.name : String(handler);
}

function fieldsOf(schema: unknown): string[] {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function edges(available: readonly ModuleDefinition[]): Edge[] {
  const publisher = new Map(available.flatMap((m) => m.publishes.map((c) => [c.type, m.name] as const)));
  return available.flatMap((m) =>
    m.subscriptions.map((s) => ({
      type: s.contract.type,
      publisher: publisher.get(s.contract.type) ?? '?',
      subscriber: m.name,
      handler: handlerName(s.handler),
    })),
  );
}

function diagram(available: readonly ModuleDefinition[], all: readonly Edge[]): string[] {
  return [
    '```mermaid',
    'flowchart LR',
    ...available.map((m) => `  ${m.name}([${m.name}])`),
    ...all.map((e) => `  ${e.publisher} -- "${e.type}" --> ${e.subscriber}`),
    '```',
  ];
}

function eventTable(available: readonly ModuleDefinition[], all: readonly Edge[]): string[] {
  const rows = available.flatMap((m) =>
    m.publishes.map((c) => {
      const version = /\.v(\d+)$/.exec(c.type)?.[1] ?? '?';
      const subscribers = all.filter((e) => e.type === c.type).map((e) => `${e.subscriber} (${code(e.handler)})`);
      return `| ${code(c.type)} | ${version} | ${m.name} | ${cell(subscribers)} | ${cell(fieldsOf(c.schema).map(code))} |`;
    }),
  );
  return ['| Event type | Schema version | Published by | Subscribed by (handler) | Data fields |', '|---|---|---|---|---|', ...rows];
}

function moduleTable(available: readonly ModuleDefinition[]): string[] {
  const rows = available.map((m) => {
    const routes = m.api.map((o) => `${code(`${o.method.toUpperCase()} ${o.path}`)} (${o.access})`);
    const settings = Object.keys(m.config?.env ?? {}).map(code);
    const subscribes = [...new Set(m.subscriptions.map((s) => s.contract.type))].map(code);
    return `| ${m.name}${m.issuesTokens ? ' (issues tokens)' : ''} | ${cell(routes)} | ${cell(m.publishes.map((c) => code(c.type)))} | ${cell(subscribes)} | ${cell(settings)} |`;
  });
  return ['| Module | HTTP routes (access) | Publishes | Subscribes to | Own environment variables |', '|---|---|---|---|---|', ...rows];
}

export function renderModuleMap(available: readonly ModuleDefinition[]): string {
  const all = edges(available);
  return [
    ...HEADER,
    '',
    '## Events between modules',
    '',
    ...diagram(available, all),
    '',
    ...eventTable(available, all),
    '',
    '## Modules',
    '',
    ...moduleTable(available),
    '',
    "Every module also has the kernel's dead-letter routes, `GET /api/v1/admin/<module>/dead-letters` and",
    '`POST /api/v1/admin/<module>/dead-letters/:id/replay` (admin), and its own configuration slice under `<module>.*`',
    'in `config/*.json`.',
    '',
  ].join('\n');
}
