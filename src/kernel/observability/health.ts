/** One dependency whose failure makes this process not ready (a database, the bus). */
export interface HealthCheck {
  name: string;
  check(): Promise<boolean>;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, 'up' | 'down'>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * How long an 'up' answer stands: load balancers and the gateway probe every process every few
 * seconds, once per module it hosts, and an idle process should not spend its CPU answering them
 * with a round trip to each dependency.
 */
const UP_STANDS_FOR_MS = 5_000;

/**
 * The check, with an 'up' answer standing for `forMs` and probes that arrive while one is under
 * way sharing it. A 'down' answer is never remembered.
 */
export function upStandsFor(check: HealthCheck, forMs = UP_STANDS_FOR_MS): HealthCheck {
  let upAt = Number.NEGATIVE_INFINITY;
  let asking: Promise<boolean> | undefined;
  return {
    name: check.name,
    check() {
      if (Date.now() - upAt < forMs) return Promise.resolve(true);
      asking ??= check
        .check()
        .then((up) => {
          if (up) upAt = Date.now();
          return up;
        })
        .finally(() => {
          asking = undefined;
        });
      return asking;
    },
  };
}

async function probe(check: HealthCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check.check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runHealthChecks(checks: readonly HealthCheck[]): Promise<HealthReport> {
  const results = await Promise.all(checks.map(async (c) => [c.name, (await probe(c)) ? 'up' : 'down'] as const));
  return { status: results.every(([, r]) => r === 'up') ? 'ok' : 'unavailable', checks: Object.fromEntries(results) };
}
