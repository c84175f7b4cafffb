import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamPool, type Resolver } from '../../../src/kernel/gateway/upstream.pool.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * Discovery that follows scaling: a DNS name in SERVICE_URLS_<MODULE> stands for every address it
 * resolves to (like a strict-DNS cluster in Envoy), resolved again periodically and after a
 * failure, each address health-checked before it takes traffic. Replicas are HTTP servers on
 * 127.0.0.2, .3, .4 ... (all loopback) sharing one port, and a fake resolver plays the DNS.
 */

const logger = pino({ level: 'silent' });
const OPTIONS = { healthIntervalMs: 100, healthTimeoutMs: 500, breakerThreshold: 3, breakerHalfOpenMs: 1_000, dnsRefreshMs: 0, dnsMinIntervalMs: 0 };

interface Replica {
  address: string;
  ready: boolean;
  server: Server;
  hits: number;
}

const servers: Server[] = [];
const pools: UpstreamPool[] = [];

afterEach(async () => {
  for (const p of pools.splice(0)) p.stop();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function replica(address: string, port: number): Promise<Replica> {
  const r: Replica = { address, ready: true, hits: 0, server: undefined as unknown as Server };
  r.server = createServer((req, res) => {
    if (req.url === '/health/ready') {
      res.statusCode = r.ready ? 200 : 503;
      return res.end();
    }
    r.hits += 1;
    res.end(address);
  });
  r.server.listen(port, address);
  await once(r.server, 'listening');
  servers.push(r.server);
  return r;
}

/** Replicas on 127.0.0.2..n+1, all on one port (retried if another process holds it on one address). */
async function replicas(n: number): Promise<{ port: number; list: Replica[] }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const first = await replica('127.0.0.2', 0);
    const port = (first.server.address() as AddressInfo).port;
    try {
      const rest = [];
      for (let i = 3; i < n + 2; i++) rest.push(await replica(`127.0.0.${i}`, port));
      return { port, list: [first, ...rest] };
    } catch {
      await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    }
  }
  throw new Error('no common free port for the replicas');
}

/** A DNS name whose addresses the test sets; counts lookups. */
function fakeDns(initial: string[]): { resolver: Resolver; set(addresses: string[] | 'not-found' | Error): void; lookups: () => number } {
  let answer: string[] | 'not-found' | Error = initial;
  let lookups = 0;
  return {
    resolver: async (host) => {
      lookups += 1;
      if (host !== 'order.internal') return 'not-found';
      if (answer instanceof Error) throw answer;
      return answer;
    },
    set: (a) => (answer = a),
    lookups: () => lookups,
  };
}

async function pool(port: number, dns: ReturnType<typeof fakeDns>, options: Partial<typeof OPTIONS> = {}): Promise<UpstreamPool> {
  const p = new UpstreamPool('order', [`http://order.internal:${port}`], { ...OPTIONS, ...options }, logger, dns.resolver);
  pools.push(p);
  await p.start();
  return p;
}

async function send(p: UpstreamPool): Promise<string> {
  const [upstream] = p.candidates();
  if (!upstream) return 'none';
  return p.execute(upstream, async () => {
    const res = await fetch(`${upstream.url}/x`, { signal: AbortSignal.timeout(2_000) });
    return res.text();
  });
}

describe('gateway discovery through DNS', () => {
  it('sees every address of a name as an instance and spreads requests across them', async () => {
    const { port, list } = await replicas(3);
    const p = await pool(port, fakeDns(list.map((r) => r.address)));
    expect(
      p
        .instances()
        .map((i) => i.url)
        .sort(),
    ).toEqual(list.map((r) => `http://${r.address}:${port}`).sort());
    const answers = await Promise.all(Array.from({ length: 30 }, () => send(p)));
    for (const r of list) expect(answers.filter((a) => a === r.address)).toHaveLength(10);
  });

  it('takes in a replica added by scaling once its health check passes, and drops one that went away', async () => {
    const { port, list } = await replicas(3);
    const [a, b, c] = list as [Replica, Replica, Replica];
    const dns = fakeDns([a.address, b.address]);
    const p = await pool(port, dns);
    c.ready = false;
    dns.set([a.address, b.address, c.address]);
    await p.refresh();
    expect(p.instances().find((i) => i.url.includes(c.address))).toMatchObject({ healthy: false });
    for (let i = 0; i < 10; i++) expect(await send(p)).not.toBe(c.address);
    c.ready = true;
    await waitFor(async () => p.instances().every((i) => i.healthy), 5_000, 'the new replica to pass its health check');
    const answers = await Promise.all(Array.from({ length: 9 }, () => send(p)));
    expect(answers.filter((x) => x === c.address)).toHaveLength(3);

    dns.set([b.address, c.address]);
    await p.refresh();
    expect(p.size).toBe(2);
    const after = await Promise.all(Array.from({ length: 10 }, () => send(p)));
    expect(after).not.toContain(a.address);
  });

  it('resolves again on its own, periodically', async () => {
    const { port, list } = await replicas(2);
    const dns = fakeDns([list[0]!.address]);
    const p = await pool(port, dns, { dnsRefreshMs: 100 });
    dns.set(list.map((r) => r.address));
    await waitFor(async () => p.instances().filter((i) => i.healthy).length === 2, 5_000, 'the periodic resolution to find the second replica');
  });

  it('resolves again when an instance fails, without waiting for the period', async () => {
    const { port, list } = await replicas(2);
    const [a, b] = list as [Replica, Replica];
    const dns = fakeDns([a.address, b.address]);
    const p = await pool(port, dns, { dnsRefreshMs: 60_000, healthIntervalMs: 60_000 });
    const before = dns.lookups();
    // Replica a is gone: its address no longer resolves and its port refuses connections.
    dns.set([b.address]);
    await new Promise((r) => a.server.close(r));
    for (let i = 0; i < 4; i++) await send(p).catch(() => 'failed');
    await waitFor(async () => p.size === 1, 5_000, 'the failure to trigger a resolution');
    expect(dns.lookups()).toBeGreaterThan(before);
    expect(await send(p)).toBe(b.address);
  });

  it('keeps the known instances when the resolver fails, and has none once the name is gone', async () => {
    const { port, list } = await replicas(2);
    const dns = fakeDns(list.map((r) => r.address));
    const p = await pool(port, dns);
    dns.set(new Error('EAI_AGAIN'));
    await p.refresh();
    expect(p.size).toBe(2);
    dns.set('not-found');
    await p.refresh();
    expect(p.size).toBe(0);
    expect(p.candidates()).toEqual([]);
  });

  it('keeps IP literals as they are, without resolving them', async () => {
    const { port, list } = await replicas(1);
    const dns = fakeDns([]);
    const p = new UpstreamPool('order', [`http://${list[0]!.address}:${port}/`], OPTIONS, logger, dns.resolver);
    pools.push(p);
    await p.start();
    expect(p.instances()).toEqual([{ url: `http://${list[0]!.address}:${port}`, healthy: true, broken: false }]);
    expect(dns.lookups()).toBe(0);
  });
});
