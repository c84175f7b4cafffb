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
 * The check, with an 'up' answer standing for `forMs`: load balancers and the gateway probe every
 * process every few seconds, once per module it hosts, and an idle process should not spend its
 * CPU answering them with a database round trip each. A 'down' answer is never remembered.
 */
export function upStandsFor(check: HealthCheck, forMs: number): HealthCheck {
  let upAt = Number.NEGATIVE_INFINITY;
  return {
    name: check.name,
    async check() {
      if (Date.now() - upAt < forMs) return true;
      const up = await check.check();
      if (up) upAt = Date.now();
      return up;
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
