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

/** Response headers the API document describes once (`components.headers`) and operations refer to. */
export type DocumentedHeader = 'Location' | 'Cache-Control' | 'Retry-After';

/** A named example of a request or response body, shown by the reference page. */
export interface Example {
  summary: string;
  value: unknown;
}

export interface ResponseSpec {
  description: string;
  /**
   * The body's schema. Without one, an error status (4xx/5xx) is a problem document
   * (`application/problem+json`) and a success has no described body.
   */
  schema?: z.ZodType;
  /** The body's media type(s) when it is not `application/json` (e.g. `text/plain`). */
  contentType?: string | readonly string[];
  /** Headers this response always carries. */
  headers?: readonly DocumentedHeader[];
  examples?: Record<string, Example>;
}

/**
 * One HTTP operation as the API document describes it: everything but the code that answers it.
 * Declarations are plain data, so a process can describe routes it does not serve (the gateway's
 * document lists every module's operations, hosted or not).
 */
export interface ApiOperation<B = unknown, Q = unknown, P = unknown, A extends Access = Access> {
  /** Unique over the whole API; the name a generated client calls the operation by. */
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** koa-style path, e.g. `/api/v1/products/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  access: A;
  request?: {
    body?: z.ZodType<B>;
    query?: z.ZodType<Q>;
    params?: z.ZodType<P>;
    examples?: Record<string, Example>;
  };
  /** The operation honours an `Idempotency-Key` header (a retry with the same key answers the first result). */
  idempotencyKey?: boolean;
  responses: Record<number, ResponseSpec>;
}

export type RouteHandler<B = unknown, Q = unknown, P = unknown, A extends Access = Access> = (input: RouteInput<B, Q, P, A>) => Promise<RouteResult>;

/**
 * One HTTP operation with its handler: the same zod schemas validate requests and produce the
 * OpenAPI document, so the two cannot drift apart.
 */
export interface ApiRoute<B = unknown, Q = unknown, P = unknown, A extends Access = Access> extends ApiOperation<B, Q, P, A> {
  handle: RouteHandler<B, Q, P, A>;
}

/** Declares an operation; the request types flow from its schemas into the handler given to `implement`. */
export function defineOperation<B = undefined, Q = undefined, P = undefined, A extends Access = Access>(
  operation: ApiOperation<B, Q, P, A>,
): ApiOperation<B, Q, P, A> {
  return operation;
}

type HandlerFor<O> = O extends ApiOperation<infer B, infer Q, infer P, infer A> ? RouteHandler<B, Q, P, A> : never;

/** A module's (or the kernel's) operations by name. */
export type OperationSet = Record<string, ApiOperation<unknown, unknown, unknown, Access>>;

/** Binds a handler to every declared operation; a missing or unknown handler does not type-check. */
export function implement<S extends OperationSet>(operations: S, handlers: { [K in keyof S]: HandlerFor<S[K]> }): ApiRoute[] {
  return Object.entries(operations).map(([name, operation]) => {
    const handle = handlers[name as keyof S] as RouteHandler | undefined;
    if (!handle) throw new Error(`No handler for operation ${operation.operationId}`);
    return { ...operation, handle } as ApiRoute;
  });
}
