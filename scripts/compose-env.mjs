#!/usr/bin/env node
// `npm run compose:env`: writes deploy/compose/.env, which deploy/compose/compose.yaml reads, with
// fresh secrets: the user module's token signing key (AUTH_SIGNING_KEYS), the gateway's
// service-token key (SERVICE_TOKEN_KEYS), the PostgreSQL password and an admin account. Plain
// Node, no dependencies, so it runs on a clean clone. The file is git-ignored and never committed.
//
// An existing file is kept (new keys would void every token, and a new database password would
// not match the one the PostgreSQL volume was initialised with); `--force` replaces it.
// ADMIN_EMAIL / ADMIN_PASSWORD in the environment are written instead of generated ones, and when
// set in the shell at `docker-compose up` they win over the file anyway.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--out FILE` writes elsewhere (the container tests use their own file, never the user's).
const outIndex = process.argv.indexOf('--out');
const file = outIndex > 0 && process.argv[outIndex + 1] ? process.argv[outIndex + 1] : join(root, 'deploy', 'compose', '.env');
const force = process.argv.includes('--force');

if (existsSync(file) && !force) {
  console.log(
    `compose:env: ${relative(process.cwd(), file) || file} exists; kept (npm run compose:env -- --force writes new keys and passwords; then also \`docker-compose -f deploy/compose/compose.yaml down -v\`, the database was initialised with the old password)`,
  );
  process.exit(0);
}

/** A JSON array with one private ES256 JWK, as AUTH_SIGNING_KEYS and SERVICE_TOKEN_KEYS expect. */
function es256Keys() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return JSON.stringify([{ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, alg: 'ES256', use: 'sig' }]);
}

const adminEmail = process.env.ADMIN_EMAIL || 'admin@mercato.local';
const adminPassword = process.env.ADMIN_PASSWORD || randomBytes(12).toString('base64url');
// Single quotes: the values are JSON, taken literally by docker-compose's .env parser.
const lines = [
  '# Written by `npm run compose:env` for deploy/compose/compose.yaml. Secrets: never commit this file.',
  '# Variables set in the shell at `docker-compose up` win over these.',
  'COMPOSE_PROJECT_NAME=mercato',
  `POSTGRES_PASSWORD=${randomBytes(18).toString('hex')}`,
  `ADMIN_EMAIL=${adminEmail}`,
  `ADMIN_PASSWORD='${adminPassword}'`,
  `AUTH_SIGNING_KEYS='${es256Keys()}'`,
  `SERVICE_TOKEN_KEYS='${es256Keys()}'`,
  '',
];
writeFileSync(file, lines.join('\n'), { mode: 0o600 });
console.log(`compose:env: wrote ${relative(process.cwd(), file) || file} (admin ${adminEmail}; its password is in the file)`);
