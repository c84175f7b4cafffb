import { join } from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError } from '../../kernel/config/config.loader.js';
import type { ModuleEnvironment } from '../../kernel/config/module-config.js';
import { on } from '../../kernel/events/event-handler.js';
import { defineModule } from '../../kernel/module.js';
import { TOKENS } from '../../kernel/tokens.js';
import { StockReservedV1 } from '../inventory/contracts/stock-reserved.event.js';
import { ChargeOrderHandler } from './application/charge-order.handler.js';
import { PaymentQueries } from './application/payment.queries.js';
import { PaymentCapturedV1 } from './contracts/payment-captured.event.js';
import { PaymentDeclinedV1 } from './contracts/payment-declined.event.js';
import { PAYMENT_PROVIDER } from './domain/payment-provider.port.js';
import { PaymentRepository } from './application/payment-repository.port.js';
import { OrmPaymentRepository } from './infrastructure/payment.repository.js';
import { paymentApi, paymentRoutes } from './infrastructure/payment.routes.js';
import { PaymentSchema } from './infrastructure/payment.schema.js';
import { SandboxPaymentProvider } from './infrastructure/sandbox-payment.provider.js';
import { paymentConfig, type PaymentConfig } from './payment.config.js';

export const paymentModule = defineModule({
  name: 'payment',
  tag: { name: 'payments', description: 'Payments of orders (the payment module).' },
  routePrefixes: ['/api/v1/payments'],
  config: paymentConfig,
  entities: [PaymentSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [PaymentCapturedV1, PaymentDeclinedV1],
  subscriptions: [on(StockReservedV1, ChargeOrderHandler)],
  register(container: DependencyContainer) {
    const { provider } = container.resolve<PaymentConfig>(TOKENS.ModuleConfig);
    const process = container.resolve<ModuleEnvironment>(TOKENS.ModuleEnvironment);
    if (process.env === 'production' && provider !== 'sandbox') {
      throw new ConfigError(
        'production needs PAYMENT_PROVIDER: the sandbox payment provider is the only one built in and takes pretend payments; set PAYMENT_PROVIDER=sandbox to run on it deliberately',
      );
    }
    const ledger = process.ephemeral ? undefined : join(process.dataDir, 'payment-sandbox-ledger.jsonl');
    container.register(PAYMENT_PROVIDER, { useValue: new SandboxPaymentProvider(ledger) });
    container.registerSingleton(PaymentRepository, OrmPaymentRepository);
    container.registerSingleton(PaymentQueries);
  },
  api: Object.values(paymentApi),
  routes: paymentRoutes,
});
