/**
 * Mercato architecture rules, enforced by dependency-cruiser.
 *
 *   npm run lint:architecture               (CLI, human-readable report)
 *   test/architecture/architecture.test.ts  (runs on `npm test`, also proves every rule can fail)
 *
 * Paths are matched relative to the repository root (the cruise's baseDir), POSIX-style.
 * In `to.pathNot`, `$1` refers to the first capture group of the rule's `from.path`.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cross-module-internals',
      severity: 'error',
      comment:
        'A module may only use another module through its published contracts ' +
        '(src/modules/<other>/contracts/). Its domain, application, infrastructure and even its ' +
        "index.ts are private to it. Move what you need into the other module's contracts/, or " +
        'talk to it through an event or a port.',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/([^/]+)/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/contracts/'],
      },
    },
    {
      name: 'contracts-are-pure',
      severity: 'error',
      comment:
        'Contracts are the published language between modules: plain types, zod schemas and ' +
        "event payloads. They may import only other contracts (of any module), the kernel's " +
        'event types (src/kernel/events/), the shared value types (src/kernel/shared/) and the npm ' +
        "package zod - no other npm packages, no node builtins, nothing from a module's " +
        'domain/application/infrastructure, no other kernel code.',
      from: { path: '^src/modules/[^/]+/contracts/' },
      to: {
        pathNot: ['^src/modules/[^/]+/contracts/', '^src/kernel/events/', '^src/kernel/shared/', '(^|/)node_modules/zod/'],
      },
    },
    {
      name: 'shared-kernel-is-pure',
      severity: 'error',
      comment:
        'src/kernel/shared/ holds the value types every module may use (Money): zod schemas and ' +
        'plain functions. It imports nothing but itself and the npm package zod, so that a ' +
        'contract or a domain that uses it pulls in no framework code.',
      from: { path: '^src/kernel/shared/' },
      to: { pathNot: ['^src/kernel/shared/', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'kernel-imports-no-module',
      severity: 'error',
      comment:
        'The kernel is domain-free framework code that every module builds on; it must not know ' +
        'about any module or about the composition root (src/modules/, src/runtimes/). Invert the ' +
        'dependency: let the module register itself with the kernel from src/runtimes/.',
      from: { path: '^src/kernel/' },
      to: { path: '^src/(modules|runtimes)/' },
    },
    {
      name: 'module-index-only-from-runtimes',
      severity: 'error',
      comment:
        "A module's index.ts (its wiring entry point) may only be imported by the composition " +
        'root (src/runtimes/), by tests (test/) and by benchmarks (bench/). Modules and the kernel ' +
        'must not import it - not even the module itself, which would create a cycle through its ' +
        'own wiring. Other modules use src/modules/<name>/contracts/ instead.',
      from: { pathNot: ['^src/runtimes/', '^test/', '^bench/'] },
      to: { path: '^src/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'modules-do-not-import-runtimes',
      severity: 'error',
      comment:
        'src/runtimes/ is the composition root: it imports the modules, never the other way round. ' +
        "Receive configuration and collaborators through the module's index.ts / constructor instead.",
      from: { path: '^src/modules/' },
      to: { path: '^src/runtimes/' },
    },
    {
      name: 'kernel-folders-acyclic',
      severity: 'error',
      scope: 'folder',
      comment:
        "The kernel's folders are layered, inner first: errors (leaf: domain and HTTP errors) and ids (leaf: UUIDv7 ids); " +
        'observability, config, db (each imports only errors); auth; http; events (the bus, its ' +
        'tables and the unit of work, on top of db and http); gateway; then module.ts and tokens.ts ' +
        "at the kernel's root. A folder imports only folders before it, so no two folders import " +
        'each other, even through files that do not form a cycle. Move the shared part down a layer.',
      from: { path: '^src/kernel/' },
      to: { path: '^src/kernel/', circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        "A module's domain/ holds its business rules and nothing else: it imports its own domain, " +
        "published contracts, the kernel's DomainError base (src/kernel/errors/domain.error.ts), the " +
        'shared value types (src/kernel/shared/, e.g. Money) and ' +
        'node builtins - no npm packages (ORM, HTTP), no application/infrastructure, no other kernel ' +
        'code. Errors are DomainErrors with a code and kind; the HTTP layer maps them to problems.',
      from: { path: '^src/modules/([^/]+)/domain/' },
      to: {
        pathNot: ['^src/modules/$1/domain/', '^src/modules/[^/]+/contracts/', '^src/kernel/errors/domain\\.error\\.ts$', '^src/kernel/shared/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'application-uses-ports',
      severity: 'error',
      comment:
        "A module's application/ depends on ports (interfaces + injection tokens, e.g. " +
        'application/<name>-repository.port.ts) that infrastructure/ implements and index.ts ' +
        'registers - never on infrastructure/ itself or on the ORM and database driver packages. ' +
        'Ask the kernel (e.g. kernel/db/unique-violation.ts) instead of catching ORM exceptions.',
      from: { path: '^src/modules/([^/]+)/application/' },
      to: {
        path: ['^src/modules/[^/]+/infrastructure/', '(^|/)node_modules/(@mikro-orm|knex|better-sqlite3|pg)/'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Circular dependencies make load order fragile (undefined imports at start-up under ESM) ' +
        'and blur the layering. Break the cycle by extracting the shared part or inverting a ' +
        'dependency (port/interface, event).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'This import does not resolve to a file or an installed package. Fix the path (TypeScript ' +
        'files import each other with a .js extension under NodeNext) or add the missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // node_modules is neither scanned nor followed; packages still show up as (leaf) dependencies,
    // which is what lets contracts-are-pure see e.g. `import ... from 'pino'` in a contract.
    doNotFollow: { path: 'node_modules' },
    // NB: node_modules is deliberately NOT in `exclude`: dependency-cruiser drops dependencies on
    // excluded paths entirely, which would make imports of npm packages invisible to the rules.
    // Anchored at the root so a module folder that happens to be called data/ is still cruised.
    exclude: { path: '^(dist|data)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Include type-only imports (`import type`) - they are dependencies between modules too.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
