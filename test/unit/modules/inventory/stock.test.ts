import { describe, expect, it } from 'vitest';
import { planReservation, settleReservation, type Reservation } from '../../../../src/modules/inventory/domain/stock.js';

describe('planReservation', () => {
  it('keeps one line per SKU, adding up repeated SKUs', () => {
    expect(
      planReservation([
        { sku: 'MUG-1', quantity: 2 },
        { sku: 'PEN-1', quantity: 1 },
        { sku: 'MUG-1', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'MUG-1', quantity: 5 },
      { sku: 'PEN-1', quantity: 1 },
    ]);
  });

  it('orders lines by SKU, whatever the order asked for, so concurrent reservations lock rows in one order', () => {
    const plan = planReservation([
      { sku: 'ZED', quantity: 1 },
      { sku: 'ALPHA', quantity: 1 },
      { sku: 'MID', quantity: 1 },
    ]);
    expect(plan.map((l) => l.sku)).toEqual(['ALPHA', 'MID', 'ZED']);
    expect(planReservation([...plan].reverse())).toEqual(plan);
  });

  it('compares SKUs by code unit (no locale): upper case before lower, digits before letters', () => {
    expect(
      planReservation([
        { sku: 'b', quantity: 1 },
        { sku: 'B', quantity: 1 },
        { sku: '9', quantity: 1 },
      ]).map((l) => l.sku),
    ).toEqual(['9', 'B', 'b']);
  });

  it('keeps a single line as it is', () => {
    expect(planReservation([{ sku: 'ONLY', quantity: 7 }])).toEqual([{ sku: 'ONLY', quantity: 7 }]);
  });

  it('plans nothing for no lines', () => {
    expect(planReservation([])).toEqual([]);
  });

  it('does not modify its input', () => {
    const lines = [
      { sku: 'B', quantity: 1 },
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 3 },
    ];
    const copy = structuredClone(lines);
    planReservation(lines);
    expect(lines).toEqual(copy);
  });
});

describe('settleReservation', () => {
  const reservation = (status: Reservation['status']): Reservation => {
    const at = new Date('2026-01-01T00:00:00Z');
    return { orderId: 'o-1', userId: 'u-1', status, lines: [{ sku: 'MUG-1', quantity: 1 }], createdAt: at, updatedAt: at };
  };
  const now = new Date('2026-01-02T00:00:00Z');

  it('settles a holding reservation once, as sold or as given back', () => {
    for (const outcome of ['committed', 'released'] as const) {
      const r = reservation('reserved');
      expect(settleReservation(r, outcome, now)).toBe(true);
      expect(r).toMatchObject({ status: outcome, updatedAt: now });
      expect(settleReservation(r, outcome === 'committed' ? 'released' : 'committed', now)).toBe(false);
      expect(r.status).toBe(outcome);
    }
  });

  it('leaves a rejected reservation alone (it holds no units)', () => {
    const r = reservation('rejected');
    expect(settleReservation(r, 'released', now)).toBe(false);
    expect(r.status).toBe('rejected');
    expect(r.updatedAt).not.toBe(now);
  });
});
