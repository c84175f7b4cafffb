import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, isKnownEnvVar, loadConfig } from '../../../src/kernel/config/config.loader.js';
import type { ConfiguredModule } from '../../../src/kernel/config/module-config.js';
import { CHECK_TIMEOUT_MS } from '../../../src/kernel/observability/health.js';
import { ALL_MODULES } from '../../../src/runtimes/module.registry.js';

/** The repository's own config/*.json. */
const CONFIG_DIR = resolve('config');

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  const temps: string[] = [];
  afterEach(async () => {
    await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function tempConfigDir(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mercato-config-'));
    temps.push(dir);
    await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)));
    return dir;
  }

  it("has the gateway wait for a probe longer than a process takes to answer 'not ready', in every environment", () => {
    // Shorter, and an instance whose broker is down (its readiness waits out the Kafka check) would
    // look dead rather than up-but-not-ready, and the gateway's panic routing would skip it.
    for (const env of ['development', 'test', 'production']) {
      expect(loadConfig({ NODE_ENV: env }, CONFIG_DIR).gateway.healthTimeoutMs, env).toBeGreaterThan(CHECK_TIMEOUT_MS);
    }
  });

  it('reads TRUST_PROXY as hops or as proxy addresses, and trusts none by default', () => {
    expect(loadConfig({ NODE_ENV: 'test' }, CONFIG_DIR).http.trustProxy).toEqual({ hops: 0 });
    expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: '2' }, CONFIG_DIR).http.trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: 'false' }, CONFIG_DIR).http.trustProxy).toEqual({ hops: 0 });
    expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: '10.0.0.0/8, ::1' }, CONFIG_DIR).http.trustProxy).toEqual({ addresses: ['10.0.0.0/8', '::1'] });
    expect(configError(() => loadConfig({ NODE_ENV: 'test', TRUST_PROXY: 'true' }, CONFIG_DIR)).message).toContain('http.trustProxy');
    expect(configError(() => loadConfig({ NODE_ENV: 'test', TRUST_PROXY: '99' }, CONFIG_DIR)).message).toContain('http.trustProxy');
  });

  it('reads KAFKA_SSL* and KAFKA_SASL_*, and never echoes the SASL password', () => {
    const config = loadConfig(
      { NODE_ENV: 'test', KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'pw-1' },
      CONFIG_DIR,
    );
    expect(config.events.kafka).toMatchObject({
      ssl: { enabled: true, rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'pw-1' },
    });
    const plain = loadConfig({ NODE_ENV: 'test' }, CONFIG_DIR).events.kafka;
    expect({ ssl: plain.ssl, sasl: plain.sasl }).toEqual({ ssl: { enabled: false, rejectUnauthorized: true }, sasl: {} });
    expect(configError(() => loadConfig({ NODE_ENV: 'test', KAFKA_SASL_MECHANISM: 'plain' }, CONFIG_DIR)).message).toContain('KAFKA_SASL_USERNAME');
    const bad = configError(() =>
      loadConfig({ NODE_ENV: 'test', KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'Secret-PW-2' }, CONFIG_DIR),
    );
    expect(bad.message).toContain('events.kafka.sasl.mechanism');
    expect(bad.message).not.toContain('Secret-PW-2');
  });

  it('takes defaults from config/default.json and config/<NODE_ENV>.json', () => {
    const config = loadConfig({ NODE_ENV: 'development' }, CONFIG_DIR);
    expect(config.env).toBe('development');
    expect(config.modules).toBe('all');
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 3000, bodyLimit: '100kb' });
    expect(config.dataDir).toBe('./data');
    expect(config.log).toEqual({ level: 'info', pretty: true }); // development.json over default.json
    expect(config.seedDemoData).toBe(true);
    expect(config.events.transport).toBeUndefined();
    expect(config.events.kafkaBrokers).toEqual([]);
    expect(config.database.urls).toEqual({});
    expect(config.serviceUrls).toEqual({});
  });

  it('has Kafka producer, consumer and PostgreSQL pool settings, defaulted and set from the environment', () => {
    const defaults = loadConfig({ NODE_ENV: 'development' }, CONFIG_DIR);
    expect(defaults.events.kafka).toMatchObject({
      lingerMs: 0,
      acks: 'all',
      compression: 'none',
      consumerConcurrency: 8,
      consumerBatchSize: 64,
      maxBufferedPerPartition: 1000,
      commitIntervalMs: 100,
    });
    expect(defaults.database.pool).toEqual({ min: 1, max: 6, idleTimeoutMs: 60_000 });
    expect(defaults.events.relayIntervalMs).toBe(5000);
    const set = loadConfig(
      {
        NODE_ENV: 'development',
        KAFKA_LINGER_MS: '5',
        KAFKA_ACKS: 'leader',
        KAFKA_COMPRESSION: 'gzip',
        KAFKA_CONSUMER_CONCURRENCY: '4',
        KAFKA_CONSUMER_BATCH_SIZE: '1',
        KAFKA_CONSUMER_MAX_BUFFERED: '50',
        KAFKA_COMMIT_INTERVAL_MS: '0',
        DATABASE_POOL_MIN: '0',
        DATABASE_POOL_MAX: '4',
        RELAY_INTERVAL_MS: '500',
        RELAY_BATCH_SIZE: '100',
      },
      CONFIG_DIR,
    );
    expect(set.events.kafka).toMatchObject({
      lingerMs: 5,
      acks: 'leader',
      compression: 'gzip',
      consumerConcurrency: 4,
      consumerBatchSize: 1,
      maxBufferedPerPartition: 50,
      commitIntervalMs: 0,
    });
    expect(set.database.pool).toEqual({ min: 0, max: 4, idleTimeoutMs: 60_000 });
    expect(set.events).toMatchObject({ relayIntervalMs: 500, relayBatchSize: 100 });
    expect(configError(() => loadConfig({ DATABASE_POOL_MIN: '5', DATABASE_POOL_MAX: '3' }, CONFIG_DIR)).message).toMatch(/database\.pool/);
    expect(configError(() => loadConfig({ DATABASE_POOL_MAX: '1' }, CONFIG_DIR)).message).toMatch(/database\.pool\.max/);
    expect(configError(() => loadConfig({ KAFKA_ACKS: 'none' }, CONFIG_DIR)).message).toMatch(/events\.kafka\.acks/);
  });

  it('defaults NODE_ENV to development', () => {
    expect(loadConfig({}, CONFIG_DIR).env).toBe('development');
  });

  it('reads the file of the selected environment', () => {
    const config = loadConfig({ NODE_ENV: 'test' }, CONFIG_DIR);
    expect(config.http.port).toBe(0);
    expect(config.sqlite.inMemory).toBe(true);
    expect(config.log.level).toBe('silent');
    expect(config.events.retry).toEqual({ maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }); // nested merge
    expect(config.events.relayBatchSize).toBe(200); // still from default.json
  });

  it('lets the environment win over the files', () => {
    const config = loadConfig(
      { NODE_ENV: 'development', PORT: '4123', HOST: '0.0.0.0', LOG_LEVEL: 'warn', DATA_DIR: '/tmp/x', MODULES: 'catalog', EVENT_BUS: 'memory' },
      CONFIG_DIR,
    );
    expect(config.http.port).toBe(4123);
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.http.bodyLimit).toBe('100kb');
    expect(config.log).toEqual({ level: 'warn', pretty: true });
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.modules).toBe('catalog');
    expect(config.events.transport).toBe('memory');
  });

  it('ignores empty environment variables', () => {
    expect(loadConfig({ NODE_ENV: 'development', PORT: '', LOG_LEVEL: '' }, CONFIG_DIR).http.port).toBe(3000);
  });

  it('maps DATABASE_URL and DATABASE_URL_<MODULE>', () => {
    const config = loadConfig(
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', DATABASE_URL_CATALOG: 'postgres://postgres@127.0.0.1:5432/catalog' },
      CONFIG_DIR,
    );
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(config.database.urls).toEqual({ catalog: 'postgres://postgres@127.0.0.1:5432/catalog' });
  });

  it('sizes the PostgreSQL pools from config and DATABASE_POOL_MIN / DATABASE_POOL_MAX', () => {
    expect(loadConfig({}, CONFIG_DIR).database.pool).toEqual({ min: 1, max: 6, idleTimeoutMs: 60_000 });
    expect(loadConfig({ DATABASE_POOL_MIN: '0', DATABASE_POOL_MAX: '3' }, CONFIG_DIR).database.pool).toEqual({ min: 0, max: 3, idleTimeoutMs: 60_000 });
    expect(configError(() => loadConfig({ DATABASE_POOL_MIN: '5', DATABASE_POOL_MAX: '3' }, CONFIG_DIR)).message).toMatch(/database\.pool/);
    expect(configError(() => loadConfig({ DATABASE_POOL_MAX: '1' }, CONFIG_DIR)).message).toMatch(/database\.pool\.max/);
  });

  it('splits SERVICE_URLS_<MODULE> into a list', () => {
    const config = loadConfig({ SERVICE_URLS_ORDER: 'http://a:1,http://b:2', SERVICE_URLS_USER: ' http://u:3 ' }, CONFIG_DIR);
    expect(config.serviceUrls).toEqual({ order: ['http://a:1', 'http://b:2'], user: ['http://u:3'] });
  });

  it('splits KAFKA_BROKERS into a list, trimming blanks', () => {
    const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093,' }, CONFIG_DIR);
    expect(config.events.kafkaBrokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
  });

  it('applies overrides last', () => {
    const config = loadConfig({ PORT: '4000' }, CONFIG_DIR, { http: { port: 5000 } });
    expect(config.http.port).toBe(5000);
    expect(config.http.host).toBe('127.0.0.1');
  });

  it.each(['abc', '70000', '-1', '1.5'])('refuses PORT=%s naming http.port', (value) => {
    const err = configError(() => loadConfig({ NODE_ENV: 'development', PORT: value }, CONFIG_DIR));
    expect(err.message).toContain('http.port');
    expect(err.message).not.toContain('\n');
  });

  it('refuses an unknown NODE_ENV, EVENT_BUS or LOG_LEVEL', () => {
    expect(configError(() => loadConfig({ NODE_ENV: 'staging' }, CONFIG_DIR)).message).toContain('env');
    expect(configError(() => loadConfig({ EVENT_BUS: 'carrier-pigeon' }, CONFIG_DIR)).message).toContain('events.transport');
    expect(configError(() => loadConfig({ LOG_LEVEL: 'loud' }, CONFIG_DIR)).message).toContain('log.level');
  });

  it('names an invalid secret without echoing it', () => {
    const password = 'Sh0rt!';
    const err = configError(() => loadConfig({ ADMIN_EMAIL: 'admin@mercato.test', ADMIN_PASSWORD: password }, CONFIG_DIR, {}, ALL_MODULES));
    expect(err.message).toContain('user.admin.password');
    expect(err.message).not.toContain(password);
  });

  it('does not echo an invalid database URL (it may carry a password)', () => {
    const url = 'not a url with hunter2-secret';
    const err = configError(() => loadConfig({ DATABASE_URL_CATALOG: url }, CONFIG_DIR));
    expect(err.message).toContain('database.urls.catalog');
    expect(err.message).not.toContain('hunter2');
  });

  it('reports every problem on one line', () => {
    const err = configError(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' }, CONFIG_DIR));
    expect(err.message).toMatch(/http\.port.*log\.level|log\.level.*http\.port/);
    expect(err.message).not.toContain('\n');
  });

  it('reads files from another directory', async () => {
    const dir = await tempConfigDir({
      'default.json': await import('node:fs/promises').then((fs) => fs.readFile(join(CONFIG_DIR, 'default.json'), 'utf8')),
      'development.json': JSON.stringify({ http: { port: 8123 }, log: { level: 'debug', pretty: false } }),
    });
    const config = loadConfig({}, dir);
    expect(config.http.port).toBe(8123);
    expect(config.log.level).toBe('debug');
  });

  it('refuses a config file that is not valid JSON, without quoting it', async () => {
    const dir = await tempConfigDir({ 'default.json': '{ "admin": { "password": hunter2-secret } }' });
    const err = configError(() => loadConfig({}, dir));
    expect(err.message).toContain(join(dir, 'default.json'));
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('\n');
  });

  it('refuses a config file that is JSON but not an object', async () => {
    const dir = await tempConfigDir({ 'default.json': '[1, 2, 3]' });
    expect(configError(() => loadConfig({}, dir)).message).toContain('default.json');
  });

  it('refuses a config file whose values are invalid', async () => {
    const dir = await tempConfigDir({ 'default.json': JSON.stringify({ http: { port: 'eighty' } }) });
    expect(configError(() => loadConfig({}, dir)).message).toContain('http.port');
  });

  describe("modules' own slices", () => {
    const shelf: ConfiguredModule = {
      name: 'shelf',
      config: {
        schema: z.object({ capacity: z.coerce.number().int().min(1).default(10), vendorUrl: z.string().url().optional(), label: z.string().default('shelf') }),
        env: { SHELF_CAPACITY: 'capacity', SHELF_VENDOR_URL: 'vendorUrl' },
        secrets: ['vendorUrl'],
      },
    };

    it('parses each slice from <module>.* in the files and its own variables, and hands back only the slices', async () => {
      const dir = await tempConfigDir({
        'default.json': await import('node:fs/promises').then((fs) => fs.readFile(join(CONFIG_DIR, 'default.json'), 'utf8')),
        'development.json': JSON.stringify({ shelf: { label: 'from the file', capacity: 3 } }),
      });
      const config = loadConfig({ SHELF_CAPACITY: '7' }, dir, {}, [shelf, { name: 'bare' }]);
      expect(config.moduleConfig).toEqual({ shelf: { capacity: 7, label: 'from the file' } });
      expect(config).not.toHaveProperty('shelf');
      expect(loadConfig({}, CONFIG_DIR, {}, [shelf]).moduleConfig).toEqual({ shelf: { capacity: 10, label: 'shelf' } });
    });

    it("names a module's bad value by its full path, with the kernel's problems, and never echoes its secrets", () => {
      const err = configError(() => loadConfig({ PORT: 'abc', SHELF_CAPACITY: '0', SHELF_VENDOR_URL: 'not a url hunter2-secret' }, CONFIG_DIR, {}, [shelf]));
      expect(err.message).toMatch(/http\.port.*shelf\.capacity.*shelf\.vendorUrl: invalid value/);
      expect(err.message).not.toContain('hunter2');
      expect(err.message).not.toContain('\n');
    });

    it("knows the modules' variables (deployment files are checked against them)", () => {
      expect(isKnownEnvVar('SHELF_CAPACITY')).toBe(false);
      expect(isKnownEnvVar('SHELF_CAPACITY', [shelf])).toBe(true);
      for (const name of ['ADMIN_EMAIL', 'ADMIN_PASSWORD', 'SMTP_URL', 'PAYMENT_PROVIDER']) expect(isKnownEnvVar(name, ALL_MODULES), name).toBe(true);
    });

    it('keeps the documented variables of the real modules, in their slices', () => {
      const config = loadConfig(
        { ADMIN_EMAIL: 'admin@mercato.test', ADMIN_PASSWORD: 'long-enough-1', SMTP_URL: 'smtp://mail.example:587', PAYMENT_PROVIDER: 'sandbox' },
        CONFIG_DIR,
        {},
        ALL_MODULES,
      );
      expect(config.moduleConfig['user']).toMatchObject({
        admin: { email: 'admin@mercato.test', password: 'long-enough-1' },
        refreshTokenTtlSeconds: 1_209_600,
      });
      expect(config.moduleConfig['notification']).toMatchObject({ smtpUrl: 'smtp://mail.example:587', pollIntervalMs: 1000 });
      expect(config.moduleConfig['payment']).toEqual({ provider: 'sandbox' });
      expect(configError(() => loadConfig({ PAYMENT_PROVIDER: 'stripe' }, CONFIG_DIR, {}, ALL_MODULES)).message).toContain('payment.provider');
    });

    it('refuses a module whose name is one of the kernel settings', () => {
      expect(configError(() => loadConfig({}, CONFIG_DIR, {}, [{ ...shelf, name: 'http' }])).message).toContain('http');
    });
  });
});
