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
