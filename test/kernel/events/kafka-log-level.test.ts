import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkajsLogLevel } from '../../../src/kernel/events/kafka.transport.js';

describe('kafkajsLogLevel', () => {
  it('logs a rebalance notice, which kafkajs answers itself by rejoining, as info', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, { error: 'The group is rebalancing, so a rejoin is needed' })).toBe('info');
  });

  it('keeps other broker errors as errors and maps the rest by kafkajs level', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, { error: 'The coordinator is not available' })).toBe('error');
    expect(kafkajsLogLevel(logLevel.ERROR, {})).toBe('error');
    expect(kafkajsLogLevel(logLevel.WARN, {})).toBe('warn');
    expect(kafkajsLogLevel(logLevel.INFO, {})).toBe('debug');
  });
});
