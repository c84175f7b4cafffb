import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 (the last release) keeps every broker connection in a 1 ms timer loop once it
 * has answered a request: `checkPendingRequests` always reschedules itself, with a negative delay
 * when nothing is throttled, even when no request is pending (tulios/kafkajs#1556 and #1704; the
 * fix, #1667, was never released). An idle process spent several per cent of a core on it.
 *
 * This replaces that method with the fixed version: with nothing pending and no throttling there
 * is nothing to check (a new request is sent at once or queued, and queueing schedules a check;
 * every response checks the queue). It also checks in-flight requests for their timeout once a
 * second rather than ten times (a request times out after 30 s by default: a second late at
 * most), so an idle connection wakes the process once a second. Applied once, when the Kafka
 * transport is loaded.
 */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const REQUEST_TIMEOUT_CHECK_INTERVAL_MS = 1000;

interface RequestQueueLike {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  inflight: Map<number, { sentAt: number; requestTimeout: number; timeoutRequest(): void }>;
  enforceRequestTimeout: boolean;
  requestTimeout: number;
  requestTimeoutIntervalId?: NodeJS.Timeout;
  checkPendingRequests(): void;
  isConnected(): boolean;
  destroy(): void;
}

let applied = false;

export function patchKafkajsIdleLoop(): void {
  if (applied) return;
  applied = true;
  const require = createRequire(import.meta.url);
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueLike & { scheduleCheckPendingRequests(): void; scheduleRequestTimeoutCheck(): void };
  };
  RequestQueue.prototype.scheduleRequestTimeoutCheck = function scheduleRequestTimeoutCheck(this: RequestQueueLike): void {
    if (!this.enforceRequestTimeout) return;
    this.destroy();
    this.requestTimeoutIntervalId = setInterval(
      () => {
        this.inflight.forEach((request) => {
          if (Date.now() - request.sentAt > request.requestTimeout) request.timeoutRequest();
        });
        if (!this.isConnected()) this.destroy();
      },
      Math.min(this.requestTimeout, REQUEST_TIMEOUT_CHECK_INTERVAL_MS),
    );
  };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike): void {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL_MS;
    else if (scheduleAt <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
}
