/**
 * Answers the tests' HTTP clients received, queued for the contract check (contract.ts), which
 * runs after each test (contract.setup.ts): compiling validators takes the event loop for a while,
 * which must not delay a server sharing the process while a timing-sensitive test runs.
 */
export interface ObservedResponse {
  method: string;
  /** The request path, with or without a query string. */
  path: string;
  status: number;
  headers: Headers;
  /** The body as text ('' when there was none). */
  text: string;
}

const observed: ObservedResponse[] = [];

export function recordResponse(res: ObservedResponse): void {
  observed.push(res);
}

/** Every answer queued since the last call. */
export function takeRecordedResponses(): ObservedResponse[] {
  return observed.splice(0);
}

/** A fetch for the generated client that queues every answer for the contract check. */
export async function contractCheckedFetch(input: Request): Promise<Response> {
  const response = await fetch(input);
  recordResponse({
    method: input.method,
    path: new URL(input.url).pathname,
    status: response.status,
    headers: response.headers,
    text: await response.clone().text(),
  });
  return response;
}
