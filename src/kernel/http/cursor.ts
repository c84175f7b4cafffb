import { z } from 'zod';
import { BadRequestError } from '../errors/http.errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `?limit&cursor` of every paginated list. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

/** Cursors are opaque to clients: the last id of a page, base64url-encoded. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string' && UUID.test(after)) return after;
  } catch {
    // fall through: any undecodable cursor is the client's error
  }
  throw new BadRequestError('The cursor is not valid.', [{ path: 'query.cursor', message: 'Invalid cursor' }]);
}

/** The cursor for the page after `items`, or null when there is none. */
export function nextCursor(items: readonly { id: string }[], hasMore: boolean): string | null {
  const last = items[items.length - 1];
  return hasMore && last ? encodeCursor(last.id) : null;
}
