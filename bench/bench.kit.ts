/** Small helpers for the benches: a keep-alive HTTP client, child processes, free ports, percentiles. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

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
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
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
      const req = request(
        { agent: this.agent, host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers },
        (res) => {
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
        },
      );
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
  /** Number of output lines the child wrote in total. */
  lineCount = 0;

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
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.lineCount++;
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
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
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      // Fields after the ")" that ends the command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
    } catch {
      return undefined;
    }
  }

  /** The last lines the child wrote (stdout and stderr interleaved). */
  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Polls `url` until it answers 200; fails early if the child exits. */
  async waitReady(url: string, timeoutMs: number): Promise<number> {
    const started = performance.now();
    const probe = new HttpClient(url, 1);
    try {
      while (performance.now() - started < timeoutMs) {
        if (this.exited) {
          throw new Error(`${this.name} exited during start-up (code ${this.exited.code}, signal ${this.exited.signal}):\n${this.tail()}`);
        }
        try {
          const res = await probe.get(url, { timeoutMs: 1_000 });
          if (res.status === 200) return performance.now() - started;
        } catch {
          // not listening yet
        }
        await sleep(100);
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
