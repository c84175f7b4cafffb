import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import { ExponentialBackoff, handleAll, retry, type RetryPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { newId } from '../ids/id.generator.js';
import { z } from 'zod';
import type { UnitOfWork } from './unit-of-work.js';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Metrics } from '../observability/metrics.js';
import type { RequestContext } from '../observability/request-context.js';
import { NO_EVENT_TRACING, type EventTracing } from './event-tracing.js';
import { DeadLetterSchema } from './dead-letter.entity.js';
import { parseEventType, type EventEnvelope } from './event-envelope.js';
import type { ResolvedSubscription } from './event-handler.js';
import type { EventTables } from './event-tables.port.js';
import { InboxRecordSchema } from './inbox.entity.js';

export interface RetryOptions {
  /** Total tries, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface ConsumerOptions {
  retry: RetryOptions;
  /** The module's transactions: a handler's state changes, its inbox record and its events commit together. */
  uow: UnitOfWork;
  tables: EventTables;
  /** Also tells the transport, for a broker's dead-letter topic; the database row is the record. */
  announceDeadLetter: (event: EventEnvelope, reason: string) => Promise<void>;
  logger: Logger;
  metrics: Metrics;
  /**
   * Event type → the module whose contract declares it. An event of a known type from any other
   * source is dead-lettered, never applied: on a broker, the source is the topic it came from.
   */
  publishers?: ReadonlyMap<string, string>;
  /** Consumer spans (tracing off by default). */
  tracing?: EventTracing;
  /** Log lines written while an event is handled name the request that caused it. */
  requests?: RequestContext;
}

export type DeliveryOutcome = 'applied' | 'duplicate' | 'dead-lettered' | 'ignored';

/**
 * The consuming side of the bus for one module: validates each event against its contract,
 * applies it effectively once (inbox in the handler's transaction), retries failures with
 * backoff and dead-letters what still fails, so that one bad event never stops the stream.
 */
export class EventConsumer {
  private readonly byType = new Map<string, ResolvedSubscription>();
  private readonly families = new Set<string>();
  private readonly retryPolicy: RetryPolicy;
  private readonly retryPolicyAfter: (attemptsMade: number) => RetryPolicy;
  private readonly maxAttempts: number;
  private readonly initialDelayMs: number;

  private readonly uow: UnitOfWork;
  private readonly tables: EventTables;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly announceDeadLetter: ConsumerOptions['announceDeadLetter'];
  private readonly publishers: ReadonlyMap<string, string> | undefined;
  private readonly tracing: EventTracing;
  private readonly requests: RequestContext | undefined;

  constructor(
    readonly module: string,
    private readonly orm: MikroORM,
    subscriptions: readonly ResolvedSubscription[],
    { retry: retryOptions, uow, tables, announceDeadLetter, logger, metrics, publishers, tracing, requests }: ConsumerOptions,
  ) {
    this.tracing = tracing ?? NO_EVENT_TRACING;
    this.requests = requests;
    this.publishers = publishers;
    this.uow = uow;
    this.tables = tables;
    this.announceDeadLetter = announceDeadLetter;
    this.logger = logger;
    this.metrics = metrics;
    for (const s of subscriptions) {
      this.byType.set(s.contract.type, s);
      const parsed = parseEventType(s.contract.type);
      if (parsed) this.families.add(parsed.family);
    }
    this.maxAttempts = retryOptions.maxAttempts;
    this.initialDelayMs = retryOptions.initialDelayMs;
    this.retryPolicyAfter = (made) =>
      retry(handleAll, {
        maxAttempts: retryOptions.maxAttempts - 1 - made,
        backoff: new ExponentialBackoff({ initialDelay: retryOptions.initialDelayMs, maxDelay: retryOptions.maxDelayMs }),
      });
    this.retryPolicy = this.retryPolicyAfter(0);
  }

  get types(): string[] {
    return [...this.byType.keys()];
  }

  /** For the transport: resolves once the event is applied, a duplicate, or dead-lettered. */
  readonly deliver = async (event: EventEnvelope): Promise<void> => {
    await this.process(event);
  };

  /**
   * For a transport that has several events at hand at once, of distinct subjects (so in no
   * order among themselves): one promise per event, as `deliver` would give. The events a handler
   * takes are applied together in one transaction, each with its inbox record, one after the
   * other, as separate transactions would in that order; should any of them fail, nothing of the
   * batch is kept and each is delivered on its own (with its retries and dead letter). Events
   * that are invalid or of no handler's type go on their own at once.
   */
  readonly deliverBatch = (events: readonly EventEnvelope[]): Promise<void>[] => {
    if (events.length === 1) return [this.deliver(events[0]!)];
    const results: Promise<void>[] = new Array(events.length);
    const together: { index: number; event: EventEnvelope; subscription: ResolvedSubscription }[] = [];
    events.forEach((event, index) => {
      const subscription = this.byType.get(event.type);
      const data = subscription?.contract.schema.safeParse(event.data);
      if (subscription && data?.success && !this.forged(event)) together.push({ index, event: { ...event, data: data.data }, subscription });
      else results[index] = this.deliver(event);
    });
    const spans = this.tracing.enabled ? together.map(({ event }) => this.tracing.consume(this.module, event)) : undefined;
    const started = performance.now();
    const applied = together.length > 1 ? this.applyTogether(together, spans) : Promise.resolve(undefined);
    together.forEach(({ index }, k) => {
      const event = events[index]!;
      const span = spans?.[k];
      results[index] = applied.then(async (result) => {
        if (!result) return void (await this.process(event, undefined, span));
        if ('outcomes' in result) {
          this.counted(event, result.outcomes[k]!, started, span);
          return;
        }
        span?.addEvent('batch failed; delivered on its own');
        // The one whose handler failed has had its first attempt; the others start afresh.
        if (result.failed === k) await this.process(event, { attempts: 1, error: result.error }, span);
        else await this.process(event, undefined, span);
      });
    });
    return results;
  };

  /**
   * Applies the items in one transaction. On failure nothing is kept, and `failed` tells whose
   * handler threw (undefined when the failure was not a handler's, e.g. the commit's).
   */
  private async applyTogether(
    items: readonly { event: EventEnvelope; subscription: ResolvedSubscription }[],
    spans: readonly (Span | undefined)[] | undefined,
  ): Promise<{ outcomes: DeliveryOutcome[] } | { failed: number | undefined; error: unknown }> {
    let failed: number | undefined;
    let outcomes: DeliveryOutcome[];
    try {
      // Each handler's outside work first, as for a single event: no transaction waits on it.
      const prepared: unknown[] = [];
      for (const [k, { event, subscription }] of items.entries()) {
        failed = k;
        prepared.push(await this.scoped(event, spans?.[k], async () => subscription.handler.prepare?.(event)));
      }
      failed = undefined;
      // One transaction for them all: traced under the first event's span, each handler under its own.
      outcomes = await this.scoped(items[0]!.event, spans?.[0], () =>
        this.uow.run(async (tx) => {
          const done: DeliveryOutcome[] = [];
          // All claimed first (one statement where the tables allow): the transaction keeps them only with their handlers' work.
          const claimed = this.tables.claimInboxMany
            ? await this.tables.claimInboxMany(
                tx.em,
                items.map(({ event }) => event),
              )
            : undefined;
          for (const [k, { event, subscription }] of items.entries()) {
            if (!(claimed ? claimed[k] : await this.tables.claimInbox(tx.em, event.id, event.type))) {
              done.push('duplicate');
              continue;
            }
            failed = k;
            await this.scoped(event, spans?.[k], async () => {
              await subscription.handler.handle(event, tx, prepared[k]);
              this.logger.debug({ eventId: event.id, type: event.type, outcome: 'applied' }, 'event dealt with');
            });
            failed = undefined;
            done.push('applied');
          }
          return done;
        }),
      );
    } catch (err) {
      this.logger.debug({ err, events: items.length }, 'a batch of events failed; delivering them one by one');
      return { failed, error: err };
    }
    return { outcomes };
  }

  /** `earlier`: a failed attempt the event already had (in a batch), counted against its retries. */
  async process(
    event: EventEnvelope,
    earlier?: { attempts: number; error: unknown },
    span: Span | undefined = this.tracing.consume(this.module, event),
  ): Promise<DeliveryOutcome> {
    const started = performance.now();
    let outcome: DeliveryOutcome = 'ignored';
    try {
      outcome = await this.scoped(event, span, async () => {
        const dealt = await this.route(event, earlier, span);
        if (dealt !== 'ignored') this.logger.debug({ eventId: event.id, type: event.type, outcome: dealt }, 'event dealt with');
        return dealt;
      });
    } finally {
      this.counted(event, outcome, started, span);
    }
    return outcome;
  }

  /** Records a delivery's outcome: metrics, and the end of its span. */
  private counted(event: EventEnvelope, outcome: DeliveryOutcome, started: number, span: Span | undefined): void {
    if (outcome !== 'ignored') {
      this.metrics.eventsConsumed.inc({ module: this.module, type: event.type, outcome });
      this.metrics.handlerDuration.observe({ module: this.module, type: event.type }, (performance.now() - started) / 1000);
    }
    if (span) {
      span.setAttribute('mercato.delivery.outcome', outcome);
      span.end();
    }
  }

  /** Runs `fn` in the event's span, and under its request id, when it has them. */
  private scoped<T>(event: EventEnvelope, span: Span | undefined, fn: () => Promise<T>): Promise<T> {
    const traced = span ? () => this.tracing.within(span, fn) : fn;
    return event.requestid && this.requests ? this.requests.run({ requestId: event.requestid }, traced) : traced();
  }

  private async route(event: EventEnvelope, earlier: { attempts: number; error: unknown } | undefined, span: Span | undefined): Promise<DeliveryOutcome> {
    const subscription = this.byType.get(event.type);
    if (!subscription) {
      const family = parseEventType(event.type)?.family;
      if (family && this.families.has(family)) {
        return this.deadLetter(event, `unsupported event version: ${event.type}`, 0, span);
      }
      return 'ignored';
    }
    if (this.forged(event)) {
      return this.deadLetter(event, `${event.type} is published only by ${this.publishers!.get(event.type)}; this one came from ${event.source}`, 0, span);
    }
    const data = subscription.contract.schema.safeParse(event.data);
    if (!data.success) {
      return this.deadLetter(event, `invalid payload: ${z.prettifyError(data.error)}`, 0, span);
    }
    const attemptsMade = earlier?.attempts ?? 0;
    let attempts = attemptsMade;
    try {
      if (attemptsMade >= this.maxAttempts) throw earlier!.error;
      const policy = attemptsMade === 0 ? this.retryPolicy : this.retryPolicyAfter(attemptsMade);
      // After a failed attempt, the next waits as a retry would.
      if (attemptsMade > 0) await new Promise((resolve) => setTimeout(resolve, this.initialDelayMs));
      return await policy.execute(({ attempt }) => {
        attempts = attemptsMade + attempt + 1;
        if (attempts > 1) {
          this.metrics.eventRetries.inc({ module: this.module, type: event.type });
          span?.addEvent('retry', { 'mercato.attempt': attempts });
        }
        return this.applyOnce({ ...event, data: data.data }, subscription);
      });
    } catch (err) {
      this.logger.error({ err, eventId: event.id, type: event.type, attempts }, 'event handler failed; dead-lettering');
      return this.deadLetter(event, `handler failed after ${attempts} attempt(s): ${(err as Error).message}`, attempts, span);
    }
  }

  /** Whether the event claims a type that a module other than its source declares. */
  private forged(event: EventEnvelope): boolean {
    const publisher = this.publishers?.get(event.type);
    return publisher !== undefined && event.source !== publisher;
  }

  private async applyOnce(event: EventEnvelope, subscription: ResolvedSubscription): Promise<DeliveryOutcome> {
    try {
      const prepared = await subscription.handler.prepare?.(event);
      return await this.uow.run(async (tx) => {
        if (!(await this.tables.claimInbox(tx.em, event.id, event.type))) return 'duplicate' as const;
        await subscription.handler.handle(event, tx, prepared);
        return 'applied' as const;
      });
    } catch (err) {
      // Two deliveries of one event raced; the one that lost sees the other's inbox record.
      if (err instanceof UniqueConstraintViolationException && (await this.alreadyApplied(event.id))) return 'duplicate';
      throw err;
    }
  }

  private async alreadyApplied(eventId: string): Promise<boolean> {
    return (await this.orm.em.fork().count(InboxRecordSchema, { eventId })) > 0;
  }

  private async deadLetter(event: EventEnvelope, reason: string, attempts: number, span?: Span): Promise<DeliveryOutcome> {
    if (span) {
      span.addEvent('dead_letter', { 'mercato.dead_letter.reason': reason.slice(0, 1000), 'mercato.attempts': attempts });
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
    }
    const em = this.orm.em.fork();
    const existing = await em.findOne(DeadLetterSchema, { eventId: event.id });
    if (existing) {
      existing.reason = reason;
      existing.attempts += attempts;
      existing.status = 'pending';
      existing.failedAt = new Date();
    } else {
      em.create(DeadLetterSchema, {
        id: newId(),
        eventId: event.id,
        type: event.type,
        subject: event.subject,
        envelope: event,
        reason,
        attempts,
        status: 'pending',
        failedAt: new Date(),
        replayedAt: null,
      });
    }
    await em.flush();
    this.metrics.deadLetters.inc({ module: this.module, type: event.type });
    this.logger.warn({ eventId: event.id, type: event.type, reason }, 'event dead-lettered');
    await this.announceDeadLetter(event, reason).catch((err: unknown) => this.logger.warn({ err, eventId: event.id }, 'could not announce dead letter'));
    return 'dead-lettered';
  }
}
