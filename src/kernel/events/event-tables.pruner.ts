import type { Logger } from 'pino';
import type { EventTables } from './event-tables.port.js';

export interface RetentionOptions {
  outboxMs: number;
  inboxMs: number;
  pruneIntervalMs: number;
}

/**
 * Keeps one module's event tables bounded: relayed outbox rows and inbox records older than their
 * retention are deleted now and then, so neither storage nor the cost of an event grows with the
 * number of events ever handled. Unrelayed rows are never touched.
 */
export class EventTablesPruner {
  private timer: NodeJS.Timeout | undefined;
  private pruning: Promise<void> | undefined;

  constructor(
    private readonly tables: EventTables,
    private readonly options: RetentionOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.pruning ??= this.prune().finally(() => (this.pruning = undefined));
    }, this.options.pruneIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pruning;
  }

  async prune(now = Date.now()): Promise<void> {
    try {
      const pruned = await this.tables.prune(new Date(now - this.options.outboxMs), new Date(now - this.options.inboxMs));
      if (pruned.outbox + pruned.inbox > 0) this.logger.debug(pruned, 'event tables pruned');
    } catch (err) {
      this.logger.warn({ err }, 'could not prune the event tables; will try again');
    }
  }
}
