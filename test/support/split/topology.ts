import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleDefinition } from '../../../src/kernel/module.js';
import { ALL_MODULES } from '../../../src/runtimes/module.registry.js';
import { KAFKA_BROKERS, REPO } from './infrastructure.js';
import { freePort } from '../free-port.js';
import { isWarningLine } from '../log-lines.js';
import { NPM_START_ENV, NPM_START_NODE_FLAGS } from '../npm-start.js';

/**
 * Real Mercato processes (`node --import tsx src/runtimes/main.ts`) wired the way an operator would
 * wire them: one MODULES list per process, Kafka, one PostgreSQL database, SERVICE_URLS_<MODULE>
 * for discovery and a shared DATA_DIR (development keys, sandbox payment ledger).
 */

export const ADMIN = { email: 'admin@mercato.test', password: 'admin-password-1' };
const MAIN = 'src/runtimes/main.ts';
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;
const KILL_TIMEOUT_MS = 5_000;
const MAX_LOG_LINES = 4_000;

export interface ProcessSpec {
  /** Unique in the topology: `gateway`, `users`, `orders-1`, ... */
  name: string;
  /** The MODULES value. */
  modules: string;
  /** Extra environment for this process only. */
  env?: Record<string, string>;
}

export interface TopologyOptions {
  databaseUrl: string;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /**
   * What the processes run: an entry file (relative to the repository) and the modules its
   * registry holds; `src/runtimes/main.ts` and ALL_MODULES by default.
   */
  program?: { entry: string; modules: readonly ModuleDefinition[] };
  /**
   * `npm-start`: each process runs as `npm start` runs it (the esbuild bundle, plain Node, its
   * flags and allocator setting), as an operator would; the benchmarks measure that. `tsx` (the
   * default) runs the TypeScript directly, so a test needs no build.
   */
  launcher?: 'tsx' | 'npm-start';
}

interface Member {
  spec: ProcessSpec;
  port: number;
  child?: ChildProcess;
  exited?: Promise<void>;
  /** Set when the test stopped or killed it, so an exit is not reported as a crash. */
  expectedExit: boolean;
  crashes: string[];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class Topology {
  readonly topicPrefix = `split_${randomBytes(5).toString('hex')}`;
  private readonly members = new Map<string, Member>();
  private readonly lines: string[] = [];
  /** Lines at warn or above (pino level 40+), on stderr, or not JSON at all: kept apart, so a chatty info level cannot push them out. */
  private readonly warningLines: string[] = [];
  /** Module → base URL of a port nothing listens on, for modules no process hosts. */
  private readonly nowhere: string;

  private constructor(
    specs: readonly ProcessSpec[],
    ports: number[],
    nowherePort: number,
    readonly dataDir: string,
    private readonly options: TopologyOptions,
  ) {
    specs.forEach((spec, i) => {
      this.members.set(spec.name, { spec, port: ports[i]!, expectedExit: false, crashes: [] });
    });
    this.nowhere = `http://127.0.0.1:${nowherePort}`;
  }

  /** Starts every process at once and waits until each answers /health/ready with 200. */
  static async start(specs: readonly ProcessSpec[], options: TopologyOptions): Promise<Topology> {
    const names = new Set(specs.map((s) => s.name));
    if (names.size !== specs.length) throw new Error('process names must be unique');
    const ports = await Promise.all(specs.map(() => freePort()));
    const dataDir = await mkdtemp(join(tmpdir(), 'mercato-split-'));
    const topology = new Topology(specs, ports, await freePort(), dataDir, options);
    try {
      await Promise.all(specs.map((s) => topology.launch(s.name)));
    } catch (err) {
      await topology.stop();
      throw err;
    }
    return topology;
  }

  url(name: string): string {
    return `http://127.0.0.1:${this.member(name).port}`;
  }

  pid(name: string): number | undefined {
    return this.member(name).child?.pid;
  }

  running(name: string): boolean {
    const child = this.member(name).child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  /** SIGKILL: no shutdown hook runs, like a crashed container. */
  async kill9(name: string): Promise<void> {
    await this.signal(name, 'SIGKILL', KILL_TIMEOUT_MS);
  }

  /** Stops the process if it runs (SIGTERM), then starts it again on the same port and waits for readiness. */
  async restart(name: string): Promise<void> {
    if (this.running(name)) await this.signal(name, 'SIGTERM', STOP_TIMEOUT_MS).catch(() => this.signal(name, 'SIGKILL', KILL_TIMEOUT_MS));
    await this.launch(name);
  }

  /** Sends a signal without waiting for an exit (e.g. SIGSTOP / SIGCONT). */
  send(name: string, signal: NodeJS.Signals): void {
    this.member(name).child?.kill(signal);
  }

  /** SIGTERM to all, a bounded wait, SIGKILL to what is left; then removes DATA_DIR. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.members.keys()].map(async (name) => {
        if (!this.running(name)) return;
        this.send(name, 'SIGCONT');
        await this.signal(name, 'SIGTERM', STOP_TIMEOUT_MS).catch(() => this.signal(name, 'SIGKILL', KILL_TIMEOUT_MS).catch(() => undefined));
      }),
    );
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** Processes that exited without being told to (with their exit), for assertions. */
  crashes(): string[] {
    return [...this.members.values()].flatMap((m) => m.crashes.map((c) => `${m.spec.name}: ${c}`));
  }

  /** The last `count` lines at warn or above (and on stderr, or not JSON) of every process, prefixed with its name. */
  warnings(count = 200): string[] {
    return this.warningLines.slice(-count);
  }

  /** The last `count` lines every process wrote, prefixed with its name. */
  logs(count = 200): string {
    return this.lines.slice(-count).join('\n');
  }

  /** Everything worth printing when a test failed. */
  diagnostics(): string {
    const state = [...this.members.values()]
      .map(
        (m) =>
          `${m.spec.name} (${m.spec.modules}) ${this.url(m.spec.name)} pid ${m.child?.pid ?? '-'} ${this.running(m.spec.name) ? 'running' : 'not running'}`,
      )
      .join('\n');
    return `topology ${this.topicPrefix}, DATA_DIR ${this.dataDir}\n${state}\ncrashes: ${this.crashes().join('; ') || 'none'}\n--- process output (last 300 lines) ---\n${this.logs(300)}`;
  }

  private member(name: string): Member {
    const member = this.members.get(name);
    if (!member) throw new Error(`no process named ${name} in this topology`);
    return member;
  }

  private get modules(): readonly ModuleDefinition[] {
    return this.options.program?.modules ?? ALL_MODULES;
  }

  private serviceUrls(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const module of [...this.modules.map((m) => m.name), 'gateway']) {
      const hosts = [...this.members.values()].filter((m) =>
        m.spec.modules
          .split(',')
          .map((s) => s.trim())
          .includes(module),
      );
      env[`SERVICE_URLS_${module.toUpperCase()}`] = hosts.length > 0 ? hosts.map((m) => this.url(m.spec.name)).join(',') : this.nowhere;
    }
    return env;
  }

  private nodeArguments(): string[] {
    if (this.options.launcher === 'npm-start') {
      if (this.options.program) throw new Error('npm start runs src/runtimes/main.ts only');
      return [...NPM_START_NODE_FLAGS, join(REPO, 'scripts/start.mjs')];
    }
    return ['--import', 'tsx', join(REPO, this.options.program?.entry ?? MAIN)];
  }

  private environment(member: Member): Record<string, string> {
    const issuer = this.modules.find((m) => m.issuesTokens)?.name;
    const hostsIssuer = member.spec.modules
      .split(',')
      .map((s) => s.trim())
      .some((m) => m === issuer || m === 'all');
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'development',
      ...(this.options.launcher === 'npm-start' ? NPM_START_ENV : {}),
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(member.port),
      MODULES: member.spec.modules,
      KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: this.topicPrefix,
      DATABASE_URL: this.options.databaseUrl,
      DATA_DIR: this.dataDir,
      ...this.serviceUrls(),
      ...(hostsIssuer ? { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password } : {}),
      ...this.options.env,
      ...member.spec.env,
    };
  }

  private record(name: string, stream: 'out' | 'err', chunk: string, partial: { text: string }): void {
    partial.text += chunk;
    const parts = partial.text.split('\n');
    partial.text = parts.pop() ?? '';
    for (const line of parts) {
      const prefixed = `[${name}]${stream === 'err' ? '!' : ''} ${line}`;
      this.lines.push(prefixed);
      if (stream === 'err' || isWarningLine(line)) this.warningLines.push(prefixed);
      if (process.env.SPLIT_VERBOSE === '1') process.stdout.write(`${prefixed}\n`);
    }
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
    if (this.warningLines.length > MAX_LOG_LINES) this.warningLines.splice(0, this.warningLines.length - MAX_LOG_LINES);
  }

  private async launch(name: string): Promise<void> {
    const member = this.member(name);
    if (this.running(name)) throw new Error(`${name} is already running`);
    member.expectedExit = false;
    const started = Date.now();
    const child = spawn(process.execPath, this.nodeArguments(), { cwd: REPO, env: this.environment(member), stdio: ['ignore', 'pipe', 'pipe'] });
    member.child = child;
    const out = { text: '' };
    const err = { text: '' };
    child.stdout!.setEncoding('utf8').on('data', (c: string) => this.record(name, 'out', c, out));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => this.record(name, 'err', c, err));
    member.exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => {
        if (!member.expectedExit) member.crashes.push(`exited with ${code ?? signal} after ${Date.now() - started} ms`);
        this.lines.push(`[${name}] --- exited (${code ?? signal}) ---`);
        resolveExit();
      }),
    );
    this.lines.push(`[${name}] --- started pid ${child.pid} on ${this.url(name)} (${member.spec.modules}) ---`);
    await this.waitReady(name, child);
  }

  private async waitReady(name: string, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready\n${this.logs(80)}`);
      }
      try {
        const res = await fetch(`${this.url(name)}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms\n${this.logs(80)}`);
  }

  private async signal(name: string, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const member = this.member(name);
    if (!this.running(name)) return;
    member.expectedExit = true;
    member.child!.kill(signal);
    await withTimeout(member.exited!, timeoutMs, `${name} to exit on ${signal}`);
  }
}
