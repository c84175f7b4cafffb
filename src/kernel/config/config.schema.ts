import { z } from 'zod';
import { parseIpOrCidr } from './ip-address.js';

const port = z.coerce.number().int().min(0).max(65535);
const commaList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

const booleanish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/**
 * `TRUST_PROXY`: a number of proxy hops in front of the process (`1` for one load balancer), or
 * a comma list of the proxies' addresses/CIDRs; `0`, `false` or unset trust none.
 */
const trustProxy = z.union([z.number(), z.string(), z.array(z.string())]).transform((v, ctx): { hops: number } | { addresses: string[] } => {
  if (typeof v === 'number' || (typeof v === 'string' && /^\s*\d+\s*$/.test(v))) {
    const hops = Number(v);
    if (!Number.isInteger(hops) || hops < 0 || hops > 32) ctx.addIssue({ code: 'custom', message: 'expected 0 to 32 hops' });
    return { hops };
  }
  if (v === 'false' || v === '') return { hops: 0 };
  const addresses = (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (addresses.length === 0) return { hops: 0 };
  const bad = addresses.filter((a) => parseIpOrCidr(a) === undefined);
  if (bad.length > 0) ctx.addIssue({ code: 'custom', message: 'expected a number of hops or a comma list of IP addresses/CIDRs' });
  return { addresses };
});

export const appEnvironment = z.enum(['development', 'test', 'production']);
export type AppEnvironment = z.infer<typeof appEnvironment>;

/**
 * The kernel's configuration of one process, after files and environment are merged: what the
 * runtime, the HTTP layer, the event bus and the databases need. Each module declares its own
 * slice (`ModuleDefinition.config`), validated with this and handed only to that module.
 */
export const configSchema = z.object({
  env: appEnvironment,
  /** Raw `MODULES` value; the runtime selector parses it. */
  modules: z.string().default('all'),
  http: z.object({
    host: z.string().min(1),
    port,
    bodyLimit: z.string().regex(/^\d+(b|kb|mb)$/),
    /** Browser origins CORS allows (`https://shop.example`, or `*`); none by default. */
    cors: z.object({ origins: commaList.pipe(z.array(z.union([z.literal('*'), z.url()]))).default([]) }).default({ origins: [] }),
    /** IPs and CIDRs admin routes accept calls from; empty (default) allows every address. */
    adminAllowList: commaList.pipe(z.array(z.string().refine((v) => parseIpOrCidr(v) !== undefined, 'expected an IP address or CIDR'))).default([]),
    /** A port of its own for `/metrics` (then not served on the public port); unset keeps it on `port`. */
    metricsPort: port.optional(),
    /** Proxies believed about the client address (X-Forwarded-For) in processes serving the public. */
    trustProxy: trustProxy.default({ hops: 0 }),
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
    /**
     * Connections of each module's PostgreSQL pool (one pool per module per process). The split
     * deployment of bench/ has 8 module pools; knex's default of 10 each came close to PostgreSQL's
     * default max_connections of 100, for no throughput on a small server.
     */
    pool: z
      .object({
        min: z.coerce.number().int().min(0).max(100),
        max: z.coerce.number().int().min(2).max(100),
        /** An idle connection above `min` is closed after this long. */
        idleTimeoutMs: z.coerce.number().int().min(1_000),
      })
      .refine((p) => p.min <= p.max, 'database.pool.min must not be above database.pool.max'),
  }),
  events: z.object({
    transport: z.enum(['memory', 'kafka']).optional(),
    kafkaBrokers: commaList.default([]),
    /** Prefix of Kafka topics (`<prefix>.<module>`) and consumer groups. */
    topicPrefix: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
    partitions: z.coerce.number().int().min(1).max(256),
    relayIntervalMs: z.coerce.number().int().min(10),
    relayBatchSize: z.coerce.number().int().min(1).max(10_000),
    /**
     * The Kafka client. How clients authenticate to the brokers and protect the connection: TLS (`KAFKA_SSL*`) and
     * SASL (`KAFKA_SASL_*`, PLAIN or SCRAM). Without them anyone who reaches a broker can read and
     * write every topic.
     */
    kafka: z
      .object({
        ssl: z
          .object({
            enabled: booleanish.default(false),
            /** PEM files: the CA that signed the brokers' certificates, and a client certificate and key (mutual TLS). */
            caFile: z.string().min(1).optional(),
            certFile: z.string().min(1).optional(),
            keyFile: z.string().min(1).optional(),
            rejectUnauthorized: booleanish.default(true),
          })
          .default({ enabled: false, rejectUnauthorized: true }),
        sasl: z
          .object({
            mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
            username: z.string().min(1).optional(),
            password: z.string().min(1).optional(),
          })
          .refine((s) => !s.mechanism || (s.username && s.password), 'KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD')
          .refine((s) => s.mechanism || (!s.username && !s.password), 'KAFKA_SASL_USERNAME/PASSWORD need KAFKA_SASL_MECHANISM')
          .default({}),
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
      .default({
        ssl: { enabled: false, rejectUnauthorized: true },
        sasl: {},
        lingerMs: 0,
        acks: 'all',
        compression: 'none',
        consumerConcurrency: 8,
        consumerBatchSize: 64,
        maxBufferedPerPartition: 1000,
        commitIntervalMs: 100,
      }),
    retry: z.object({
      maxAttempts: z.coerce.number().int().min(1).max(20),
      initialDelayMs: z.coerce.number().int().min(1),
      maxDelayMs: z.coerce.number().int().min(1),
    }),
    /**
     * How long relayed outbox rows (the log a late joiner replays in memory) and inbox records (what
     * deduplicates redeliveries) are kept before pruning. An event can be redelivered only while its
     * outbox row exists, so the inbox keeps its records at least as long.
     */
    retention: z
      .object({
        outboxMs: z.coerce.number().int().min(1_000),
        inboxMs: z.coerce.number().int().min(1_000),
        pruneIntervalMs: z.coerce.number().int().min(100),
      })
      .refine((r) => r.inboxMs >= r.outboxMs, { message: 'the inbox retention must be at least the outbox retention', path: ['inboxMs'] }),
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
  /** Development convenience: the catalog and inventory seed demo products with stock. */
  seedDemoData: z.boolean(),
  serviceUrls: z.record(z.string(), commaList).default({}),
  gateway: z.object({
    upstreamTimeoutMs: z.coerce.number().int().min(100),
    healthIntervalMs: z.coerce.number().int().min(100),
    healthTimeoutMs: z.coerce.number().int().min(100),
    breakerThreshold: z.coerce.number().int().min(1),
    breakerHalfOpenMs: z.coerce.number().int().min(100),
    /**
     * How often DNS names in SERVICE_URLS_<MODULE> are resolved again (every address of a name is
     * an instance: compose `--scale` replicas, pods behind a headless Service); 0 resolves once.
     */
    dnsRefreshMs: z.coerce.number().int().min(0).default(5_000),
  }),
  /** The API reference page at `/docs` (the documents themselves are always served). */
  docs: z.object({ enabled: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]) }).default({ enabled: true }),
  /** Redis shared by the replicas of a process (rate-limit counters); unset keeps such state in memory. */
  redis: z.object({ url: z.string().url().optional() }).default({}),
  /**
   * OpenTelemetry tracing, set only through the standard `OTEL_*` variables; off unless
   * `OTEL_TRACES_EXPORTER` names an exporter. See src/kernel/observability/tracing/.
   */
  tracing: z
    .object({
      disabled: booleanish.default(false),
      /** Default: `mercato` for the all-in-one process, else `mercato-<modules>`. */
      serviceName: z.string().min(1).optional(),
      /** `key=value,key=value` (W3C baggage format, values percent-decoded). */
      resourceAttributes: z.string().default(''),
      exporters: commaList.pipe(z.array(z.enum(['otlp', 'console', 'none']))).default(['none']),
      sampler: z
        .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
        .default('parentbased_always_on'),
      /** The ratio of the `traceidratio` samplers (0 to 1); default 1. */
      samplerArg: z.coerce.number().min(0).max(1).optional(),
      /** How long finished spans wait to be exported together (OTLP). */
      exportDelayMs: z.coerce.number().int().min(1).max(60_000).default(5_000),
      otlp: z
        .object({
          /** Base URL; traces go to `<endpoint>/v1/traces`. */
          endpoint: z.url().default('http://localhost:4318'),
          /** Used as is (no path appended), when set. */
          tracesEndpoint: z.url().optional(),
          protocol: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
          /** `key=value,key=value`, sent with every export (e.g. an API key). */
          headers: z.string().default(''),
        })
        .default({ endpoint: 'http://localhost:4318', protocol: 'http/protobuf', headers: '' }),
    })
    .default({
      disabled: false,
      resourceAttributes: '',
      exporters: ['none'],
      sampler: 'parentbased_always_on',
      exportDelayMs: 5_000,
      otlp: { endpoint: 'http://localhost:4318', protocol: 'http/protobuf', headers: '' },
    }),
  /** Rate limiting at the public edge (processes hosting the gateway); first matching group wins. */
  rateLimit: z.object({
    enabled: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    /** Prefix of the counters' keys (in Redis shared by every replica, so they share budgets). */
    keyPrefix: z.string().min(1).default('mercato:rl'),
    groups: z
      .array(
        z.object({
          name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
          method: z
            .string()
            .regex(/^[A-Za-z]+$/)
            .optional(),
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

export type AppConfig = z.infer<typeof configSchema> & {
  /** Each module's parsed slice (`<module>.*`), by module name; only modules that declare one. */
  readonly moduleConfig: Readonly<Record<string, unknown>>;
};
export type ConfigInput = z.input<typeof configSchema>;
