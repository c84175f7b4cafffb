import type { ServerOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { problem } from './problem.middleware.js';

export interface HttpServerLimits {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * Node's own limits on what reaches koa: the size of a request head (431 beyond it), and how long
 * its head and whole request may take to arrive (slow clients are cut off with 408). Node checks
 * the timeouts every `connectionsCheckingInterval`, so that follows the shortest timeout.
 */
export function httpServerOptions(limits: HttpServerLimits): ServerOptions {
  const requestTimeout = limits.requestTimeoutMs;
  // Node refuses a head timeout longer than the whole request's.
  const headersTimeout = requestTimeout > 0 ? Math.min(limits.headersTimeoutMs || requestTimeout, requestTimeout) : limits.headersTimeoutMs;
  const shortest = Math.min(...[requestTimeout, headersTimeout].filter((ms) => ms > 0), 120_000);
  return {
    maxHeaderSize: limits.maxHeaderSize,
    requestTimeout,
    headersTimeout,
    connectionsCheckingInterval: Math.max(25, Math.min(30_000, Math.floor(shortest / 4))),
  };
}

const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADERS_TIMEOUT: 408,
};

const DETAIL_BY_STATUS: Record<number, string> = {
  400: 'The request is not valid HTTP.',
  408: 'The request took too long to arrive.',
  431: 'The request headers are too large.',
};

/**
 * The server's `clientError` listener: requests Node refuses before koa sees them (oversized
 * heads, timeouts, malformed HTTP) still get a problem document, and the connection is closed.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
    socket.destroy();
    return;
  }
  const status = STATUS_BY_CODE[err.code ?? ''] ?? 400;
  const doc = problem(status, DETAIL_BY_STATUS[status]);
  const body = JSON.stringify(doc);
  socket.end(
    `HTTP/1.1 ${status} ${doc.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
