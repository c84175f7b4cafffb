/** One route group of the rate limit: requests matching it share a budget per client. */
export interface RateLimitGroup {
  name: string;
  /** HTTP method to match (any when absent). */
  method?: string | undefined;
  pathPrefix: string;
  points: number;
  durationSeconds: number;
  /** Who is counted: the authenticated user when there is one (`client`), or always the IP. */
  by: 'client' | 'ip';
}

/**
 * Never limited: the liveness probe (cheap, and a platform must always get through) and public keys.
 * Readiness (which runs every health check) and metrics (which tell about the system) are counted
 * like any request on the public port; give scrapers their own port with `METRICS_PORT`.
 */
const EXEMPT = [/^\/health\/live$/, /^\/\.well-known\//];

export function isExempt(path: string): boolean {
  return EXEMPT.some((re) => re.test(path));
}

/**
 * The first group (in configuration order) whose method and path prefix match. Paths match without
 * regard to letter case, as the router's routes do (`/API/V1/AUTH/TOKEN` is the token endpoint, so it
 * must be counted as one).
 */
export function matchGroup(groups: readonly RateLimitGroup[], method: string, path: string): RateLimitGroup | undefined {
  return groups.find((g) => (!g.method || g.method.toUpperCase() === method.toUpperCase()) && pathMatches(g.pathPrefix, path));
}

function pathMatches(configured: string, requested: string): boolean {
  const prefix = configured.toLowerCase();
  const path = requested.toLowerCase();
  if (prefix === '/' || path === prefix) return true;
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return path.startsWith(base);
}

/**
 * Headers of draft-ietf-httpapi-ratelimit-headers (the `limit=, remaining=, reset=` form of draft 07):
 * `RateLimit-Policy: 10;w=60` and `RateLimit: limit=10, remaining=3, reset=42` (reset in seconds).
 */
export function rateLimitHeaders(group: RateLimitGroup, remaining: number, msBeforeNext: number): Record<string, string> {
  const reset = Math.max(0, Math.ceil(msBeforeNext / 1000));
  return {
    'RateLimit-Policy': `${group.points};w=${group.durationSeconds}`,
    RateLimit: `limit=${group.points}, remaining=${Math.max(0, remaining)}, reset=${reset}`,
  };
}
