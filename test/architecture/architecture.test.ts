/**
 * Architecture rules (.dependency-cruiser.cjs), run through dependency-cruiser's JS API.
 *
 * 1. The real source tree must have zero violations.
 * 2. Every rule must be able to fail: for each rule we cruise a tiny throw-away tree (in a temp dir,
 *    mirroring the repo layout) that contains exactly one violation of it, and expect exactly that
 *    rule to be reported. A fixture with only allowed imports must produce no violations at all, so
 *    the rules are not simply "always red" either.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cruise } from 'dependency-cruiser';
import type { ICruiseOptions, ICruiseResult, IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG_FILE = join(REPO_ROOT, '.dependency-cruiser.cjs');
/** What the "real tree" test cruises (`npm run lint:architecture` also covers test/ and bench/). */
const REAL_TREE_ROOTS = ['src'];

const RULES = [
  'no-cross-module-internals',
  'contracts-are-pure',
  'shared-kernel-is-pure',
  'kernel-imports-no-module',
  'module-index-only-from-runtimes',
  'modules-do-not-import-runtimes',
  'kernel-folders-acyclic',
  'domain-is-pure',
  'application-uses-ports',
  'no-circular',
  'not-to-unresolvable',
] as const;
type RuleName = (typeof RULES)[number];

async function loadOptions(): Promise<ICruiseOptions> {
  return extractDepcruiseOptions(CONFIG_FILE);
}

/** Cruises `roots` (relative to `baseDir`) with the project's rule set, the way the CLI would. */
async function cruiseWithProjectRules(baseDir: string, roots: string[]): Promise<ICruiseResult> {
  const options = await loadOptions();
  const tsConfigFile = join(baseDir, 'tsconfig.json');
  const { output } = await cruise(
    roots,
    { ...options, baseDir, tsConfig: { fileName: tsConfigFile }, outputType: 'json' },
    {},
    { tsConfig: extractTSConfig(tsConfigFile) },
  );
  return typeof output === 'string' ? (JSON.parse(output) as ICruiseResult) : output;
}

function describeViolation(violation: IViolation, comments: Map<string, string>): string {
  const path = violation.cycle?.length ? [violation.from, ...violation.cycle.map((step) => step.name)].join(' → ') : `${violation.from} → ${violation.to}`;
  const why = comments.get(violation.rule.name);
  return `[${violation.rule.severity}] ${violation.rule.name}: ${path}${why ? `\n    ${why}` : ''}`;
}

async function ruleComments(): Promise<Map<string, string>> {
  const options = await loadOptions();
  return new Map((options.ruleSet?.forbidden ?? []).map((rule) => [rule.name ?? '(unnamed)', rule.comment ?? '']));
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

type Tree = Record<string, string>;

/** A miniature Mercato in which every import is one the rules allow. */
const ALLOWED_TREE: Tree = {
  'package.json': JSON.stringify({ name: 'fixture', type: 'module', dependencies: { zod: '4.0.0' } }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
    include: ['src'],
  }),
  // Stub of the one npm package contracts may use, so that `import ... from 'zod'` resolves.
  'node_modules/zod/package.json': JSON.stringify({
    name: 'zod',
    version: '4.0.0',
    type: 'module',
    exports: { '.': { types: './index.d.ts', import: './index.js', default: './index.js' } },
  }),
  'node_modules/zod/index.js': 'export const z = { string: () => ({}) };\n',
  'node_modules/zod/index.d.ts': 'export declare const z: { string(): unknown };\n',
  // Another npm package - fine everywhere except in contracts.
  'node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '1.3.0', main: 'index.js' }),
  'node_modules/left-pad/index.js': 'module.exports = (s) => s;\n',

  'src/kernel/events/event-contract.ts': 'export interface EventContract<T> { type: string; payload: T }\n',
  'src/kernel/shared/money.ts': "import { z } from 'zod';\nexport const Money = z.string();\n",
  'src/kernel/http/http.errors.ts': 'export class HttpError extends Error {}\n',
  'src/kernel/errors/domain.error.ts': 'export abstract class DomainError extends Error {}\n',
  // The db layer below events: events may import it, not the other way round.
  'src/kernel/db/orm.ts': 'export const orm = {};\n',
  'src/kernel/events/relay.ts': "import { orm } from '../db/orm.js';\nexport const relay = orm;\n",
  'src/kernel/http/server.ts': [
    "import { createServer } from 'node:http';",
    "import { HttpError } from './http.errors.js';",
    'export const start = () => [createServer, HttpError];',
    '',
  ].join('\n'),

  'src/modules/b/contracts/b.contracts.ts': [
    "import { z } from 'zod';",
    "import type { EventContract } from '../../../kernel/events/event-contract.js';",
    'export const ProductId = z.string();',
    'export type ProductPriced = EventContract<{ productId: string }>;',
    '',
  ].join('\n'),
  'src/modules/b/domain/product.ts': 'export class Product { constructor(readonly id: string) {} }\n',
  'src/modules/b/index.ts': [
    "import { Product } from './domain/product.js';",
    "export * from './contracts/b.contracts.js';",
    'export const catalogModule = { Product };',
    '',
  ].join('\n'),

  // Contract importing another module's contract, the kernel's event types and zod.
  'src/modules/a/contracts/a.contracts.ts': [
    "import { z } from 'zod';",
    "import { ProductId } from '../../b/contracts/b.contracts.js';",
    "import type { EventContract } from '../../../kernel/events/event-contract.js';",
    "import { Money } from '../../../kernel/shared/money.js';",
    'export const OrderLine = { productId: ProductId, note: z.string(), price: Money };',
    'export type OrderPlaced = EventContract<{ orderId: string }>;',
    '',
  ].join('\n'),
  'src/modules/a/domain/order.ts': [
    "import type { ProductPriced } from '../../b/contracts/b.contracts.js';",
    'export class Order { last?: ProductPriced }',
    '',
  ].join('\n'),
  // A domain error: the kernel's DomainError base and a node builtin are all a domain may import.
  'src/modules/a/domain/order.errors.ts': [
    "import { createHash } from 'node:crypto';",
    "import { DomainError } from '../../../kernel/errors/domain.error.js';",
    'export class OrderError extends DomainError {}',
    'export const hash = createHash;',
    '',
  ].join('\n'),
  // The port application depends on, and the infrastructure that implements it.
  'src/modules/a/application/order-repository.port.ts': 'export interface OrderRepository { find(id: string): unknown }\n',
  'src/modules/a/infrastructure/order.repository.ts': [
    "import type { OrderRepository } from '../application/order-repository.port.js';",
    'export class OrmOrderRepository implements OrderRepository { find(id: string) { return id; } }',
    '',
  ].join('\n'),
  'src/modules/a/application/place-order.ts': [
    "import padStart from 'left-pad';",
    "import { Order } from '../domain/order.js';",
    "import { OrderLine } from '../contracts/a.contracts.js';",
    "import { ProductId } from '../../b/contracts/b.contracts.js';",
    "import { HttpError } from '../../../kernel/http/http.errors.js';",
    'export const placeOrder = () => [padStart, new Order(), OrderLine, ProductId, HttpError];',
    '',
  ].join('\n'),
  'src/modules/a/index.ts': [
    "import { placeOrder } from './application/place-order.js';",
    "export * from './contracts/a.contracts.js';",
    'export const orderingModule = { placeOrder };',
    '',
  ].join('\n'),

  // Composition root: the only place (besides test/ and bench/) that imports module index files.
  'src/runtimes/main.ts': [
    "import { orderingModule } from '../modules/a/index.js';",
    "import { catalogModule } from '../modules/b/index.js';",
    "import { start } from '../kernel/http/server.js';",
    'export const boot = () => [orderingModule, catalogModule, start];',
    '',
  ].join('\n'),
  'test/ordering.test.ts': "import { orderingModule } from '../src/modules/a/index.js';\nexport const t = orderingModule;\n",
  'bench/ordering.bench.ts': "import { orderingModule } from '../src/modules/a/index.js';\nexport const b = orderingModule;\n",
};

interface ViolationCase {
  title: string;
  /** Files added to (or replacing files of) ALLOWED_TREE; together they hold exactly one violation. */
  files: Tree;
  /** Rule names expected in the report, one entry per reported violation (a cycle counts once). */
  expected: RuleName[];
}

const VIOLATION_CASES: ViolationCase[] = [
  {
    title: "module a imports module b's domain",
    files: {
      'src/modules/a/application/peek.ts': "import { Product } from '../../b/domain/product.js';\nexport const p = Product;\n",
    },
    expected: ['no-cross-module-internals'],
  },
  {
    title: "module a type-imports module b's domain (type-only imports count too)",
    files: {
      'src/modules/a/infrastructure/peek.ts': "import type { Product } from '../../b/domain/product.js';\nexport type P = Product;\n",
    },
    expected: ['no-cross-module-internals'],
  },
  {
    title: "a contract imports its own module's domain",
    files: {
      'src/modules/a/contracts/leaky.contracts.ts': "import { Order } from '../domain/order.js';\nexport const o = Order;\n",
    },
    expected: ['contracts-are-pure'],
  },
  {
    title: 'a contract imports a node builtin',
    files: {
      'src/modules/a/contracts/ids.contracts.ts': "import { randomUUID } from 'node:crypto';\nexport const newId = randomUUID;\n",
    },
    expected: ['contracts-are-pure'],
  },
  {
    title: 'a contract imports an npm package other than zod',
    files: {
      'src/modules/a/contracts/pad.contracts.ts': "import padStart from 'left-pad';\nexport const pad = padStart;\n",
    },
    expected: ['contracts-are-pure'],
  },
  {
    title: 'a contract imports kernel code outside src/kernel/events/',
    files: {
      'src/modules/a/contracts/errors.contracts.ts': "import { HttpError } from '../../../kernel/http/http.errors.js';\nexport const E = HttpError;\n",
    },
    expected: ['contracts-are-pure'],
  },
  {
    title: 'the shared kernel imports other kernel code',
    files: {
      'src/kernel/shared/failure.ts': "import { HttpError } from '../http/http.errors.js';\nexport const F = HttpError;\n",
    },
    expected: ['shared-kernel-is-pure'],
  },
  {
    title: 'the shared kernel imports an npm package other than zod',
    files: {
      'src/kernel/shared/pad.ts': "import padStart from 'left-pad';\nexport const pad = padStart;\n",
    },
    expected: ['shared-kernel-is-pure'],
  },
  {
    title: 'the kernel imports a module',
    files: {
      'src/kernel/http/orders.ts': "import { OrderLine } from '../../modules/a/contracts/a.contracts.js';\nexport const l = OrderLine;\n",
    },
    expected: ['kernel-imports-no-module'],
  },
  {
    title: 'the kernel imports the runtimes',
    files: {
      'src/kernel/http/boot.ts': "import { boot } from '../../runtimes/main.js';\nexport const b = boot;\n",
    },
    expected: ['kernel-imports-no-module'],
  },
  {
    title: 'a module imports its own index.ts',
    files: {
      'src/modules/b/infrastructure/wiring.ts': "import { catalogModule } from '../index.js';\nexport const w = catalogModule;\n",
    },
    expected: ['module-index-only-from-runtimes'],
  },
  {
    title: "a module imports another module's index.ts (also a cross-module internal)",
    files: {
      'src/modules/a/application/catalog.ts': "import { catalogModule } from '../../b/index.js';\nexport const c = catalogModule;\n",
    },
    expected: ['module-index-only-from-runtimes', 'no-cross-module-internals'],
  },
  {
    title: 'a module imports the runtimes',
    files: {
      'src/runtimes/settings.ts': 'export const settings = { port: 3000 };\n',
      'src/modules/a/infrastructure/port.ts': "import { settings } from '../../../runtimes/settings.js';\nexport const port = settings.port;\n",
    },
    expected: ['modules-do-not-import-runtimes'],
  },
  {
    title: 'two kernel folders import each other through files that form no cycle',
    files: {
      'src/kernel/db/tx.ts': "import { envelope } from '../events/envelope.js';\nexport const tx = () => envelope;\n",
      'src/kernel/events/envelope.ts': 'export const envelope = 1;\n',
    },
    // Reported once from each folder of the cycle (db → events → db, events → db → events).
    expected: ['kernel-folders-acyclic', 'kernel-folders-acyclic'],
  },
  {
    title: 'a domain error extends an HTTP error',
    files: {
      'src/modules/a/domain/missing.ts': "import { HttpError } from '../../../kernel/http/http.errors.js';\nexport class OrderMissing extends HttpError {}\n",
    },
    expected: ['domain-is-pure'],
  },
  {
    title: 'a domain imports an npm package',
    files: {
      'src/modules/a/domain/pad.ts': "import padStart from 'left-pad';\nexport const pad = padStart;\n",
    },
    expected: ['domain-is-pure'],
  },
  {
    title: 'a domain imports its own application layer',
    files: {
      'src/modules/a/domain/up.ts': "import type { OrderRepository } from '../application/order-repository.port.js';\nexport type R = OrderRepository;\n",
    },
    expected: ['domain-is-pure'],
  },
  {
    title: 'application imports a concrete repository from infrastructure',
    files: {
      'src/modules/a/application/list-orders.ts':
        "import { OrmOrderRepository } from '../infrastructure/order.repository.js';\nexport const list = new OrmOrderRepository();\n",
    },
    expected: ['application-uses-ports'],
  },
  {
    title: 'application catches an ORM exception',
    files: {
      'node_modules/@mikro-orm/core/package.json': JSON.stringify({ name: '@mikro-orm/core', version: '6.0.0', main: 'index.js' }),
      'node_modules/@mikro-orm/core/index.js': 'exports.UniqueConstraintViolationException = class extends Error {};\n',
      'src/modules/a/application/race.ts':
        "import { UniqueConstraintViolationException } from '@mikro-orm/core';\nexport const lost = (e: unknown) => e instanceof UniqueConstraintViolationException;\n",
    },
    expected: ['application-uses-ports'],
  },
  {
    title: 'two kernel files import each other',
    files: {
      'src/kernel/http/ping.ts': "import { pong } from './pong.js';\nexport const ping = () => pong;\n",
      'src/kernel/http/pong.ts': "import { ping } from './ping.js';\nexport const pong = () => ping;\n",
    },
    // dependency-cruiser reports a cycle once, with the whole path.
    expected: ['no-circular'],
  },
  {
    title: 'an import that does not resolve',
    files: {
      'src/kernel/http/broken.ts': "import { nothing } from './does-not-exist.js';\nexport const n = nothing;\n",
    },
    expected: ['not-to-unresolvable'],
  },
];

const tempDirs: string[] = [];

async function materialize(tree: Tree): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mercato-arch-'));
  tempDirs.push(root);
  for (const [path, content] of Object.entries(tree)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

async function cruiseFixture(extra: Tree = {}): Promise<ICruiseResult> {
  const root = await materialize({ ...ALLOWED_TREE, ...extra });
  return cruiseWithProjectRules(root, ['src', 'test', 'bench']);
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('architecture (dependency-cruiser)', () => {
  it('the source tree obeys the module boundaries', async () => {
    const roots = REAL_TREE_ROOTS.filter((root) => existsSync(join(REPO_ROOT, root)));
    const result = await cruiseWithProjectRules(REPO_ROOT, roots);
    const comments = await ruleComments();

    // Guard against a vacuous pass (wrong baseDir, nothing scanned).
    expect(result.summary.totalCruised, 'dependency-cruiser found no files to check').toBeGreaterThan(0);

    const violations = result.summary.violations.map((violation) => describeViolation(violation, comments));
    expect(violations, `Architecture violations (see .dependency-cruiser.cjs; run \`npm run lint:architecture\`):\n${violations.join('\n')}\n`).toEqual([]);
  }, 60_000);

  it('the rule set is the documented one: every rule is an error and explains itself', async () => {
    const forbidden = (await loadOptions()).ruleSet?.forbidden ?? [];
    expect(forbidden.map((rule) => rule.name).sort()).toEqual([...RULES].sort());
    for (const rule of forbidden) {
      expect(rule.severity, rule.name).toBe('error');
      expect(rule.comment?.length ?? 0, `${rule.name} has no comment`).toBeGreaterThan(20);
    }
  });

  describe('a deliberate violation is caught', () => {
    it('a tree with only allowed imports has no violations (and .js imports resolve to .ts files)', async () => {
      const result = await cruiseFixture();
      const comments = await ruleComments();

      expect(result.summary.violations.map((v) => describeViolation(v, comments))).toEqual([]);

      const placeOrder = result.modules.find((m) => m.source === 'src/modules/a/application/place-order.ts');
      expect(placeOrder, 'fixture was not cruised').toBeDefined();
      const resolved = placeOrder?.dependencies.map((d) => d.resolved).sort();
      expect(resolved).toEqual(
        [
          'node_modules/left-pad/index.js',
          'src/kernel/http/http.errors.ts',
          'src/modules/a/contracts/a.contracts.ts',
          'src/modules/a/domain/order.ts',
          'src/modules/b/contracts/b.contracts.ts',
        ].sort(),
      );
      const contract = result.modules.find((m) => m.source === 'src/modules/a/contracts/a.contracts.ts');
      expect(contract?.dependencies.map((d) => d.resolved)).toContain('node_modules/zod/index.d.ts');
    });

    it('every rule has at least one violation case below', () => {
      const covered = new Set(VIOLATION_CASES.flatMap((c) => c.expected));
      expect([...covered].sort()).toEqual([...RULES].sort());
    });

    for (const { title, files, expected } of VIOLATION_CASES) {
      it(`${expected.join(' + ')}: ${title}`, async () => {
        const result = await cruiseFixture(files);
        const comments = await ruleComments();
        const reported = result.summary.violations.map((v) => v.rule.name).sort();

        expect(reported, `reported:\n${result.summary.violations.map((v) => describeViolation(v, comments)).join('\n')}`).toEqual([...expected].sort());
        // Every reported violation involves one of the files added for this case.
        for (const violation of result.summary.violations) {
          // (a folder rule reports the folder a file is in)
          expect(Object.keys(files).some((f) => f === violation.from || f === violation.to || f.startsWith(`${violation.from}/`))).toBe(true);
        }
        expect(result.summary.error).toBe(expected.length);
      });
    }
  });
});
