import 'reflect-metadata';
import { ConfigError, loadConfig } from '../kernel/config/config.loader.js';
import { ModuleSelectionError } from './module.selector.js';
import { StartupError } from './startup.error.js';
import { createSystem, type System } from './system.factory.js';

const SHUTDOWN_GRACE_MS = 15_000;

function refuse(message: string): never {
  process.stderr.write(`mercato: refusing to start: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let system: System;
  try {
    const config = loadConfig(process.env);
    system = await createSystem(config);
    await system.listen();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError || err instanceof ModuleSelectionError) refuse(err.message);
    throw err;
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    system.logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      system.logger.error('graceful shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    deadline.unref();
    system.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        system.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`mercato: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
