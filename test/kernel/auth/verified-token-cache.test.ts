import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessTokenSigner } from '../../../src/kernel/auth/access-token.signer.js';
import { AccessTokenVerifier } from '../../../src/kernel/auth/access-token.verifier.js';
import { generateSigningKeySet } from '../../../src/kernel/auth/signing-keys.js';
import { UnauthorizedError } from '../../../src/kernel/errors/http.errors.js';

const opts = { issuer: 'https://auth.mercato.test', audience: 'mercato-api' };

async function setup(ttlSeconds = 900) {
  const keys = await generateSigningKeySet();
  const signer = new AccessTokenSigner(keys, { ...opts, ttlSeconds });
  return { signer, verifier: new AccessTokenVerifier({ kind: 'local', keys }, opts) };
}

describe('AccessTokenVerifier: tokens already verified', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('verifies the signature of a token once, then answers from memory with the same principal', async () => {
    const { signer, verifier } = await setup();
    const { token } = await signer.sign({ subject: 's-1', role: 'customer', email: 'c@example.test' });
    const signatures = vi.spyOn(globalThis.crypto.subtle, 'verify');
    const first = await verifier.verify(token);
    const again = await verifier.verify(token);
    expect(again).toEqual({ subject: 's-1', role: 'customer', email: 'c@example.test' });
    expect(again).toBe(first);
    expect(Object.isFrozen(again)).toBe(true);
    expect(signatures).toHaveBeenCalledTimes(1);
  });

  it('does not remember a refusal: a bad token costs a verification every time', async () => {
    const { signer, verifier } = await setup();
    const { token } = await signer.sign({ subject: 's-1', role: 'customer' });
    const forged = `${token.slice(0, -4)}AAAA`;
    const signatures = vi.spyOn(globalThis.crypto.subtle, 'verify');
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(signatures).toHaveBeenCalledTimes(2);
  });

  it('never honours a remembered token after it expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const { signer, verifier } = await setup(30);
    const { token } = await signer.sign({ subject: 's-1', role: 'customer' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 's-1' });
    vi.setSystemTime(new Date('2030-01-01T00:00:20Z'));
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 's-1' });
    // Past exp and past the verifier's clock tolerance (30 s): refused, remembered or not.
    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('checks the signature again after a minute, even for a token that is still valid', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const { signer, verifier } = await setup(900);
    const { token } = await signer.sign({ subject: 's-1', role: 'customer' });
    const signatures = vi.spyOn(globalThis.crypto.subtle, 'verify');
    await verifier.verify(token);
    vi.setSystemTime(new Date('2030-01-01T00:00:59Z'));
    await verifier.verify(token);
    expect(signatures).toHaveBeenCalledTimes(1);
    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    await verifier.verify(token);
    expect(signatures).toHaveBeenCalledTimes(2);
  });
});
