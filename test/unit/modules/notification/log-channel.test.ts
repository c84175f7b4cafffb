import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LogChannel, maskEmail } from '../../../../src/modules/notification/infrastructure/log.channel.js';

const MESSAGE = {
  to: 'ann.smith@example.com',
  subject: 'Order 42 confirmed',
  text: 'Hello Ann Smith, your order 42 is confirmed.',
  messageId: '<m-1@mercato>',
};

async function logged(redact: boolean): Promise<string> {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  await new LogChannel(pino({ level: 'info' }, sink), { redact }).send(MESSAGE);
  return out;
}

describe('the log notification channel', () => {
  it('outside development logs neither the recipient nor the message', async () => {
    const line = await logged(true);
    expect(line).not.toContain('ann.smith');
    expect(line).not.toContain('example.com');
    expect(line).not.toContain('Ann Smith');
    expect(line).not.toContain('Order 42');
    expect(JSON.parse(line)).toMatchObject({ to: 'a***@e***.com', messageId: '<m-1@mercato>' });
  });

  it('in development logs the whole message, which is how a developer reads it', async () => {
    const line = await logged(false);
    expect(line).toContain('ann.smith@example.com');
    expect(line).toContain('Hello Ann Smith');
  });

  it('masks odd addresses too', () => {
    expect(maskEmail('x@y')).toBe('x***@y***');
    expect(maskEmail('no-at-sign')).toBe('***');
  });
});
