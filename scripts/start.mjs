/**
 * `npm start`: bundles src/ with esbuild (~0.2 s, only when a source changed; the npm packages
 * stay outside the bundle) and runs src/runtimes/main.ts from the output with plain Node. Running
 * the TypeScript through tsx's loader instead cost about a third more CPU before the server was
 * ready (every import resolved and loaded through a hooks thread), and loading the ~300 files one
 * by one, even transpiled, cost ~0.2 s of resolving, reading and linking more than one bundle:
 * either put start-up past 2 s. Same transpilation as tsx (esbuild, decorators from
 * tsconfig.json), no type checking: that is `npm run typecheck`. What a module loads on demand
 * (its migrations) stays a separate chunk, loaded on demand. Linked source maps are written:
 * `NODE_OPTIONS=--enable-source-maps` maps stack traces back to the TypeScript, at ~8 % more
 * start-up CPU.
 *
 * Each state of the sources gets its own directory under .start/, so processes started from the
 * same checkout (the split example in the README) never replace code another one is running.
 *
 * `--build-only` builds and exits: `npm install` runs it (the `prepare` script), so the first
 * `npm start` of a fresh clone does not spend its first ~0.3 s bundling. An install without the
 * dev dependencies (no esbuild) skips it, and a build that fails leaves the install alone.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, '.start');
const ENTRY = join(SRC, 'runtimes', 'main.ts');
/** Builds of other source states are removed once this old. */
const KEEP_MS = 60 * 60 * 1000;

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Names the build: every source, the compiler settings and this script, each with its size and modification time. */
function fingerprint(files) {
  const hash = createHash('sha256');
  for (const file of files) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(ROOT, file)}:${size}:${mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

function removeOldBuilds(current) {
  for (const entry of readdirSync(OUT)) {
    const path = join(OUT, entry);
    // Another process starting at the same time may have removed it already.
    const stats = statSync(path, { throwIfNoEntry: false });
    if (entry !== current && stats && Date.now() - stats.mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * MikroORM's packages are CommonJS behind an ESM wrapper: imported from ESM, Node first scans each
 * file they re-export for its names (cjs-module-lexer); required, it does not. So the bundle
 * requires them, through a `require` each output file makes for itself: `/health/ready` about
 * 0.1 s sooner (median 1.33 against 1.42 s after spawn, three runs each on a 2-vCPU VM). A dynamic
 * `import()` stays one: its chunk would export only `default`, not the names the code destructures.
 */
const requireMikroOrm = {
  name: 'require-mikro-orm',
  setup(build) {
    build.onResolve({ filter: /^@mikro-orm\// }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : { path: args.path, namespace: 'required' },
    );
    build.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({ contents: `module.exports = __require_(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

const buildOnly = process.argv.includes('--build-only');
const files = sources(SRC);
const build = join(OUT, fingerprint([...files, join(ROOT, 'tsconfig.json'), fileURLToPath(import.meta.url)]));
if (!existsSync(join(build, 'main.js'))) {
  const { build: esbuild } = await import('esbuild').catch((err) => {
    if (!buildOnly || err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    process.stdout.write('start.mjs: no esbuild (an install without dev dependencies), so no start bundle: run the compiled build (npm run start:dist)\n');
    process.exit(0);
  });
  const staging = `${build}.${process.pid}`;
  await esbuild({
    entryPoints: [ENTRY],
    bundle: true,
    splitting: true,
    packages: 'external',
    outdir: staging,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'warning',
    plugins: [requireMikroOrm],
    banner: { js: "import { createRequire as __createRequire_ } from 'node:module'; const __require_ = __createRequire_(import.meta.url);" },
  }).catch((err) => {
    if (!buildOnly) throw err;
    // An install must not fail on sources that do not build yet (esbuild printed why): npm start builds again, and says so.
    rmSync(staging, { recursive: true, force: true });
    process.stdout.write('start.mjs: the start bundle was not built; npm start will try again\n');
    process.exit(0);
  });
  try {
    renameSync(staging, build);
  } catch {
    // Another process started from the same sources finished first: use its build.
    rmSync(staging, { recursive: true, force: true });
  }
  removeOldBuilds(build.slice(OUT.length + 1));
}
if (!buildOnly) await import(pathToFileURL(join(build, 'main.js')).href);
