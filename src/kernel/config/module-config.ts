import type { z } from 'zod';
import type { AppEnvironment } from './config.schema.js';

/**
 * A module's own slice of the configuration: `<module>.*` in config/*.json, plus the environment
 * variables it reads, validated at start with the kernel's settings and handed to that module
 * alone (`TOKENS.ModuleConfig` in its container).
 */
export interface ModuleConfig<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** Environment variable → path inside the slice, e.g. `SMTP_URL` → `smtpUrl`. */
  env?: Readonly<Record<string, string>>;
  /** Paths inside the slice whose values an error line never echoes. */
  secrets?: readonly string[];
}

/** What the configuration loader needs to know of a module. */
export interface ConfiguredModule {
  readonly name: string;
  readonly config?: ModuleConfig;
}

/**
 * The little of the process's own configuration every module may read (`TOKENS.ModuleEnvironment`):
 * everything else of the kernel's configuration is the kernel's business.
 */
export interface ModuleEnvironment {
  env: AppEnvironment;
  /** Where a module may keep files of its own (e.g. the payment sandbox's ledger). */
  dataDir: string;
  /** Databases live in memory (tests): nothing is meant to outlive the process. */
  ephemeral: boolean;
  /** Development convenience: modules seed demo data. */
  seedDemoData: boolean;
}
