import { expect } from 'vitest';
import type { HttpClient, HttpResponse } from './http-client.js';

/**
 * Every response the system has sent, read from its own request metrics (one histogram series per
 * method, route and status): the server's account, so nothing a test forgot to assert escapes.
 */
export async function responseSeries(http: HttpClient): Promise<string[]> {
  const res = await http.get<string>('/metrics');
  expect(res.status).toBe(200);
  return res.body.split('\n').filter((line) => line.startsWith('http_request_duration_seconds_count{'));
}

/** Asserts the system answered requests, and none of them with a 5xx. */
export async function expectNoServerErrors(http: HttpClient): Promise<void> {
  const series = await responseSeries(http);
  expect(series.length).toBeGreaterThan(0);
  expect(series.filter((line) => /status="5\d\d"/.test(line))).toEqual([]);
}

/** An RFC 9457 problem document with this status. */
export function expectProblem(res: HttpResponse, status: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
}

/**
 * A 400 problem whose `errors[]` name exactly these field paths (in any order, each at least once),
 * or, with `exact: false`, at least these.
 */
export function expectFieldErrors(res: HttpResponse, paths: string[], { exact = true } = {}): void {
  expectProblem(res, 400);
  const errors = (res.body as { errors?: { path: string; message: string }[] }).errors ?? [];
  for (const error of errors) expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
  const named = [...new Set(errors.map((e) => e.path))].sort();
  if (exact) expect(named).toEqual([...new Set(paths)].sort());
  else expect(named).toEqual(expect.arrayContaining(paths));
}
