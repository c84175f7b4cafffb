import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/** The whole configuration of one process, after files and environment are merged. */
export const configSchema = z.object({
  env: z.enum(['development', 'test', 'production']),
  /** Raw `MODULES` value; the runtime selector parses it. */
  modules: z.string().default('all'),
  http: z.object({
    host: z.string().min(1),
    port,
    bodyLimit: z.string().regex(/^\d+(b|kb|mb)$/),
  }),
  dataDir: z.string().min(1),
  /** `:memory:` keeps every module database in memory (tests). */
  sqlite: z.object({ inMemory: z.boolean() }),
  database: z.object({
    url: z.string().url().optional(),
    urls: z.record(z.string(), z.string().url()).default({}),
  }),
  events: z.object({
    transport: z.enum(['memory', 'kafka']).optional(),
    kafkaBrokers: commaList.default([]),
    /** Prefix of Kafka topics (`<prefix>.<module>`) and consumer groups. */
    topicPrefix: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
    partitions: z.coerce.number().int().min(1).max(256),
    relayIntervalMs: z.coerce.number().int().min(10),
    relayBatchSize: z.coerce.number().int().min(1).max(10_000),
    retry: z.object({
      maxAttempts: z.coerce.number().int().min(1).max(20),
      initialDelayMs: z.coerce.number().int().min(1),
      maxDelayMs: z.coerce.number().int().min(1),
    }),
  }),
  log: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    pretty: z.boolean(),
  }),
  auth: z.object({
    issuer: z.string().min(1),
    audience: z.string().min(1),
    accessTokenTtlSeconds: z.coerce.number().int().min(30).max(86_400),
    /** JSON array of private JWKs, newest first. Required in production. */
    signingKeys: z.string().optional(),
    /** Where processes that do not host the user module fetch its public keys. */
    jwksUrl: z.string().url().optional(),
    /** The gateway's keys for service tokens (JSON array of private ES256 JWKs). Required in production. */
    serviceSigningKeys: z.string().optional(),
    /** Where module processes fetch the gateway's service-token keys (default: from SERVICE_URLS_GATEWAY). */
    serviceJwksUrl: z.string().url().optional(),
  }),
  admin: z.object({
    email: z.string().email().optional(),
    password: z.string().min(8).optional(),
  }),
  seedDemoData: z.boolean(),
  notification: z.object({
    /** SMTP server for outgoing mail (smtp://user:pass@host:port); unset logs messages instead. */
    smtpUrl: z.string().url().optional(),
    from: z.string().min(3),
    pollIntervalMs: z.coerce.number().int().min(10),
    maxAttempts: z.coerce.number().int().min(1).max(50),
  }),
  serviceUrls: z.record(z.string(), commaList).default({}),
  gateway: z.object({
    upstreamTimeoutMs: z.coerce.number().int().min(100),
    healthIntervalMs: z.coerce.number().int().min(100),
    healthTimeoutMs: z.coerce.number().int().min(100),
    breakerThreshold: z.coerce.number().int().min(1),
    breakerHalfOpenMs: z.coerce.number().int().min(100),
  }),
});

export type AppConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
