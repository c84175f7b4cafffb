import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ALL_MODULES } from './module.registry.js';
import { withUnhostedModules } from './split.topology.js';

/**
 * `npm run start:split`: the local split topology of config/topology.json, one OS process per
 * entry (`main.ts` with its MODULES and PORT), wired through SERVICE_URLS_<MODULE>, on the Kafka
 * broker and PostgreSQL of KAFKA_BROKERS / DATABASE_URL (local defaults). Output is prefixed with
 * each process's name; Ctrl-C (SIGINT) or SIGTERM stops them all. The environment is otherwise
 * passed on untouched. Modules that no process of the file hosts (a module added since) run in
 * one more process of their own, so the file need not change when a module is added.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const TOPOLOGY_FILE = join(ROOT, 'config/topology.json');
const ENTRY = join(ROOT, 'src/runtimes/main.ts');
const DEFAULTS = { NODE_ENV: 'development', KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/mercato' };
const STOP_GRACE_MS = 20_000;

const TopologySchema = z.object({
  host: z.string().default('127.0.0.1'),
  processes: z
    .array(z.object({ name: z.string().regex(/^[\w.-]+$/), modules: z.string().min(1), port: z.number().int().min(1).max(65535) }))
    .min(1)
    .refine((ps) => new Set(ps.map((p) => p.name)).size === ps.length && new Set(ps.map((p) => p.port)).size === ps.length, 'names and ports must be unique'),
});
type Topology = z.infer<typeof TopologySchema>;

function fail(message: string): never {
  process.stderr.write(`start:split: ${message}\n`);
  process.exit(1);
}

function readTopology(): Topology {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(TOPOLOGY_FILE, 'utf8'));
  } catch (err) {
    fail(`cannot read ${TOPOLOGY_FILE}: ${(err as Error).message}`);
  }
  const parsed = TopologySchema.safeParse(json);
  if (!parsed.success) fail(`invalid ${TOPOLOGY_FILE}: ${z.prettifyError(parsed.error)}`);
  return withUnhostedModules(
    parsed.data,
    ALL_MODULES.map((m) => m.name),
  );
}

/** SERVICE_URLS_<MODULE>: every process hosting the module, in topology order. */
function serviceUrls(topology: Topology): Record<string, string> {
  const urls = new Map<string, string[]>();
  for (const p of topology.processes) {
    for (const module of p.modules
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)) {
      urls.set(module, [...(urls.get(module) ?? []), `http://${topology.host}:${p.port}`]);
    }
  }
  return Object.fromEntries([...urls].map(([module, list]) => [`SERVICE_URLS_${module.toUpperCase()}`, list.join(',')]));
}

function pipe(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WritableStream): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix} ${line}\n`));
}

function main(): void {
  const topology = readTopology();
  const shared = { ...DEFAULTS, ...process.env, ...serviceUrls(topology) };
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`[start:split] stopping ${children.size} process(es)\n`);
    for (const child of children.values()) child.kill('SIGTERM');
    setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
      process.exit(code || 1);
    }, STOP_GRACE_MS).unref();
    const check = () => (children.size === 0 ? process.exit(code) : undefined);
    check();
    for (const child of children.values()) child.once('exit', check);
  };

  for (const p of topology.processes) {
    const env = { ...shared, MODULES: p.modules, PORT: String(p.port), HOST: topology.host };
    const child = spawn(process.execPath, ['--max-semi-space-size=4', '--import', 'tsx', ENTRY], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.set(p.name, child);
    pipe(child.stdout!, `[${p.name}]`, process.stdout);
    pipe(child.stderr!, `[${p.name}]`, process.stderr);
    child.once('exit', (code, signal) => {
      children.delete(p.name);
      process.stdout.write(`[start:split] ${p.name} exited (${code ?? signal})\n`);
      // One process gone means the topology is broken: stop the rest rather than limp on.
      if (!stopping) stopAll(1);
    });
    process.stdout.write(`[start:split] ${p.name}: MODULES=${p.modules} on http://${topology.host}:${p.port} (pid ${child.pid})\n`);
  }

  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
}

main();
