import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { Logger } from 'pino';

/** undici costs ~20 MiB and ~0.1 s of start-up; only a process that reaches others over HTTP loads it. */
let undici: Promise<typeof import('undici')> | undefined;

export interface Upstream {
  readonly url: string;
  healthy: boolean;
  /** Its last probe got an HTTP answer, ready or not: the process is up and serving. */
  answering: boolean;
  /** Opens after consecutive failures; while open the instance gets no traffic. */
  breaker: CircuitBreakerPolicy;
}

export interface UpstreamPoolOptions {
  healthIntervalMs: number;
  healthTimeoutMs: number;
  breakerThreshold: number;
  breakerHalfOpenMs: number;
  /**
   * How often the DNS names among the URLs are resolved again (every address of a name is an
   * instance); 0 resolves once at start. A failing instance also triggers a resolution, at most
   * once per `dnsMinIntervalMs`.
   */
  dnsRefreshMs?: number;
  dnsMinIntervalMs?: number;
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

/** Every address a host name has right now (A and AAAA), or `not-found` when it has none. */
export type Resolver = (hostname: string) => Promise<string[] | 'not-found'>;

/** The system resolver (getaddrinfo: /etc/hosts, search domains, the container's DNS server). */
export const systemResolver: Resolver = async (hostname) => {
  try {
    const found = await lookup(hostname, { all: true, order: 'ipv4first' });
    return [...new Set(found.map((a) => a.address))];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The name exists no more (every replica gone): no instance. Any other failure (resolver
    // unreachable, timeout) says nothing about the replicas, so the caller keeps what it knew.
    if (code === 'ENOTFOUND' || code === 'ENODATA') return 'not-found';
    throw err;
  }
};

const DEFAULT_DNS_REFRESH_MS = 5_000;
const DEFAULT_DNS_MIN_INTERVAL_MS = 1_000;

/** Thrown when no instance of a module can take a request right now. */
export class NoUpstreamError extends Error {
  override name = 'NoUpstreamError';
}

/** A configured URL: fixed (an IP literal, or https, whose certificate names the host), or a name to expand. */
interface Target {
  readonly configured: string;
  /** Set when the host is a DNS name whose addresses are the instances. */
  readonly hostname?: string;
  readonly base?: URL;
  /** The instance URLs this target stands for, as last resolved. */
  urls: string[];
}

function addressUrl(base: URL, address: string): string {
  const url = new URL(base.toString());
  url.hostname = isIP(address) === 6 ? `[${address}]` : address;
  return url.toString().replace(/\/+$/, '');
}

/**
 * The instances of one module, found like a strict-DNS cluster in Envoy: the configured URLs
 * (SERVICE_URLS_<MODULE>) may name hosts by DNS, and every address a name resolves to is an
 * instance of its own (so `docker compose --scale` replicas and the pods behind a headless
 * Kubernetes Service are each seen), resolved again every `dnsRefreshMs` and soon after an
 * instance fails. Each instance has an active health check (`/health/ready`) and a circuit
 * breaker; requests go round-robin over those that are healthy and not broken (when none is, over
 * those that answered their probe: see `candidates`). An address that appears is probed before it
 * takes traffic; one that disappears takes no more.
 */
export class UpstreamPool {
  private upstreams: Upstream[];
  private readonly targets: Target[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private dnsTimer: NodeJS.Timeout | undefined;
  private resolving: Promise<void> | undefined;
  private lastResolution = 0;
  private stopped = false;
  /** Instances whose health was probed at least once (a first pass is news, not a change). */
  private readonly probed = new WeakSet<Upstream>();

  constructor(
    readonly module: string,
    urls: readonly string[],
    private readonly options: UpstreamPoolOptions,
    private readonly logger: Logger,
    private readonly resolver: Resolver = systemResolver,
  ) {
    this.targets = urls.map((raw) => {
      const configured = raw.replace(/\/+$/, '');
      let base: URL | undefined;
      try {
        base = new URL(configured);
      } catch {
        return { configured, urls: [configured] };
      }
      const host = base.hostname.replace(/^\[|\]$/g, '');
      if (base.protocol !== 'http:' || isIP(host) !== 0) return { configured, urls: [configured] };
      return { configured, hostname: host, base, urls: [] };
    });
    // Until the first probe answers, an instance given by address has the benefit of the doubt;
    // names are resolved (and their addresses probed) by start().
    this.upstreams = this.targets.filter((t) => !t.hostname).map((t) => this.newUpstream(t.configured, true));
  }

  private newUpstream(url: string, healthy: boolean): Upstream {
    return { url, healthy, answering: healthy, breaker: this.newBreaker(url) };
  }

  /**
   * Counts only failures of the instance (network, timeouts, and the 502–504 answers to requests
   * safe to repeat elsewhere, see the proxy), never errors in how a
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

  /** The instance URLs known right now (for diagnostics and tests). */
  instances(): { url: string; healthy: boolean; broken: boolean }[] {
    return this.upstreams.map((u) => ({ url: u.url, healthy: u.healthy, broken: u.breaker.state === CircuitState.Open }));
  }

  private get hasNames(): boolean {
    return this.targets.some((t) => t.hostname);
  }

  /** Resolves the names (bounded by the health timeout), then probes every instance; repeats both periodically. */
  async start(): Promise<void> {
    this.stopped = false;
    this.timer = setInterval(() => void this.probeAll(), this.options.healthIntervalMs);
    this.timer.unref();
    const refresh = this.options.dnsRefreshMs ?? DEFAULT_DNS_REFRESH_MS;
    if (this.hasNames && refresh > 0) {
      this.dnsTimer = setInterval(() => void this.refresh(), refresh);
      this.dnsTimer.unref();
    }
    await Promise.all([this.hasNames ? this.refresh() : undefined, this.probeAll()]);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.dnsTimer) clearInterval(this.dnsTimer);
  }

  /**
   * Instances to try, in order, starting from the next in the rotation; broken ones left out. When
   * none passes its health check, those whose probe was answered (not ready, but up) are tried, as
   * in Envoy's panic routing: readiness also fails on a dependency every replica shares, the broker
   * above all, while requests that only write their module's database and outbox still succeed, so
   * sending nothing would turn a broker restart into an outage of every write. An instance that is
   * down or hung answers no probe and gets nothing.
   */
  candidates(): Upstream[] {
    const unbroken = this.upstreams.filter((u) => u.breaker.state !== CircuitState.Open);
    const healthy = unbroken.filter((u) => u.healthy);
    // None healthy: maybe the replicas moved; look again (rate-limited).
    if (healthy.length === 0) this.refreshSoon();
    const usable = healthy.length > 0 ? healthy : unbroken.filter((u) => u.answering);
    if (usable.length === 0) return [];
    const start = this.next++ % usable.length;
    return [...usable.slice(start), ...usable.slice(0, start)];
  }

  async execute<T>(upstream: Upstream, fn: () => Promise<T>): Promise<T> {
    try {
      return await upstream.breaker.execute(fn);
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new NoUpstreamError(`${upstream.url} is broken`);
      // A failing instance may be a replica that went away: resolve again soon.
      this.refreshSoon();
      throw err;
    }
  }

  /** A resolution soon, unless one ran within `dnsMinIntervalMs`. */
  private refreshSoon(): void {
    if (!this.hasNames || this.stopped) return;
    if (Date.now() - this.lastResolution < (this.options.dnsMinIntervalMs ?? DEFAULT_DNS_MIN_INTERVAL_MS)) return;
    void this.refresh();
  }

  /** Resolves every name again and applies the differences; one resolution at a time. */
  refresh(): Promise<void> {
    this.resolving ??= this.resolveAll().finally(() => {
      this.resolving = undefined;
    });
    return this.resolving;
  }

  private async resolveAll(): Promise<void> {
    this.lastResolution = Date.now();
    await Promise.all(
      this.targets.map(async (target) => {
        if (!target.hostname || !target.base) return;
        try {
          const found = await withTimeout(this.resolver(target.hostname), Math.max(this.options.healthTimeoutMs, 2_000));
          target.urls = found === 'not-found' ? [] : found.map((address) => addressUrl(target.base!, address));
        } catch (err) {
          // Keep the last known addresses: a resolver hiccup must not empty the pool.
          this.logger.warn(
            { module: this.module, host: target.hostname, err: (err as Error).message },
            'upstream name did not resolve; keeping the known instances',
          );
        }
      }),
    );
    if (this.stopped) return;
    const wanted = new Set(this.targets.flatMap((t) => t.urls));
    const known = new Map(this.upstreams.map((u) => [u.url, u]));
    const added = [...wanted].filter((url) => !known.has(url));
    const removed = [...known.keys()].filter((url) => !wanted.has(url));
    if (added.length === 0 && removed.length === 0) return;
    // A new address takes traffic only once its probe passed.
    const fresh = added.map((url) => this.newUpstream(url, false));
    this.upstreams = [...this.upstreams.filter((u) => wanted.has(u.url)), ...fresh];
    this.logger.info({ module: this.module, added, removed, instances: this.upstreams.length }, 'upstream instances changed');
    await Promise.all(fresh.map((u) => this.probe(u)));
  }

  private async probeAll(): Promise<void> {
    await Promise.all(this.upstreams.map((u) => this.probe(u)));
  }

  private async probe(upstream: Upstream): Promise<void> {
    let healthy = false;
    let answering = false;
    try {
      undici ??= import('undici');
      const { request } = await undici;
      const res = await request(`${upstream.url}/health/ready`, {
        headersTimeout: this.options.healthTimeoutMs,
        bodyTimeout: this.options.healthTimeoutMs,
        signal: AbortSignal.timeout(this.options.healthTimeoutMs),
      });
      await res.body.dump();
      answering = true;
      healthy = res.statusCode === 200;
    } catch {
      healthy = false;
    }
    if (!this.probed.has(upstream)) {
      this.probed.add(upstream);
      if (healthy) this.logger.info({ module: this.module, url: upstream.url }, 'upstream instance ready');
      else this.logger.warn({ module: this.module, url: upstream.url }, 'upstream instance not ready');
    } else if (healthy !== upstream.healthy) {
      this.logger.warn({ module: this.module, url: upstream.url, healthy }, 'upstream health changed');
    }
    upstream.healthy = healthy;
    upstream.answering = answering;
    // A failed probe of a named instance: the replica may be gone; look again.
    if (!healthy) this.refreshSoon();
    // candidates() skips open breakers, so cockatiel would never get to half-open them: an answered
    // probe gives the instance a fresh breaker (a fresh failure count, too). Answered, not passed: while
    // the broker is down no probe passes, and a replica restarted meanwhile must get back into service.
    if (answering && upstream.breaker.state === CircuitState.Open) upstream.breaker = this.newBreaker(upstream.url);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
