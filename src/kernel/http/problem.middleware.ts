import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { DomainError } from '../errors/domain.error.js';
import { HttpError, type FieldError } from '../errors/http.errors.js';
import { httpErrorOf } from './domain-error.mapping.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

export function problem(status: number, detail?: string, errors?: FieldError[]): ProblemDocument {
  const title = TITLES[status] ?? (status < 500 ? 'Client Error' : 'Server Error');
  return {
    type: `https://mercato.dev/problems/${title.toLowerCase().replace(/[^a-z]+/g, '-')}`,
    title,
    status,
    ...(detail ? { detail } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** Errors from libraries (body parser, router) that carry a client status, like http-errors does. */
function clientStatusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

const LIBRARY_DETAILS: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON.',
  'entity.too.large': 'The request body is too large.',
  'encoding.unsupported': 'The request body encoding is not supported.',
  'request.aborted': 'The request was aborted.',
  'entity.verify.failed': 'The request body could not be verified.',
};

function describeLibraryError(err: unknown, status: number): string {
  const type = (err as { type?: unknown }).type;
  if (typeof type === 'string' && LIBRARY_DETAILS[type]) return LIBRARY_DETAILS[type]!;
  if (err instanceof SyntaxError || status === 400) return 'The request body is not valid JSON.';
  return (err as Error).message;
}

/**
 * Turns every error into an RFC 9457 problem document. Client errors say what was wrong; server
 * errors say nothing about internals and are logged with the request id.
 */
export function problemMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        sendProblem(ctx, problem(404, `No route for ${ctx.method} ${ctx.path}.`));
      } else if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        // Set by the router's allowedMethods, with the Allow header kept.
        sendProblem(ctx, problem(ctx.status, `${ctx.method} is not ${ctx.status === 405 ? 'allowed here' : 'implemented'}.`));
      }
    } catch (thrown) {
      const err = thrown instanceof DomainError ? httpErrorOf(thrown) : thrown;
      if (err instanceof HttpError) {
        for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
        sendProblem(ctx, problem(err.status, err.message, err.errors));
        return;
      }
      const status = clientStatusOf(err);
      if (status) {
        const headers = (err as { headers?: Record<string, string> }).headers ?? {};
        for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
        sendProblem(ctx, problem(status, status === 405 ? `${ctx.method} is not allowed here.` : describeLibraryError(err, status)));
        return;
      }
      logger.error({ err }, 'unhandled error');
      sendProblem(ctx, problem(500, 'An unexpected error occurred.'));
    }
  };
}

export function sendProblem(ctx: Context, doc: ProblemDocument): void {
  ctx.status = doc.status;
  ctx.body = { ...doc, instance: ctx.path };
  // Set after the body: assigning an object body resets the type to plain JSON.
  ctx.type = PROBLEM_CONTENT_TYPE;
}
