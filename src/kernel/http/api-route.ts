import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Principal } from '../auth/access-token.verifier.js';

/** Who may call a route: anyone, any signed-in caller, or admins only. */
export type Access = 'public' | 'authenticated' | 'admin';

export interface RouteInput<B, Q, P, A extends Access> {
  body: B;
  query: Q;
  params: P;
  principal: A extends 'public' ? Principal | undefined : Principal;
  headers: IncomingHttpHeaders;
  /** The client's address as koa sees it (`ctx.ip`). */
  ip: string;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

/**
 * One HTTP operation, declared once: the same zod schemas validate requests and produce the
 * OpenAPI document, so the two cannot drift apart.
 */
export interface ApiRoute<B = any, Q = any, P = any, A extends Access = Access> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** koa-style path, e.g. `/api/v1/products/:id`. */
  path: string;
  summary: string;
  tags: string[];
  access: A;
  request?: { body?: z.ZodType<B>; query?: z.ZodType<Q>; params?: z.ZodType<P> };
  responses: Record<number, ResponseSpec>;
  handle(input: RouteInput<B, Q, P, A>): Promise<RouteResult>;
}

export function defineRoute<B = undefined, Q = undefined, P = undefined, A extends Access = Access>(
  route: ApiRoute<B, Q, P, A>,
): ApiRoute {
  return route as unknown as ApiRoute;
}
