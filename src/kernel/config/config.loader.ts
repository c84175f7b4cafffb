import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { configSchema, type AppConfig } from './config.schema.js';
import type { ConfiguredModule } from './module-config.js';

/** Raised for any configuration problem; its message is one line meant for the operator. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

/**
 * Environment variable → config path, for the kernel's settings. Module-suffixed variables are
 * handled below; each module maps its own variables into its slice (`ModuleConfig.env`).
 */
const ENV_PATHS: Record<string, string> = {
  NODE_ENV: 'env',
  MODULES: 'modules',
  HOST: 'http.host',
  PORT: 'http.port',
  METRICS_PORT: 'http.metricsPort',
  CORS_ORIGINS: 'http.cors.origins',
  ADMIN_ALLOW_IPS: 'http.adminAllowList',
  TRUST_PROXY: 'http.trustProxy',
  DATA_DIR: 'dataDir',
  DATABASE_URL: 'database.url',
  DATABASE_POOL_MIN: 'database.pool.min',
  DATABASE_POOL_MAX: 'database.pool.max',
  EVENT_BUS: 'events.transport',
  KAFKA_BROKERS: 'events.kafkaBrokers',
  KAFKA_TOPIC_PREFIX: 'events.topicPrefix',
  KAFKA_PARTITIONS: 'events.partitions',
  EVENT_OUTBOX_RETENTION_MS: 'events.retention.outboxMs',
  EVENT_INBOX_RETENTION_MS: 'events.retention.inboxMs',
  EVENT_PRUNE_INTERVAL_MS: 'events.retention.pruneIntervalMs',
  KAFKA_SSL: 'events.kafka.ssl.enabled',
  KAFKA_SSL_CA_FILE: 'events.kafka.ssl.caFile',
  KAFKA_SSL_CERT_FILE: 'events.kafka.ssl.certFile',
  KAFKA_SSL_KEY_FILE: 'events.kafka.ssl.keyFile',
  KAFKA_SSL_REJECT_UNAUTHORIZED: 'events.kafka.ssl.rejectUnauthorized',
  KAFKA_SASL_MECHANISM: 'events.kafka.sasl.mechanism',
  KAFKA_SASL_USERNAME: 'events.kafka.sasl.username',
  KAFKA_SASL_PASSWORD: 'events.kafka.sasl.password',
  KAFKA_LINGER_MS: 'events.kafka.lingerMs',
  KAFKA_ACKS: 'events.kafka.acks',
  KAFKA_COMPRESSION: 'events.kafka.compression',
  KAFKA_CONSUMER_CONCURRENCY: 'events.kafka.consumerConcurrency',
  KAFKA_CONSUMER_BATCH_SIZE: 'events.kafka.consumerBatchSize',
  KAFKA_CONSUMER_MAX_BUFFERED: 'events.kafka.maxBufferedPerPartition',
  KAFKA_COMMIT_INTERVAL_MS: 'events.kafka.commitIntervalMs',
  RELAY_INTERVAL_MS: 'events.relayIntervalMs',
  RELAY_BATCH_SIZE: 'events.relayBatchSize',
  LOG_LEVEL: 'log.level',
  AUTH_SIGNING_KEYS: 'auth.signingKeys',
  AUTH_JWKS_URL: 'auth.jwksUrl',
  SERVICE_TOKEN_KEYS: 'auth.serviceSigningKeys',
  SERVICE_TOKEN_JWKS_URL: 'auth.serviceJwksUrl',
  GATEWAY_UPSTREAM_TIMEOUT_MS: 'gateway.upstreamTimeoutMs',
  GATEWAY_DNS_REFRESH_MS: 'gateway.dnsRefreshMs',
  REDIS_URL: 'redis.url',
  RATE_LIMIT_ENABLED: 'rateLimit.enabled',
  API_DOCS_ENABLED: 'docs.enabled',
  // OpenTelemetry's own names (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
  OTEL_SDK_DISABLED: 'tracing.disabled',
  OTEL_SERVICE_NAME: 'tracing.serviceName',
  OTEL_RESOURCE_ATTRIBUTES: 'tracing.resourceAttributes',
  OTEL_TRACES_EXPORTER: 'tracing.exporters',
  OTEL_TRACES_SAMPLER: 'tracing.sampler',
  OTEL_TRACES_SAMPLER_ARG: 'tracing.samplerArg',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'tracing.otlp.endpoint',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'tracing.otlp.tracesEndpoint',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'tracing.otlp.protocol',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'tracing.otlp.protocol',
  OTEL_EXPORTER_OTLP_HEADERS: 'tracing.otlp.headers',
  OTEL_BSP_SCHEDULE_DELAY: 'tracing.exportDelayMs',
};
const PREFIXED_ENV_PATHS: Record<string, string> = {
  DATABASE_URL_: 'database.urls',
  SERVICE_URLS_: 'serviceUrls',
};
/** Read by the loader itself, not a config path. */
const LOADER_ENV = ['CONFIG_DIR'];

/**
 * Whether the configuration reads an environment variable of this name (deployment manifests are
 * checked against it: a misspelt name would otherwise be ignored silently).
 */
export function isKnownEnvVar(name: string, modules: readonly ConfiguredModule[] = []): boolean {
  if (name in ENV_PATHS || LOADER_ENV.includes(name)) return true;
  if (modules.some((m) => m.config?.env && name in m.config.env)) return true;
  return Object.keys(PREFIXED_ENV_PATHS).some(
    (prefix) => name.startsWith(prefix) && /^[A-Z0-9_]+$/.test(name.slice(prefix.length)) && name.length > prefix.length,
  );
}

/** Paths whose values must never be echoed in an error line. */
const SECRET_PATHS = [
  'tracing.otlp.headers',
  'events.kafka.sasl.password',
  'auth.signingKeys',
  'auth.serviceSigningKeys',
  'database.url',
  'database.urls',
  'redis.url',
];

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]!] = value;
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Json, v) : v;
  }
  return out;
}

function readJson(file: string): Json {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // Not the parser's message: V8 quotes the text around the error, which may be a secret.
    const reason = err instanceof SyntaxError ? 'not valid JSON' : ((err as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new ConfigError(`Invalid configuration: ${file} is not a JSON object (${reason})`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`Invalid configuration: ${file} is not a JSON object`);
  return parsed;
}

function fromEnv(env: Env, modules: readonly ConfiguredModule[]): Json {
  const paths: Record<string, string> = { ...ENV_PATHS };
  for (const { name, config } of modules) {
    for (const [variable, path] of Object.entries(config?.env ?? {})) paths[variable] = `${name}.${path}`;
  }
  const out: Json = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const path = paths[name];
    if (path) {
      setPath(out, path, value);
      continue;
    }
    for (const [prefix, base] of Object.entries(PREFIXED_ENV_PATHS)) {
      if (name.startsWith(prefix) && name.length > prefix.length) {
        setPath(out, `${base}.${name.slice(prefix.length).toLowerCase()}`, value);
      }
    }
  }
  return out;
}

function describe(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = [], secrets: readonly string[] = SECRET_PATHS): string {
  const path = [...prefix, ...issue.path].join('.');
  const secret = secrets.some((p) => path === p || path.startsWith(`${p}.`));
  return `${path || '(root)'}: ${secret ? 'invalid value' : issue.message}`;
}

/** Each module's slice, parsed with its own schema; problems are named by their full config path. */
function parseModuleSlices(merged: Json, modules: readonly ConfiguredModule[]): { slices: Record<string, unknown>; problems: string[] } {
  const slices: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const { name, config } of modules) {
    if (!config) continue;
    if (name in configSchema.shape) throw new ConfigError(`Module ${name} cannot have a configuration slice: ${name}.* is the kernel's`);
    const result = config.schema.safeParse(merged[name] ?? {});
    if (result.success) slices[name] = result.data;
    else
      problems.push(
        ...result.error.issues.map((issue) =>
          describe(
            issue,
            [name],
            (config.secrets ?? []).map((p) => `${name}.${p}`),
          ),
        ),
      );
  }
  return { slices, problems };
}

/**
 * Merges `config/default.json`, `config/<NODE_ENV>.json`, then the environment (which wins),
 * and validates the result: the kernel's settings, and the slice of each of `modules` (every
 * module of the codebase, hosted here or not, so a bad value is refused by every process alike).
 * Files are read from `configDir` (default: `CONFIG_DIR` or `./config`).
 */
export function loadConfig(
  env: Env,
  configDir = resolve(env.CONFIG_DIR ?? 'config'),
  overrides: Json = {},
  modules: readonly ConfiguredModule[] = [],
): AppConfig {
  const fromVars = fromEnv(env, modules);
  const envName = String((overrides as { env?: string }).env ?? env.NODE_ENV ?? 'development');
  const merged = [readJson(join(configDir, 'default.json')), readJson(join(configDir, `${envName}.json`)), fromVars, overrides].reduce(deepMerge, {
    env: envName,
  });
  const result = configSchema.safeParse(merged);
  const { slices, problems } = parseModuleSlices(merged, modules);
  const all = [...(result.success ? [] : result.error.issues.map((issue) => describe(issue))), ...problems];
  if (!result.success || all.length > 0) throw new ConfigError(`Invalid configuration: ${all.join('; ')}`);
  return { ...result.data, moduleConfig: slices };
}
