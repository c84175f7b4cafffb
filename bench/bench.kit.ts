/** Small helpers for the benches: a keep-alive HTTP client, child processes, free ports, percentiles. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isWarningLine } from '../test/support/log-lines.js';

// ---------------------------------------------------------------- HTTP client

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  /** Wall time from sending the request to having read the whole response, in ms. */
  ms: number;
}

export interface HttpOptions {
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

/**
 * A bare node:http client over one keep-alive agent per target. Used for Mercato and for the
 * baseline alike, so that the client's own cost is the same on both sides of the comparison.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    maxSockets: number,
  ) {
    // Idle sockets are closed after 4 s, before Node servers close them (5 s keep-alive timeout): a
    // request sent on a socket as the server closes it fails with ECONNRESET (about 1 in 3,000 here).
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: 4_000 });
  }

  get<T = unknown>(path: string, options: HttpOptions = {}): Promise<HttpResult<T>> {
    return this.send<T>('GET', path, options);
  }

  post<T = unknown>(path: string, body: unknown, options: HttpOptions = {}): Promise<HttpResult<T>> {
    return this.send<T>('POST', path, { ...options, body });
  }

  send<T>(method: string, path: string, options: HttpOptions): Promise<HttpResult<T>> {
    const url = new URL(path, this.baseUrl);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const started = performance.now();
    return new Promise<HttpResult<T>>((resolve, reject) => {
      const req = request({ agent: this.agent, host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (text && /json/.test(String(res.headers['content-type'] ?? ''))) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          resolve({ status: res.statusCode ?? 0, body: body as T, ms: performance.now() - started });
        });
      });
      req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Throws a readable error unless the response has the expected status. */
export function expectStatus<T>(res: HttpResult<T>, expected: number | number[], what: string): HttpResult<T> {
  const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
  if (!ok) {
    const detail = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    throw new Error(`${what}: HTTP ${res.status} (expected ${String(expected)}): ${detail.slice(0, 500)}`);
  }
  return res;
}

// ---------------------------------------------------------------- processes

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A child process whose output is kept (last lines only) rather than printed, and that can be stopped. */
export class ChildServer {
  private readonly lines: string[] = [];
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<void>;
  /** Lines at warn or above (pino's JSON level 40+), and any line that is not a JSON log line (stderr, a crash). */
  warningCount = 0;
  private readonly warnings: string[] = [];
  /** performance.now() when the child was spawned. */
  readonly spawnedAt = performance.now();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
    // Per stream, the unfinished last line of a chunk waits for the rest (a cut JSON line is no
    // warning), or for the end of the stream.
    const keep = (stream: NodeJS.ReadableStream | null) => {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        keepLines(parts);
      });
      stream?.on('end', () => keepLines([partial]));
    };
    const keepLines = (lines: string[]) => {
      for (const line of lines) {
        if (!line.trim()) continue;
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        if (isWarningLine(line)) {
          this.warningCount++;
          this.warnings.push(line);
          if (this.warnings.length > 200) this.warnings.shift();
        }
      }
    };
    keep(child.stdout);
    keep(child.stderr);
    live.add(this);
  }

  /** Starts `node <args>` in `cwd` with exactly `env` as its environment. */
  static start(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildServer {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ChildServer(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How the child ended, if it has (e.g. "exited with code 1", "killed by SIGTERM"). */
  get exitDescription(): string | undefined {
    if (!this.exited) return undefined;
    return this.exited.signal ? `killed by ${this.exited.signal}` : `exited with code ${this.exited.code}`;
  }

  /** Waits up to `ms` for the child to exit; returns whether it has. */
  async waitExit(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exitPromise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    return this.exited !== undefined;
  }

  /** CPU time (user + system, all threads) the child has used so far, in ms; undefined off Linux. */
  cpuMs(): number | undefined {
    if (this.child.pid === undefined || this.exited) return undefined;
    return procCpuMs(this.child.pid);
  }

  /** The last lines the child wrote (stdout and stderr interleaved). */
  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  /** The last `n` lines at warn or above (see warningCount). */
  warningTail(n = 5): string {
    return this.warnings.slice(-n).join('\n');
  }

  /** Polls `url` until it answers 200; fails early if the child exits. Returns ms since the spawn. */
  async waitReady(url: string, timeoutMs: number, pollMs = 100): Promise<number> {
    const started = performance.now();
    const probe = new HttpClient(url, 1);
    try {
      while (performance.now() - started < timeoutMs) {
        if (this.exited) {
          throw new Error(`${this.name} exited during start-up (code ${this.exited.code}, signal ${this.exited.signal}):\n${this.tail()}`);
        }
        try {
          const res = await probe.get(url, { timeoutMs: 1_000 });
          if (res.status === 200) return performance.now() - this.spawnedAt;
        } catch {
          // not listening yet
        }
        await sleep(pollMs);
      }
      throw new Error(`${this.name} not ready at ${url} after ${timeoutMs} ms:\n${this.tail()}`);
    } finally {
      probe.close();
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    live.delete(this);
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!this.exited) this.child.kill('SIGKILL');
    }, graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /** Synchronous last resort (process 'exit' handler): no waiting possible. */
  killNow(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

const live = new Set<ChildServer>();
process.on('exit', () => {
  for (const child of live) child.killNow();
});

// ---------------------------------------------------------------- statistics

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted[0]!,
    mean: sum / sorted.length,
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
    max: sorted[sorted.length - 1]!,
  };
}

/** Runs `worker(i)` for i in [0, total) with at most `concurrency` running at once. */
export async function pool(total: number, concurrency: number, worker: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) {
      const i = next++;
      await worker(i);
    }
  });
  await Promise.all(lanes);
}

// ---------------------------------------------------------------- /proc

/** CPU time (user + system, all threads) of a process so far, in ms; undefined if it is gone or off Linux. */
export function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that ends the command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}

/**
 * A process's CPU (ms): its event loop's thread and all the others. In Node 20 every thread is
 * named `node`, so the others are told apart only as a group: V8's workers (concurrent compiler
 * and GC jobs) and libuv's pool (none of Mercato's hot paths use it: SQLite and pino write from
 * the event loop).
 */
export interface ThreadCpu {
  eventLoop: number;
  others: number;
}

/** CPU so far of a process's event loop and of its other threads (threads that ended are not counted). */
export function procThreadCpuMs(pid: number): ThreadCpu {
  const out: ThreadCpu = { eventLoop: 0, others: 0 };
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
      if (tid === String(pid)) out.eventLoop += ms;
      else out.others += ms;
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** What each part used between two readings. */
export function threadCpuSince(before: ThreadCpu, after: ThreadCpu): ThreadCpu {
  return { eventLoop: after.eventLoop - before.eventLoop, others: after.others - before.others };
}

/** Resident set size now and its lifetime peak (VmHWM), in bytes; undefined if the process is gone. */
export function procRss(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

function procCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The broker listening on `port` (the benches' broker, 9092 unless told): the one whose data
 * directory under ~/.cache/mercato-kafka (or MERCATO_KAFKA_DATA) configures that listener and
 * holds a live pid. Other brokers may run beside it (the test suite leaves its SASL one running).
 */
export function kafkaBrokerPid(port = 9092): number | undefined {
  const root = join(homedir(), '.cache/mercato-kafka');
  const dirs = process.env.MERCATO_KAFKA_DATA ? [process.env.MERCATO_KAFKA_DATA] : safeList(root).map((d) => join(root, d));
  for (const dir of dirs) {
    try {
      const config = readFileSync(join(dir, 'config/server.properties'), 'utf8');
      if (!new RegExp(`^listeners=.*://[^,]*:${port}(,|$)`, 'm').test(config)) continue;
      const pid = Number(readFileSync(join(dir, 'kafka.pid'), 'utf8').replace(/\D/g, ''));
      if (pid > 0 && procCmdline(pid).includes('kafka.Kafka')) return pid;
    } catch {
      // not a broker's data directory, or its broker is not running
    }
  }
  return undefined;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * PostgreSQL processes. A backend's title is `postgres: <cluster>: <user> <database> <client> <state>`;
 * with `database` only the backends serving that database are returned, otherwise every postgres
 * process (the shared ones — checkpointer, walwriter, … — and backends of every database).
 */
export function postgresPids(database?: string): number[] {
  return allPids().filter((pid) => {
    const cmd = procCmdline(pid);
    if (!cmd.startsWith('postgres') && !cmd.includes('/postgres ')) return false;
    if (database === undefined) return true;
    return cmd.startsWith('postgres: ') && cmd.split(' ').includes(database);
  });
}

/** One row of the CPU table: a name and how to find its processes (they may come and go). */
export interface MeteredGroup {
  name: string;
  pids: () => number[];
  /** Summed into the "Mercato total" line. */
  mercato: boolean;
}

export interface GroupUsage {
  name: string;
  mercato: boolean;
  /** CPU ms used in the window (processes that ended between two samples lose their last slice). */
  cpuMs: number;
  /** Highest summed RSS seen by the sampler, bytes. */
  peakRss: number;
  /** Number of distinct processes seen. */
  processes: number;
}

/**
 * Reads CPU time and RSS of groups of processes from /proc at the start and the end of a window
 * and every `sampleMs` in between (to catch short-lived processes and the RSS peak).
 */
export class ProcessMeter {
  private readonly first = new Map<string, Map<number, number>>();
  private readonly last = new Map<string, Map<number, number>>();
  private readonly peak = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private endedAt = 0;

  constructor(
    private readonly groups: readonly MeteredGroup[],
    private readonly sampleMs = 250,
  ) {}

  start(): this {
    this.startedAt = performance.now();
    for (const g of this.groups) {
      const baseline = new Map<number, number>();
      for (const pid of g.pids()) {
        const cpu = procCpuMs(pid);
        if (cpu !== undefined) baseline.set(pid, cpu);
      }
      this.first.set(g.name, baseline);
      this.last.set(g.name, new Map(baseline));
      this.peak.set(g.name, 0);
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), this.sampleMs);
    this.timer.unref();
    return this;
  }

  stop(): { elapsedMs: number; groups: GroupUsage[] } {
    clearInterval(this.timer);
    this.sample();
    this.endedAt = performance.now();
    return {
      elapsedMs: this.endedAt - this.startedAt,
      groups: this.groups.map((g) => {
        const first = this.first.get(g.name)!;
        const last = this.last.get(g.name)!;
        let cpuMs = 0;
        // A process not there at the start counts from 0 (it started in the window).
        for (const [pid, cpu] of last) cpuMs += cpu - (first.get(pid) ?? 0);
        return { name: g.name, mercato: g.mercato, cpuMs, peakRss: this.peak.get(g.name)!, processes: last.size };
      }),
    };
  }

  private sample(): void {
    for (const g of this.groups) {
      const last = this.last.get(g.name)!;
      let rss = 0;
      for (const pid of g.pids()) {
        const cpu = procCpuMs(pid);
        if (cpu !== undefined) last.set(pid, cpu);
        rss += procRss(pid)?.rss ?? 0;
      }
      if (rss > this.peak.get(g.name)!) this.peak.set(g.name, rss);
    }
  }
}

// ---------------------------------------------------------------- options

/** An integer option: `--flag N`, `--flag=N` or the environment variable; bounded. */
export function intOption(flag: string, envName: string, fallback: number, min: number, max: number): number {
  const argv = process.argv.slice(2);
  let raw: string | undefined = process.env[envName];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${flag}`) raw = argv[i + 1];
    else if (arg.startsWith(`--${flag}=`)) raw = arg.slice(flag.length + 3);
  }
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${flag} / ${envName} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

/** The parent's environment without anything that would point Mercato somewhere else. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (
      /^(NODE_ENV|NODE_OPTIONS|MODULES|HOST|PORT|DATA_DIR|CONFIG_DIR|DATABASE_URL|EVENT_BUS|KAFKA_|LOG_|AUTH_|ADMIN_|SMTP_URL|SERVICE_URLS_|SERVICE_TOKEN_|REDIS_URL|RATE_LIMIT_)/.test(
        name,
      )
    ) {
      delete env[name];
    }
  }
  return env;
}

// ---------------------------------------------------------------- bare koa baseline

export interface HelloResult {
  /** Latencies of the median round (by rate). */
  ms: number[];
  elapsedMs: number;
  reqPerSec: number;
  rates: number[];
  failures: number;
  cpuMsPerRequest: number;
}

/**
 * bench/hello.server.ts (koa returning {ok:true}) as a child process, hit with `total` GETs at
 * `concurrency`, `rounds` times after an untimed warm-up round; the median round by rate is
 * reported (one round lasts only tens of ms, which a busy machine easily skews).
 */
export async function measureHello(root: string, concurrency: number, total: number, rounds = 5): Promise<HelloResult> {
  const port = await freePort();
  const server = ChildServer.start('hello', ['--import', 'tsx', 'bench/hello.server.ts'], root, { ...cleanEnv(), PORT: String(port) });
  const client = new HttpClient(`http://127.0.0.1:${port}`, concurrency);
  try {
    await server.waitReady(`http://127.0.0.1:${port}/`, 30_000);
    const hit = async (into?: { ms: number[]; failures: number }) => {
      await pool(total, concurrency, async () => {
        const res = await client.get('/');
        if (!into) return;
        if (res.status === 200) into.ms.push(res.ms);
        else into.failures++;
      });
    };
    await hit();
    const runs: { ms: number[]; failures: number; elapsedMs: number }[] = [];
    const cpuBefore = server.cpuMs();
    for (let round = 0; round < rounds; round++) {
      const run = { ms: [] as number[], failures: 0, elapsedMs: 0 };
      const started = performance.now();
      await hit(run);
      run.elapsedMs = performance.now() - started;
      runs.push(run);
    }
    const cpuAfter = server.cpuMs();
    const rate = (r: { ms: number[]; elapsedMs: number }) => (r.ms.length / r.elapsedMs) * 1000;
    const median = [...runs].sort((a, b) => rate(a) - rate(b))[Math.floor(runs.length / 2)]!;
    return {
      ms: median.ms,
      elapsedMs: median.elapsedMs,
      reqPerSec: rate(median),
      rates: runs.map(rate),
      failures: runs.reduce((n, r) => n + r.failures, 0),
      cpuMsPerRequest: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / (total * rounds) : NaN,
    };
  } finally {
    client.close();
    await server.stop();
  }
}

/** Processes whose parent is this one (e.g. children started by a helper that has not returned their handles yet). */
export function childPids(): number[] {
  return allPids().filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
    } catch {
      return false;
    }
  });
}
