import { Agent, fetch as undiciFetch } from 'undici';
import { recordResponse } from './contract-recorder.js';
import type { UncheckedJson } from './json.js';

/** A thin fetch wrapper for tests: JSON in, parsed JSON (or text) out, with status and headers. */
export interface HttpResponse<T = UncheckedJson> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  /** An object is sent as JSON; a string is sent as is (for malformed bodies). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HttpClientOptions {
  /**
   * The loopback address requests leave from (`127.0.0.2`, …: all of 127.0.0.0/8 is this machine),
   * so that a test can be several clients with different addresses.
   */
  localAddress?: string;
  /**
   * Check every answer against api/openapi.json (a contract test); on by default. Off only for a
   * process that is not the public API (a module process behind the gateway, reached directly).
   */
  contract?: boolean;
}

export function httpClient(baseUrl: string, { localAddress, contract = true }: HttpClientOptions = {}) {
  const dispatcher = localAddress ? new Agent({ localAddress }) : undefined;
  const send = (url: string, init: { method: string; headers: Record<string, string>; body: string | undefined }) =>
    dispatcher ? (undiciFetch(url, { ...init, dispatcher }) as unknown as Promise<Response>) : fetch(url, init);
  async function request<T = UncheckedJson>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await send(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    if (contract) recordResponse({ method, path, status: response.status, headers: response.headers, text });
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
  return {
    request,
    get: <T = UncheckedJson>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
    post: <T = UncheckedJson>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
    patch: <T = UncheckedJson>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
    /** Signs up (if needed) and returns a bearer token. */
    async token(email: string, password: string): Promise<string> {
      const res = await request<{ access_token: string }>('POST', '/api/v1/auth/token', { body: { email, password } });
      if (res.status !== 200) throw new Error(`token for ${email}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.access_token;
    },
    async signUp(email: string, password = 'customer-password-1', name = 'Test Customer'): Promise<{ id: string; token: string }> {
      const res = await request<{ id: string }>('POST', '/api/v1/users', { body: { email, password, name } });
      if (res.status !== 201) throw new Error(`sign up ${email}: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id, token: await this.token(email, password) };
    },
  };
}

export type HttpClient = ReturnType<typeof httpClient>;
