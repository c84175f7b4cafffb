import type { Context } from 'koa';
import type Router from '@koa/router';
import type { AccessTokenVerifier, Principal } from '../auth/access-token.verifier.js';
import { bearerToken } from '../auth/bearer-token.js';
import { AdminAllowList } from './admin-allowlist.middleware.js';
import type { ApiRoute } from './api-route.js';
import { ForbiddenError, HttpError, UnauthorizedError } from '../errors/http.errors.js';
import { validateInput } from './validation.js';

/** Verifies the caller against the route's access rule; public routes never look at tokens. */
async function authorize(route: ApiRoute, ctx: Context, verifier: AccessTokenVerifier, adminAllowList: AdminAllowList): Promise<Principal | undefined> {
  if (route.access === 'public') return undefined;
  // Before the token is looked at: from outside the list an admin route does not exist for anyone.
  if (route.access === 'admin') adminAllowList.assert(ctx.ip);
  const token = bearerToken(ctx.get('authorization') || undefined);
  if (!token) throw new UnauthorizedError();
  const principal = await verifier.verify(token);
  if (route.access === 'admin' && principal.role !== 'admin') throw new ForbiddenError('This operation needs the admin role.');
  return principal;
}

function hasBody(ctx: Context): boolean {
  return Boolean(ctx.request.length) || ctx.get('transfer-encoding') !== '';
}

/** JSON is the only body we take; anything else is refused before it is parsed. */
function readBody(ctx: Context): unknown {
  if (!hasBody(ctx)) return undefined;
  if (!ctx.request.is('application/json')) {
    throw new HttpError(415, 'Unsupported Media Type', 'Send the body as application/json.');
  }
  // JSON is UTF-8 (RFC 8259 §8.1); a body declared in another charset is not read as if it were.
  const charset = ctx.request.charset;
  if (charset && !/^utf-?8$/i.test(charset)) {
    throw new HttpError(415, 'Unsupported Media Type', 'Send the body as application/json in UTF-8.');
  }
  return (ctx.request as { body?: unknown }).body;
}

export function mountRoutes(
  router: Router,
  routes: readonly ApiRoute[],
  verifier: AccessTokenVerifier,
  adminAllowList: AdminAllowList = new AdminAllowList([]),
): void {
  for (const route of routes) {
    router.register(route.path, [route.method.toUpperCase()], async (ctx: Context) => {
      const principal = await authorize(route, ctx, verifier, adminAllowList);
      const params = route.request?.params ? validateInput(route.request.params, ctx.params, 'params') : undefined;
      const query = route.request?.query ? validateInput(route.request.query, ctx.query, 'query') : undefined;
      const rawBody = route.request?.body ? readBody(ctx) : undefined;
      const body = route.request?.body ? validateInput(route.request.body, rawBody, 'body') : undefined;
      const result = await route.handle({ body, query, params, principal, headers: ctx.headers, ip: ctx.ip });
      for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
      ctx.status = result.status ?? 200;
      if (result.body !== undefined) ctx.body = result.body;
    });
  }
}
