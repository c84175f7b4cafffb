import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { request } from 'undici';
import type { Logger } from 'pino';

export interface Upstream {
  readonly url: string;
  healthy: boolean;
  /** Opens after consecutive failures; while open the instance gets no traffic. */
  breaker: CircuitBreakerPolicy;
}

export interface UpstreamPoolOptions {
  healthIntervalMs: number;
  healthTimeoutMs: number;
  breakerThreshold: number;
  breakerHalfOpenMs: number;
}

/**
 * Codes of errors raised while a request is put together, before any byte of it leaves for the
 * instance (undici refusing an argument, Node refusing a URL, a header name or value): the
 * caller's fault, never the instance's.
 */
const CLIENT_SIDE_CODES = new Set([
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_INVALID_ARG',
  'ERR_INVALID_URL',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_CHAR',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_UNESCAPED_CHARACTERS',
]);

/** A request that could not be sent as built: the client's fault (400), not a failure of the instance. */
export class UnsendableRequestError extends Error {
  override name = 'UnsendableRequestError';
}

/** Whether an error was raised before the request left: by its code, or already classified. */
export function isClientSideError(err: unknown): boolean {
  if (err instanceof UnsendableRequestError) return true;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CLIENT_SIDE_CODES.has(code);
}

/** Thrown when no instance of a module can take a request right now. */
export class NoUpstreamError extends Error {
  override name = 'NoUpstreamError';
}

/**
 * The instances of one module (from discovery configuration: a list of URLs, which may be DNS
 * names that a platform balances further), with active health checks and a circuit breaker per
 * instance; requests go round-robin over the instances that are healthy and not broken.
 */
export class UpstreamPool {
  private readonly upstreams: Upstream[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly module: string,
    urls: readonly string[],
    private readonly options: UpstreamPoolOptions,
    private readonly logger: Logger,
  ) {
    // Until the first probe answers, an instance is given the benefit of the doubt.
    this.upstreams = urls.map((raw) => {
      const url = raw.replace(/\/+$/, '');
      return { url, healthy: true, breaker: this.newBreaker(url) };
    });
  }

  /**
   * Counts only failures of the instance (network, timeouts, 5xx answers), never errors in how a
   * request was put together, which a client could otherwise use to break every instance.
   */
  private newBreaker(url: string): CircuitBreakerPolicy {
    const breaker = circuitBreaker(
      handleWhen((err) => !isClientSideError(err)),
      { halfOpenAfter: this.options.breakerHalfOpenMs, breaker: new ConsecutiveBreaker(this.options.breakerThreshold) },
    );
    breaker.onStateChange((state) => this.logger.warn({ module: this.module, url, state: CircuitState[state] }, 'upstream circuit changed'));
    return breaker;
  }

  get size(): number {
    return this.upstreams.length;
  }

  start(): void {
    void this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.options.healthIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Instances to try, in order, starting from the next in the rotation; broken ones left out. */
  candidates(): Upstream[] {
    const usable = this.upstreams.filter((u) => u.healthy && u.breaker.state !== CircuitState.Open);
    if (usable.length === 0) return [];
    const start = this.next++ % usable.length;
    return [...usable.slice(start), ...usable.slice(0, start)];
  }

  async execute<T>(upstream: Upstream, fn: () => Promise<T>): Promise<T> {
    try {
      return await upstream.breaker.execute(fn);
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new NoUpstreamError(`${upstream.url} is broken`);
      throw err;
    }
  }

  private async probeAll(): Promise<void> {
    await Promise.all(this.upstreams.map((u) => this.probe(u)));
  }

  private async probe(upstream: Upstream): Promise<void> {
    let healthy = false;
    try {
      const res = await request(`${upstream.url}/health/ready`, {
        headersTimeout: this.options.healthTimeoutMs,
        bodyTimeout: this.options.healthTimeoutMs,
      });
      await res.body.dump();
      healthy = res.statusCode === 200;
    } catch {
      healthy = false;
    }
    if (healthy !== upstream.healthy) this.logger.warn({ module: this.module, url: upstream.url, healthy }, 'upstream health changed');
    upstream.healthy = healthy;
    // candidates() skips open breakers, so cockatiel would never get to half-open them: a passing
    // probe gives the instance a fresh breaker (a fresh failure count, too).
    if (healthy && upstream.breaker.state === CircuitState.Open) upstream.breaker = this.newBreaker(upstream.url);
  }
}
