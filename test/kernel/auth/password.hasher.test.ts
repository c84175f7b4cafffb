import { describe, it, expect } from 'vitest';
import { PasswordHasher } from '../../../src/kernel/auth/password.hasher.js';

// A low cost keeps the suite fast; the format and logic are the same as in production.
const hasher = new PasswordHasher({ cost: 1024 });

describe('PasswordHasher', () => {
  it('verifies the password it hashed', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify('correct horse battery staple', stored)).toBe(true);
  });

  it('rejects a wrong password', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify('correct horse battery stapler', stored)).toBe(false);
  });

  it('uses the documented format with a random salt', async () => {
    const a = await hasher.hash('same password');
    const b = await hasher.hash('same password');
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(a).not.toBe(b);
  });

  it('defaults to N=16384', async () => {
    expect(await new PasswordHasher().hash('x')).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('never puts the plain password in the stored string', async () => {
    const plain = 'PlainTextSecret123';
    const stored = await hasher.hash(plain);
    expect(stored).not.toContain(plain);
    expect(stored).not.toContain(Buffer.from(plain).toString('base64url'));
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const stored = await hasher.hash('caf\u00e9');
    expect(await hasher.verify('cafe\u0301', stored)).toBe(true);
  });

  it.each([
    '',
    'not-a-hash',
    'bcrypt$10$abc',
    'scrypt$1024$8$1$salt',
    `scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(86)}`,
    `scrypt$1024$0$1$AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(86)}`,
    `scrypt$1024$8$1$!!!invalid!!!$${'A'.repeat(86)}`,
    'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$',
    `scrypt$4294967296$8$1$AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(86)}`,
  ])('returns false for the malformed stored value %j', async (stored) => {
    expect(await hasher.verify('anything', stored)).toBe(false);
  });

  it('verifyAgainstDummy always answers false', async () => {
    expect(await hasher.verifyAgainstDummy('whatever')).toBe(false);
  });

  it('rejects a cost that is not a power of two', () => {
    expect(() => new PasswordHasher({ cost: 1000 })).toThrow();
  });
});
