/** One dependency whose failure makes this process not ready (a database, the bus). */
export interface HealthCheck {
  name: string;
  check(): Promise<boolean>;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, 'up' | 'down'>;
}

/** How long a readiness answer may wait on a dependency: a probe must wait longer than this to hear 'not ready'. */
export const CHECK_TIMEOUT_MS = 2000;

/**
 * How long an 'up' answer stands: load balancers and the gateway probe every process every few
 * seconds, once per module it hosts, and an idle process should not spend its CPU answering them
 * with a round trip to each dependency.
 */
const UP_STANDS_FOR_MS = 5_000;

/**
 * The check, with an 'up' answer standing for `forMs` and probes that arrive while one is under
 * way sharing it. A 'down' answer is never remembered, and a question that has gone unanswered
 * for longer than a probe waits is not shared any more: a client library stuck retrying one
 * request would otherwise keep the process unready long after the dependency came back.
 */
export function upStandsFor(check: HealthCheck, forMs = UP_STANDS_FOR_MS): HealthCheck {
  let upAt = Number.NEGATIVE_INFINITY;
  let asking: { since: number; answer: Promise<boolean> } | undefined;
  return {
    name: check.name,
    check() {
      const now = Date.now();
      if (now - upAt < forMs) return Promise.resolve(true);
      if (asking && now - asking.since < CHECK_TIMEOUT_MS) return asking.answer;
      const answer = check.check().then((up) => {
        if (up) upAt = Date.now();
        return up;
      });
      const current = { since: now, answer };
      asking = current;
      void answer
        .finally(() => {
          if (asking === current) asking = undefined;
        })
        .catch(() => undefined);
      return answer;
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
