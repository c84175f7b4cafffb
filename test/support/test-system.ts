import 'reflect-metadata';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/kernel/config/config.loader.js';
import type { ModuleDefinition } from '../../src/kernel/module.js';
import { ALL_MODULES } from '../../src/runtimes/module.registry.js';
import { createSystem, type System, type SystemOptions } from '../../src/runtimes/system.factory.js';
import { publishedEventViolations } from './contract.js';

export const ADMIN = { email: 'admin@mercato.test', password: 'admin-password-1' };

export interface TestSystem {
  system: System;
  url: string;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  /** Environment-style settings on top of config/test.json (e.g. `{ MODULES: 'catalog' }`). */
  env?: Record<string, string>;
  /** Config overrides merged last (nested, as in config/*.json). */
  overrides?: Record<string, unknown>;
  /** Fixture modules instead of the real ones. */
  available?: readonly ModuleDefinition[];
  /** Captures the log lines (see createSystem). */
  logDestination?: SystemOptions['logDestination'];
  /** Receives every span (turns tracing on). */
  spanExporter?: SystemOptions['spanExporter'];
}

/** The real system, in this process, on in-memory databases and a random port. */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const config = loadConfig(
    { NODE_ENV: 'test', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ...options.env },
    undefined,
    options.overrides ?? {},
    options.available ?? ALL_MODULES,
  );
  const system = await createSystem(config, {
    ...(options.available ? { available: options.available } : {}),
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    ...(options.spanExporter ? { spanExporter: options.spanExporter } : {}),
  });
  const url = await system.listen();
  return {
    system,
    url,
    // Before it stops: every event it published must match the event catalogue (a contract test).
    async stop() {
      const violations = await publishedEventViolations(system);
      await system.stop();
      if (violations.length > 0) throw new Error(`Events that api/asyncapi.json does not describe:\n  - ${violations.join('\n  - ')}`);
    },
  };
}

/**
 * The system for the tests of the enclosing `describe` (or file): started before them, stopped
 * (with its published-events contract check) after them. The handle is read inside tests and
 * hooks, not while tests are being collected. Options may be computed by a function, which runs
 * in the start hook, after the hooks registered before this call.
 */
export function useTestSystem(options: TestSystemOptions | (() => TestSystemOptions | Promise<TestSystemOptions>) = {}): TestSystem {
  let current: TestSystem | undefined;
  beforeAll(async () => {
    current = await startTestSystem(typeof options === 'function' ? await options() : options);
  });
  afterAll(async () => {
    const running = current;
    current = undefined;
    await running?.stop();
  });
  const running = (): TestSystem => {
    if (!current) throw new Error('the test system is not running: use it inside a test or a hook');
    return current;
  };
  return {
    get system() {
      return running().system;
    },
    get url() {
      return running().url;
    },
    stop: () => running().stop(),
  };
}
