import type { MikroORM } from '@mikro-orm/core';
import { Gauge, type Registry } from 'prom-client';
import { OutboxRecordSchema } from './outbox.entity.js';

/**
 * Outbox backlog per module, read from each module's database when Prometheus scrapes (nothing is
 * counted on the hot path): events committed and not yet relayed, and how long the oldest waits.
 */
export function registerOutboxBacklog(registry: Registry, modules: readonly { name: string; orm: MikroORM }[]): void {
  const read = async (): Promise<{ module: string; rows: number; ageSeconds: number }[]> =>
    Promise.all(
      modules.map(async ({ name, orm }) => {
        const em = orm.em.fork();
        const rows = await em.count(OutboxRecordSchema, { publishedAt: null });
        const oldest = rows > 0 ? await em.findOne(OutboxRecordSchema, { publishedAt: null }, { orderBy: { seq: 'asc' }, fields: ['time'] }) : null;
        const ageSeconds = oldest ? Math.max(0, (Date.now() - Date.parse(oldest.time)) / 1000) : 0;
        return { module: name, rows, ageSeconds };
      }),
    );
  // One read serves both gauges of a scrape.
  let pending: ReturnType<typeof read> | undefined;
  const once = () => (pending ??= read().finally(() => setImmediate(() => (pending = undefined))));
  new Gauge({
    name: 'outbox_backlog_events',
    help: 'Events committed to a module outbox and not yet relayed',
    labelNames: ['module'] as const,
    registers: [registry],
    async collect() {
      for (const b of await once()) this.set({ module: b.module }, b.rows);
    },
  });
  new Gauge({
    name: 'outbox_oldest_unpublished_age_seconds',
    help: 'Age of the oldest event waiting in a module outbox (0 when none waits)',
    labelNames: ['module'] as const,
    registers: [registry],
    async collect() {
      for (const b of await once()) this.set({ module: b.module }, b.ageSeconds);
    },
  });
}
