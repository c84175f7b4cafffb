import { describe, expect, it } from 'vitest';
import { PartitionOffsets } from '../../../src/kernel/events/kafka-group.consumer.js';

describe('the offsets of a partition', () => {
  it('may be committed only up to the first event not dealt with', () => {
    const p = new PartitionOffsets('t', 0);
    const [a, b, c] = [10, 11, 12].map((o) => p.take(o)!);
    expect(p.finish(b!)).toBe(false);
    expect(p.finish(c!)).toBe(false);
    expect(p.committable).toBeUndefined();
    expect(p.unfinished).toBe(1);
    expect(p.finish(a!)).toBe(true);
    expect(p.committable).toBe(13);
    expect(p.unfinished).toBe(0);
  });

  it('ignores messages fetched again after a rebalance, and gaps in offsets', () => {
    const p = new PartitionOffsets('t', 0);
    const a = p.take(5)!;
    expect(p.take(5)).toBeUndefined();
    expect(p.take(4)).toBeUndefined();
    const b = p.take(9)!;
    p.finish(a);
    expect(p.committable).toBe(6);
    p.finish(b);
    expect(p.committable).toBe(10);
    expect(p.finish(b)).toBe(false);
  });

  it('keeps its bookkeeping bounded over a long run', () => {
    const p = new PartitionOffsets('t', 0);
    for (let o = 0; o < 100_000; o++) p.finish(p.take(o)!);
    expect(p.committable).toBe(100_000);
    expect((p as unknown as { taken: unknown[] }).taken.length).toBeLessThan(2100);
  });
});
