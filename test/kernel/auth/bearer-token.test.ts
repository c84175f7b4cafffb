import { describe, it, expect } from 'vitest';
import { bearerToken } from '../../../src/kernel/auth/bearer-token.js';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER   abc.def.ghi  ', 'abc.def.ghi'],
    ['  Bearer abc  ', 'abc'],
  ])('extracts the token from %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer', 'Bearer   ', 'Basic dXNlcjpwYXNz', 'Bearerabc', 'Token abc', 'Bearer a b'])('returns undefined for %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});
