import { exportJWK, generateKeyPair } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { AccessTokenSigner } from '../../../src/kernel/auth/access-token.signer.js';
import { signingKeySetFromJwks } from '../../../src/kernel/auth/signing-keys.js';

/**
 * Tokens for a process that hosts no `user` module: the test makes a key, hands it to the system
 * as AUTH_SIGNING_KEYS (which its verifier then trusts) and signs tokens with it itself.
 */
export interface TestTokens {
  /** Environment for `startTestSystem`. */
  env: { AUTH_SIGNING_KEYS: string };
  sign(subject: string, role?: 'customer' | 'admin'): Promise<string>;
  /** A fresh customer: its id and a token. */
  customer(): Promise<{ id: string; token: string }>;
}

export async function testTokens(): Promise<TestTokens> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const json = JSON.stringify([{ ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig' }]);
  // Issuer and audience as in config/default.json.
  const signer = new AccessTokenSigner(await signingKeySetFromJwks(json), { issuer: 'mercato', audience: 'mercato-api', ttlSeconds: 900 });
  const sign = async (subject: string, role: 'customer' | 'admin' = 'customer') => (await signer.sign({ subject, role })).token;
  return {
    env: { AUTH_SIGNING_KEYS: json },
    sign,
    async customer() {
      const id = uuidv7();
      return { id, token: await sign(id) };
    },
  };
}
