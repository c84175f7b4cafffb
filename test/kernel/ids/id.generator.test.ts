import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/kernel/ids/id.generator.js';

describe('newId', () => {
  it('gives valid UUIDv7s carrying the current time', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    const ms = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    // The counter may borrow a millisecond or two when ids are made faster than one per ms per 2^31.
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 2);
  });

  it('orders ids of one process by creation, within a millisecond too, across refills of the random pool', () => {
    // 20,000 ids: far more than one pool (256 ids) and many per millisecond.
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('draws fresh random bits for every id', () => {
    // The last five bytes are random bytes only (the counter ends before them): ids sharing them
    // would mean the pool handed out the same bytes twice.
    const tails = new Set(Array.from({ length: 5_000 }, () => newId().slice(-10)));
    expect(tails.size).toBe(5_000);
  });
});
