import { describe, expect, it } from 'vitest';
import { normalizeEmail, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../../src/modules/user/domain/user.js';

describe('normalizeEmail', () => {
  it.each([
    ['ada@example.com', 'ada@example.com'],
    ['Ada@Example.COM', 'ada@example.com'],
    ['  ada@example.com  ', 'ada@example.com'],
    ['\tADA.LOVELACE+shop@EXAMPLE.com\n', 'ada.lovelace+shop@example.com'],
  ])('normalizes %j to %j', (raw, normalized) => {
    expect(normalizeEmail(raw)).toBe(normalized);
  });

  it('maps every spelling of one mailbox to one account key', () => {
    const spellings = ['grace@example.com', 'GRACE@EXAMPLE.COM', ' Grace@Example.com', 'gRaCe@example.COM '];
    expect(new Set(spellings.map(normalizeEmail))).toEqual(new Set(['grace@example.com']));
  });

  it('keeps different mailboxes apart', () => {
    expect(normalizeEmail('a.b@example.com')).not.toBe(normalizeEmail('ab@example.com'));
    expect(normalizeEmail('a+x@example.com')).not.toBe(normalizeEmail('a@example.com'));
  });

  it('is idempotent', () => {
    for (const email of ['X@Y.Z', ' a@b.co ', 'already@normal.com']) expect(normalizeEmail(normalizeEmail(email))).toBe(normalizeEmail(email));
  });
});

describe('password length bounds', () => {
  it('asks for a reasonable minimum and bounds the maximum', () => {
    expect(PASSWORD_MIN_LENGTH).toBeGreaterThanOrEqual(8);
    expect(PASSWORD_MAX_LENGTH).toBeGreaterThan(PASSWORD_MIN_LENGTH);
    expect(PASSWORD_MAX_LENGTH).toBeLessThanOrEqual(1024);
  });
});
