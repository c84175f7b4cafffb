import type { Context, Next } from 'koa';
import { UnauthorizedError } from '../errors/http.errors.js';
import { SERVICE_TOKEN_HEADER, type ServiceTokenVerifier } from './service-tokens.js';

/** Paths a module process serves to anyone: probes, metrics scrapes, public keys and the API's documents. */
const OPEN_PATHS = [/^\/health\/(live|ready)$/, /^\/metrics$/, /^\/\.well-known\/jwks\.json$/, /^\/api\/(openapi|asyncapi)\.json$/];

/**
 * In a process behind the gateway, every other request must carry a service token the gateway
 * signed for one of this process's modules: reaching the port is not enough, and neither is a user
 * token (a client calling the process directly would skip the gateway's rate limits). The user's
 * own token, relayed alongside, is then checked by each route as usual.
 */
export function zeroTrustMiddleware(services: ServiceTokenVerifier) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (OPEN_PATHS.some((p) => p.test(ctx.path))) return next();
    const serviceToken = ctx.get(SERVICE_TOKEN_HEADER);
    if (!serviceToken) throw new UnauthorizedError('This service accepts only requests relayed by the gateway.');
    await services.verify(serviceToken);
    // Relayed by our gateway: the client is the last hop it appended, not the gateway's address.
    // Only then is X-Forwarded-For believed; any other caller could write it.
    const lastHop = ctx
      .get('x-forwarded-for')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean)
      .pop();
    if (lastHop) ctx.request.ip = lastHop;
    await next();
  };
}
