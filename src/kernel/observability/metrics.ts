import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's Prometheus registry and the instruments the kernel records into. */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly eventsConsumed = new Counter({
    name: 'events_consumed_total',
    help: 'Events dealt with by a consuming module, by outcome',
    labelNames: ['module', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'events_dead_lettered_total',
    help: 'Events a consuming module gave up on',
    labelNames: ['module', 'type'] as const,
    registers: [this.registry],
  });

  readonly handlerDuration = new Histogram({
    name: 'event_handler_duration_seconds',
    help: 'Time from delivery to outcome of an event in a consuming module (retries included)',
    labelNames: ['module', 'type'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly eventRetries = new Counter({
    name: 'event_handler_retries_total',
    help: 'Further attempts at an event whose handler failed',
    labelNames: ['module', 'type'] as const,
    registers: [this.registry],
  });

  readonly rateLimitStoreFailures = new Counter({
    name: 'rate_limit_store_failures_total',
    help: 'Rate-limit decisions taken by the in-memory fallback because the shared store (Redis) failed',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });

  constructor() {
    // The event-loop lag is sampled by a timer: every 10 ms by default, which alone kept an idle
    // process waking 100 times a second. Ten samples a second still show any lag worth seeing.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }
}
