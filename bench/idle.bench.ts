/**
 * Idle CPU of a split deployment: starts the four processes of config/topology.json (gateway;
 * user,notification; catalog,inventory; order,payment) on free ports of 127.0.0.1, over the local
 * Kafka broker and PostgreSQL (a database and topic prefix of this run), sends them no traffic,
 * and reads each one's CPU time (user + system, all threads) from /proc over a window.
 *
 *   npm run bench:idle                       # 30 s window after 60 s of settling
 *   IDLE_SECONDS=60 IDLE_SETTLE_SECONDS=30 npm run bench:idle
 *   ONLY=orders npm run bench:idle           # one process alone (no gateway health probes)
 *
 * Target: at most 1 % of a core per process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, procThreadCpuMs, sleep } from './bench.kit.js';
import { cpuMsOf, deleteTopics } from './kafka-transport.bench.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOPOLOGY = JSON.parse(readFileSync(join(ROOT, 'config/topology.json'), 'utf8')) as { processes: { name: string; modules: string }[] };
const SECONDS = Number(process.env['IDLE_SECONDS'] ?? 30);
const SETTLE_MS = Number(process.env['IDLE_SETTLE_SECONDS'] ?? 60) * 1000;
const POSTGRES = process.env['BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A JSON array with one private ES256 JWK, as SERVICE_TOKEN_KEYS expects. */
function serviceTokenKeys(): string {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return JSON.stringify([{ ...jwk, alg: 'ES256', use: 'sig' }]);
}

async function main(): Promise<void> {
  const only = process.env['ONLY'];
  const procs = TOPOLOGY.processes.filter((p) => !only || p.name === only);
  const ports = await Promise.all(procs.map(() => freePort()));
  const urls: Record<string, string> = {};
  procs.forEach((p, i) => {
    for (const m of p.modules.split(',')) urls[`SERVICE_URLS_${m.trim().toUpperCase()}`] = `http://127.0.0.1:${ports[i]}`;
  });
  const prefix = `mercato-idle-${Date.now().toString(36)}`;
  const database = prefix.replace(/-/g, '_');
  const db = new URL(POSTGRES);
  db.pathname = `/${database}`;
  const data = mkdtempSync(join(tmpdir(), 'mercato-idle-'));
  const env = {
    ...process.env,
    ...urls,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATA_DIR: data,
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    KAFKA_TOPIC_PREFIX: prefix,
    DATABASE_URL: db.toString(),
    ADMIN_EMAIL: 'admin@idle.example.com',
    ADMIN_PASSWORD: 'idle-admin-password',
    // A module process alone has no gateway to take its service-token keys from: it gets a key of
    // its own, or it would refuse to start (nothing will call it anyway).
    ...(only && !procs.some((p) => p.modules === 'gateway') ? { SERVICE_TOKEN_KEYS: serviceTokenKeys() } : {}),
  };
  const children: ChildProcess[] = procs.map((p, i) =>
    spawn(process.execPath, ['--import', 'tsx', 'src/runtimes/main.ts'], {
      cwd: ROOT,
      env: { ...env, MODULES: p.modules, PORT: String(ports[i]) },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const stopAll = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  process.once('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
  try {
    for (const port of ports) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ready) break;
        if (Date.now() > deadline) throw new Error(`process on port ${port} not ready within 60 s`);
        await sleep(200);
      }
    }
    console.log(
      `${procs.length} process(es) ready; settling ${SETTLE_MS / 1000} s, then measuring ${SECONDS} s with no traffic (load average ${loadavg()[0]!.toFixed(2)})`,
    );
    await sleep(SETTLE_MS);
    const before = children.map((c) => ({ total: cpuMsOf(c.pid!)!, threads: procThreadCpuMs(c.pid!) }));
    await sleep(SECONDS * 1000);
    const after = children.map((c) => ({ total: cpuMsOf(c.pid!)!, threads: procThreadCpuMs(c.pid!) }));
    console.log('');
    procs.forEach((p, i) => {
      const used = after[i]!.total - before[i]!.total;
      const main = after[i]!.threads.eventLoop - before[i]!.threads.eventLoop;
      console.log(
        `${p.name.padEnd(10)} ${p.modules.padEnd(20)} ${used.toFixed(0).padStart(6)} ms CPU in ${SECONDS} s = ${((100 * used) / (SECONDS * 1000)).toFixed(2).padStart(5)} % of a core (event loop thread ${main.toFixed(0)} ms)`,
      );
    });
    console.log(
      `\nload average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    stopAll();
    await sleep(3000);
    rmSync(data, { recursive: true, force: true });
    const { connectToServer } = await import('../src/kernel/db/module-orm.factory.js');
    const admin = await connectToServer(POSTGRES);
    await admin.em
      .getConnection()
      .execute(`drop database if exists "${database}" with (force)`)
      .catch(() => undefined);
    await admin.close(true);
    await deleteTopics(env.KAFKA_BROKERS, prefix);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
