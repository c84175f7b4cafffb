/**
 * Where one request's CPU goes in the split deployment, process by process. Three kinds of request,
 * `n` of each at 20 concurrent (after `n / 4` untimed), with every process's CPU read from `/proc`:
 * - `GET /health/live` to the gateway, which it answers itself: its koa floor;
 * - `GET /health/live` straight to one order process (an open path there): that process's floor;
 * - `GET /api/v1/orders/:id` through the gateway: a poll, relayed to an order process.
 * What a poll costs the gateway above its floor is what relaying costs it; what it costs the order
 * processes above theirs is the route itself (zero-trust and user token checks, the PostgreSQL
 * read, the answer and its log line). Every figure is per request sent: replicas that share the
 * polls each show their share, so add them up for what one poll costs them.
 */
import { type HttpClient, pool, procCpuMs } from './bench.kit.js';
import { fmt } from './order-load.js';

export interface HopProcess {
  name: string;
  pid(): number | undefined;
}

export interface HopRequests {
  gateway: HttpClient;
  /** An HttpClient to one order process, bypassing the gateway. */
  orderProcess: HttpClient;
  processes: readonly HopProcess[];
  /** A poll: an order's path and the headers (its owner's token) to read it with. */
  poll: { path: string; headers: Record<string, string> };
  n: number;
}

/** Requests in flight at once, and the sockets a client for this phase needs. */
export const HOP_CONCURRENCY = 20;

type Send = () => Promise<{ status: number }>;

async function cpuPerRequest(processes: readonly HopProcess[], n: number, label: string, send: Send): Promise<number[]> {
  // Only answered requests count: a run of 401s or 503s would measure the wrong path.
  const answered = async () => {
    const { status } = await send();
    if (status !== 200) throw new Error(`${label}: HTTP ${status}`);
  };
  await pool(Math.ceil(n / 4), HOP_CONCURRENCY, answered);
  const cpu = () => processes.map((p) => procCpuMs(p.pid() ?? -1) ?? NaN);
  const before = cpu();
  await pool(n, HOP_CONCURRENCY, answered);
  const after = cpu();
  return after.map((ms, i) => ((ms - before[i]!) * 1000) / n);
}

/** The report's lines: µs of CPU per request in each process, for each kind of request. */
export async function requestHops(r: HopRequests): Promise<string[]> {
  const kinds: [string, Send][] = [
    ['GET /health/live, gateway', () => r.gateway.get('/health/live')],
    ['GET /health/live, order process', () => r.orderProcess.get('/health/live')],
    ['poll through the gateway', () => r.gateway.get(r.poll.path, { headers: r.poll.headers })],
  ];
  const lines = [`  ${'µs of CPU per request'.padEnd(34)}${r.processes.map((p) => p.name.padStart(10)).join('')}`];
  for (const [label, send] of kinds) {
    const perProcess = await cpuPerRequest(r.processes, r.n, label, send);
    lines.push(`  ${label.padEnd(34)}${perProcess.map((us) => fmt(us, 0).padStart(10)).join('')}`);
  }
  return lines;
}
