import type { Money } from '../../../kernel/shared/money.js';
import type { NotificationKind } from './notification.js';

export interface Rendered {
  kind: NotificationKind;
  subject: string;
  body: string;
}

function formatMoney(money: Money): string {
  return `${(money.amount / 100).toFixed(2)} ${money.currency}`;
}

const CANCEL_REASONS: Record<string, string> = {
  out_of_stock: 'some items are out of stock',
  payment_declined: 'the payment was declined',
  payment_unavailable: 'the payment could not be processed',
};

export function welcome(name: string): Rendered {
  return { kind: 'welcome', subject: 'Welcome to Mercato', body: `Hello ${name}, your Mercato account is ready.` };
}

export function orderConfirmed(orderId: string, total: Money): Rendered {
  return {
    kind: 'order_confirmed',
    subject: `Order ${orderId} confirmed`,
    body: `Your order ${orderId} is confirmed. We charged ${formatMoney(total)}.`,
  };
}

export function orderCancelled(orderId: string, reason: string): Rendered {
  return {
    kind: 'order_cancelled',
    subject: `Order ${orderId} cancelled`,
    body: `Your order ${orderId} was cancelled because ${CANCEL_REASONS[reason] ?? reason}. You have not been charged.`,
  };
}
