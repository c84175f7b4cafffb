import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  requestId: string;
}

/**
 * Carries the current request's id through async calls so that every log line written while
 * serving it (in any module, at any depth) names the request without passing it around.
 */
export class RequestContext {
  private readonly storage = new AsyncLocalStorage<RequestScope>();

  run<T>(scope: RequestScope, fn: () => T): T {
    return this.storage.run(scope, fn);
  }

  current(): RequestScope | undefined {
    return this.storage.getStore();
  }
}
