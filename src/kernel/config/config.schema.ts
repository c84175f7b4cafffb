import { z } from 'zod';
import { parseIpOrCidr } from '../http/admin-allowlist.middleware.js';

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
    /** Browser origins CORS allows (`https://shop.example`, or `*`); none by default. */
    cors: z.object({ origins: commaList.pipe(z.array(z.union([z.literal('*'), z.url()]))).default([]) }).default({ origins: [] }),
    /** IPs and CIDRs admin routes accept calls from; empty (default) allows every address. */
    adminAllowList: commaList
      .pipe(z.array(z.string().refine((v) => parseIpOrCidr(v) !== undefined, 'expected an IP address or CIDR')))
      .default([]),
    /** Deepest nesting of arrays and objects a JSON body may have (deeper: 400). */
    maxJsonDepth: z.coerce.number().int().min(1).max(1000).default(32),
    /** Node's `maxHeaderSize`: bigger request heads get 431. */
    maxHeaderSize: z.coerce.number().int().min(1024).max(1_048_576).default(16_384),
    /** Node's `headersTimeout`: the request head must arrive within this (0 disables). */
    headersTimeoutMs: z.coerce.number().int().min(0).default(20_000),
    /** Node's `requestTimeout`: the whole request (head and body) must arrive within this (0 disables). */
    requestTimeoutMs: z.coerce.number().int().min(0).default(30_000),
  }),
  dataDir: z.string().min(1),
  /** `:memory:` keeps every module database in memory (tests). */
  sqlite: z.object({ inMemory: z.boolean() }),
  database: z.object({
    url: z.string().url().optional(),
    urls: z.record(z.string(), z.string().url()).default({}),
    /** Connections each module's PostgreSQL pool keeps open at least / opens at most (SQLite has one). */
    pool: z
      .object({
        min: z.coerce.number().int().min(0).max(100).default(1),
        // At least 2: a migration holds one connection for its lock while it works on another.
        max: z.coerce.number().int().min(2).max(100).default(10),
      })
      .refine((p) => p.min <= p.max, 'min must not exceed max')
      .default({ min: 1, max: 10 }),
  }),
  events: z.object({
    transport: z.enum(['memory', 'kafka']).optional(),
    kafkaBrokers: commaList.default([]),
    /** Prefix of Kafka topics (`<prefix>.<module>`) and consumer groups. */
    topicPrefix: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
    partitions: z.coerce.number().int().min(1).max(256),
    relayIntervalMs: z.coerce.number().int().min(10),
    relayBatchSize: z.coerce.number().int().min(1).max(10_000),
    kafka: z
      .object({
        /** After a commit, how long the relay waits for more before a pass (one Kafka request carries them all). */
        lingerMs: z.coerce.number().int().min(0).max(1000).default(0),
        /** `all` (idempotent producer, every in-sync replica) or `leader`. */
        acks: z.enum(['all', 'leader']).default('all'),
        compression: z.enum(['none', 'gzip']).default('none'),
        /** Deliveries a module's consumer group has in flight at once (each one handler transaction). */
        consumerConcurrency: z.coerce.number().int().min(1).max(1000).default(8),
        /** Most events of distinct subjects applied in one handler transaction (1: each on its own). */
        consumerBatchSize: z.coerce.number().int().min(1).max(1000).default(64),
        /** Events taken from one partition and not yet dealt with before that partition is paused. */
        maxBufferedPerPartition: z.coerce.number().int().min(1).max(100_000).default(1000),
        /** How long finished offsets may wait to be committed (commits are coalesced). */
        commitIntervalMs: z.coerce.number().int().min(0).max(60_000).default(100),
      })
      .default({ lingerMs: 0, acks: 'all', compression: 'none', consumerConcurrency: 8, consumerBatchSize: 64, maxBufferedPerPartition: 1000, commitIntervalMs: 100 }),
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
    /** Lifetime of each refresh token (rotated on every use); default 14 days. */
    refreshTokenTtlSeconds: z.coerce.number().int().min(1).max(31_536_000).default(1_209_600),
    /**
     * Failed sign-ins counted per account (normalized email, known or not) and per client IP in a
     * sliding window; past the limit each further failure locks for twice as long, up to the cap.
     */
    loginThrottle: z
      .object({
        windowMs: z.coerce.number().int().min(1).default(900_000),
        accountMaxFailures: z.coerce.number().int().min(1).default(5),
        ipMaxFailures: z.coerce.number().int().min(1).default(20),
        lockBaseMs: z.coerce.number().int().min(1).default(60_000),
        lockMaxMs: z.coerce.number().int().min(1).default(900_000),
      })
      .default({ windowMs: 900_000, accountMaxFailures: 5, ipMaxFailures: 20, lockBaseMs: 60_000, lockMaxMs: 900_000 }),
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
  /** Redis shared by the replicas of a process (rate-limit counters); unset keeps such state in memory. */
  redis: z.object({ url: z.string().url().optional() }).default({}),
  /** Rate limiting at the public edge (processes hosting the gateway); first matching group wins. */
  rateLimit: z.object({
    enabled: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    /** Prefix of the counters' keys (in Redis shared by every replica, so they share budgets). */
    keyPrefix: z.string().min(1).default('mercato:rl'),
    groups: z
      .array(
        z.object({
          name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
          method: z.string().regex(/^[A-Za-z]+$/).optional(),
          pathPrefix: z.string().startsWith('/'),
          points: z.coerce.number().int().min(1),
          durationSeconds: z.coerce.number().int().min(1),
          /** `ip` for endpoints anyone may call (sign-in, sign-up): a token must not buy a fresh budget. */
          by: z.enum(['client', 'ip']).default('client'),
        }),
      )
      .min(1),
  }),
});

export type AppConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
