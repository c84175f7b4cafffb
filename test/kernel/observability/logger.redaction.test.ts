import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/kernel/observability/logger.factory.js';
import { RequestContext } from '../../../src/kernel/observability/request-context.js';

const JWT = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTEiLCJyb2xlIjoiY3VzdG9tZXIifQ.c2lnbmF0dXJlLXZhbHVlLTEyMw';
const SECRETS = {
  password: 'hunter2-SECRET-pw',
  refresh: 'rt_SECRET_refresh_0123456789',
  service: 'svc-SECRET-service-token',
  cookie: 'session=SECRET-cookie-value',
  signingKeys: '[{"kty":"EC","crv":"P-256","d":"SECRET-private-d","x":"abc","y":"def"}]',
  apiKey: 'SECRET-api-key',
  dbPassword: 'SECRET-db-pass',
  privateD: 'SECRET-jwk-d-member',
};
const ALL = [JWT, ...Object.values(SECRETS)];

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', pretty: false }, new RequestContext(), stream);
  return { logger, text: () => lines.join(''), lines };
}

function expectClean(text: string) {
  for (const secret of ALL) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/Bearer\s+(?!\[redacted\])/);
}

describe('createLogger redaction', () => {
  it('censors credential fields at the top level and at any depth', () => {
    const { logger, text, lines } = capture();
    const headers = {
      authorization: `Bearer ${JWT}`,
      Authorization: `Bearer ${JWT}`,
      cookie: SECRETS.cookie,
      'set-cookie': [SECRETS.cookie],
      'x-mercato-service-token': SECRETS.service,
      'content-type': 'application/json',
    };
    logger.info({ password: SECRETS.password, token: JWT, access_token: JWT, refresh_token: SECRETS.refresh }, 'top');
    logger.info({ req: { headers, body: { email: 'a@b.c', password: SECRETS.password } } }, 'one level');
    logger.warn({ a: { b: { c: { d: { headers, body: { newPassword: SECRETS.password, refreshToken: SECRETS.refresh } } } } } }, 'deep');
    logger.debug({ list: [{ accessToken: JWT }, [{ nested: { client_secret: SECRETS.apiKey, apiKey: SECRETS.apiKey } }]] }, 'arrays');
    logger.info({ env: { AUTH_SIGNING_KEYS: SECRETS.signingKeys, SERVICE_TOKEN_KEYS: SECRETS.signingKeys } }, 'env dump');
    logger.info({ config: { auth: { signingKeys: SECRETS.signingKeys, serviceSigningKeys: SECRETS.signingKeys } } }, 'config dump');
    logger.info({ key: { kty: 'EC', crv: 'P-256', x: 'pub', d: SECRETS.privateD } }, 'a jwk');
    logger.info({ kafka: { sasl: { mechanism: 'plain', username: 'u', password: SECRETS.password } } }, 'kafka');
    logger.child({ headers }).info('child bindings');
    logger.child({ module: 'm' }).child({ upstream: { headers } }).info('grandchild bindings');
    const text1 = text();
    expectClean(text1);
    expect(lines.length).toBe(10);
    // Other fields survive, and the censored ones say so.
    expect(text1).toContain('a@b.c');
    expect(text1).toContain('application/json');
    expect(text1).toContain('[redacted]');
  });

  it('censors errors, their fields and credentials inside free text', () => {
    const { logger, text } = capture();
    const err = Object.assign(new Error(`upstream refused Bearer ${JWT}`), {
      config: { headers: { Authorization: `Bearer ${JWT}`, 'x-mercato-service-token': SECRETS.service } },
      body: { password: SECRETS.password },
    });
    logger.error({ err }, 'failed');
    logger.error(err);
    logger.warn({ nested: { cause: err } }, 'nested error');
    logger.info(`calling with Authorization: Bearer ${JWT}`);
    logger.info({ url: `postgres://mercato:${SECRETS.dbPassword}@db:5432/mercato` }, 'db');
    logger.info(`token request body grant_type=refresh_token&refresh_token=${SECRETS.refresh}&password=${SECRETS.password}`);
    logger.warn(`Unexpected token, "{"email":"x","password":"${SECRETS.password}" is not valid JSON`);
    logger.info('plain %s', JWT);
    const out = text();
    expectClean(out);
    expect(out).toContain('upstream refused');
    expect(out).toContain('postgres://mercato:[redacted]@db:5432/mercato');
  });

  it('censors objects a message interpolates (%j, %o, %O), whatever their values', () => {
    const { logger, text, lines } = capture();
    logger.info('keys %j', { signingKeys: [{ kty: 'EC', d: SECRETS.privateD }] });
    logger.info('call %o', { token: 8675309123, authorization: { user: SECRETS.apiKey } });
    logger.warn({ module: 'm' }, 'login %O', { email: 'a@b.c', password: `pw"${SECRETS.password}` });
    const out = text();
    expectClean(out);
    expect(out).not.toContain('8675309123');
    expect(lines).toHaveLength(3);
    expect(out).toContain('a@b.c');
  });

  it('leaves ordinary lines alone', () => {
    const { logger, text } = capture();
    logger.info({ method: 'POST', path: '/api/v1/orders', status: 201, tokenType: 'Bearer' }, 'request');
    const line = JSON.parse(text());
    expect(line).toMatchObject({ method: 'POST', path: '/api/v1/orders', status: 201, tokenType: 'Bearer', msg: 'request' });
  });
});
