import type { Context, Middleware, Next } from 'koa';
import { BadRequestError } from '../errors/http.errors.js';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a string can be stored and read back as it is: no lone surrogate (no UTF-8 encoder keeps
 * it) and no NUL (SQLite drivers and PostgreSQL refuse or cut it).
 */
export function isStorableText(text: string): boolean {
  return !LONE_SURROGATE.test(text) && !text.includes('\u0000');
}

/**
 * What is wrong with a parsed JSON body that its syntax allowed: nesting deeper than `maxDepth`
 * (a cheap way to make every later recursive walk — validation, logging, ORMs — costly), or a
 * string (value or key) with a lone UTF-16 surrogate or a NUL, which databases do not store
 * faithfully. Iterative, so a hostile body cannot overflow the stack here either.
 */
export function jsonBodyProblem(value: unknown, maxDepth: number): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (LONE_SURROGATE.test(current)) return 'The request body contains a string with a lone surrogate.';
      if (current.includes('\u0000')) return 'The request body contains a string with a NUL character.';
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return `The request body is nested deeper than ${maxDepth} levels.`;
    const children = Array.isArray(current) ? current : Object.values(current);
    if (!Array.isArray(current)) {
      for (const key of Object.keys(current)) if (!isStorableText(key)) return 'The request body contains a key with a lone surrogate or NUL.';
    }
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

/** Refuses (400) parsed JSON bodies that are too deeply nested or not well-formed Unicode; runs after the body parser. */
export function jsonGuard(maxDepth: number) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const body = (ctx.request as { body?: unknown }).body;
    if (body !== undefined && ctx.request.is('json')) {
      const issue = jsonBodyProblem(body, maxDepth);
      if (issue) throw new BadRequestError(issue, [{ path: '', message: issue }]);
    }
    await next();
  };
}

/** zlib's and brotli's errors (`Z_DATA_ERROR`, `ERR__ERROR_FORMAT_PADDING_1`, ...) carry no HTTP status. */
function isDecompressionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(Z_|ERR__|ERR_BROTLI|ERR_ZLIB)/.test(code);
}

/**
 * Runs the body parser, turning a body that does not decompress as its `Content-Encoding` says
 * (gzip, deflate, br) into a 400 instead of a 500. Errors from later middleware pass through untouched.
 */
export function decodingErrorsAsBadRequest(parser: Middleware): Middleware {
  return async (ctx, next) => {
    let parsed = false;
    try {
      await parser(ctx, async () => {
        parsed = true;
        await next();
      });
    } catch (err) {
      if (!parsed && isDecompressionError(err)) throw new BadRequestError('The request body does not match its Content-Encoding.');
      throw err;
    }
  };
}
