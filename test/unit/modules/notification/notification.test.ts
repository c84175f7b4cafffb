import { describe, expect, it } from 'vitest';
import { nextAttemptDelayMs } from '../../../../src/modules/notification/domain/notification.js';
import { orderCancelled, orderConfirmed, welcome } from '../../../../src/modules/notification/domain/notification.templates.js';

const ORDER = '01900000-0000-7000-8000-0000000000aa';

describe('nextAttemptDelayMs', () => {
  it('doubles from one second', () => {
    expect([1, 2, 3, 4, 5].map(nextAttemptDelayMs)).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('is capped at ten minutes', () => {
    expect(nextAttemptDelayMs(10)).toBe(512_000);
    expect(nextAttemptDelayMs(11)).toBe(600_000);
    expect(nextAttemptDelayMs(50)).toBe(600_000);
    expect(nextAttemptDelayMs(10_000)).toBe(600_000);
  });

  it('treats zero or negative attempts as the first', () => {
    expect(nextAttemptDelayMs(0)).toBe(1000);
    expect(nextAttemptDelayMs(-3)).toBe(1000);
  });

  it('never decreases', () => {
    const delays = Array.from({ length: 30 }, (_, i) => nextAttemptDelayMs(i + 1));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
  });
});

describe('templates', () => {
  it('welcomes by name', () => {
    expect(welcome('Ada')).toEqual({ kind: 'welcome', subject: 'Welcome to Mercato', body: 'Hello Ada, your Mercato account is ready.' });
  });

  it('confirms an order with its id in the subject and the total in major units', () => {
    const rendered = orderConfirmed(ORDER, { amount: 4599, currency: 'EUR' });
    expect(rendered.kind).toBe('order_confirmed');
    expect(rendered.subject).toBe(`Order ${ORDER} confirmed`);
    expect(rendered.body).toContain(ORDER);
    expect(rendered.body).toContain('45.99 EUR');
  });

  it.each([
    [5, '0.05 EUR'],
    [100, '1.00 EUR'],
    [123_456, '1234.56 EUR'],
    [0, '0.00 EUR'],
  ])('formats %i minor units as %s', (amount, text) => {
    expect(orderConfirmed(ORDER, { amount, currency: 'EUR' }).body).toContain(`charged ${text}.`);
  });

  it.each([
    ['out_of_stock', 'some items are out of stock'],
    ['payment_declined', 'the payment was declined'],
    ['payment_unavailable', 'the payment could not be processed'],
  ])('explains a cancellation for %s', (reason, text) => {
    const rendered = orderCancelled(ORDER, reason);
    expect(rendered).toMatchObject({ kind: 'order_cancelled', subject: `Order ${ORDER} cancelled` });
    expect(rendered.body).toContain(text);
    expect(rendered.body).toContain('You have not been charged.');
  });

  it('falls back to the raw reason for one it does not know', () => {
    expect(orderCancelled(ORDER, 'fraud_suspected').body).toContain('because fraud_suspected');
  });
});
