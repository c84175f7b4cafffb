import 'reflect-metadata';
import { ConfigError, loadConfig } from '../kernel/config/config.loader.js';
import type { ModuleDefinition } from '../kernel/module.js';
import { ModuleSelectionError } from './module.selector.js';
import { StartupError } from './startup.error.js';
import { createSystem, type System } from './system.factory.js';

const SHUTDOWN_GRACE_MS = 15_000;

function refuse(message: string): never {
  process.stderr.write(`mercato: refusing to start: ${message}\n`);
  process.exit(1);
}

function isOperatorError(err: unknown): err is Error {
  if (err instanceof ConfigError || err instanceof StartupError || err instanceof ModuleSelectionError) return true;
  const code = (err as { code?: unknown })?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL';
}

/**
 * One Mercato process: configuration from the environment, the modules MODULES selects among
 * `available`, signals for a graceful stop. Operator errors end it with one line and exit code 1.
 */
export async function runProcess(available: readonly ModuleDefinition[]): Promise<void> {
  let system: System | undefined;
  let stopRequested: string | undefined;

  const shutdown = (signal: string) => {
    if (stopRequested) return;
    stopRequested = signal;
    // A signal during start-up is honoured once the system exists (see below).
    if (system) void stop(system, signal);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    // Not assumed: development means keys on disk, loose limits and demo data. `npm start` and
    // `npm run start:split` say development, `npm run start:dist` says production.
    if (!process.env.NODE_ENV) throw new ConfigError('NODE_ENV is not set: set NODE_ENV=production (or development, or test)');
    const config = loadConfig(process.env, undefined, {}, available);
    system = await createSystem(config, { available });
    if (!stopRequested) await system.listen();
  } catch (err) {
    if (isOperatorError(err)) refuse(err.message);
    throw err;
  }
  if (stopRequested) await stop(system, stopRequested);
}

async function stop(system: System, signal: string): Promise<void> {
  system.logger.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    system.logger.error('graceful shutdown timed out');
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  deadline.unref();
  try {
    await system.stop();
    process.exit(0);
  } catch (err) {
    system.logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}

/** Runs `runProcess` as a program's main: anything unexpected ends the process loudly. */
export function runAsMain(available: readonly ModuleDefinition[]): void {
  runProcess(available).catch((err: unknown) => {
    process.stderr.write(`mercato: failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
