import type { Context, Next } from 'koa';
import { UnauthorizedError } from '../http/http.errors.js';
import type { AccessTokenVerifier } from './access-token.verifier.js';
import { bearerToken } from './bearer-token.js';
import { SERVICE_TOKEN_HEADER, type ServiceTokenVerifier } from './service-tokens.js';

/** Paths a module process serves to anyone: probes, metrics scrapes, public keys and the API's documents. */
const OPEN_PATHS = [/^\/health\//, /^\/metrics$/, /^\/\.well-known\/jwks\.json$/, /^\/api\/(openapi|asyncapi)\.json$/];

/**
 * In a process behind the gateway, every other request must carry a valid user token or a service
 * token signed for one of this process's modules: reaching the port is not enough.
 */
export function zeroTrustMiddleware(users: AccessTokenVerifier, services: ServiceTokenVerifier) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (OPEN_PATHS.some((p) => p.test(ctx.path))) return next();
    const serviceToken = ctx.get(SERVICE_TOKEN_HEADER);
    const userToken = bearerToken(ctx.get('authorization') || undefined);
    if (serviceToken) {
      await services.verify(serviceToken);
      // Relayed by our gateway: the client is the last hop it appended, not the gateway's address.
      // Only then is X-Forwarded-For believed; any other caller could write it.
      const lastHop = ctx.get('x-forwarded-for').split(',').map((h) => h.trim()).filter(Boolean).pop();
      if (lastHop) ctx.request.ip = lastHop;
    } else if (userToken) await users.verify(userToken);
    else throw new UnauthorizedError('This service accepts only requests relayed by the gateway or carrying a user token.');
    await next();
  };
}
