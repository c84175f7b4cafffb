// The modules' classes carry tsyringe decorators: the metadata polyfill loads before them, whoever imports the registry.
import 'reflect-metadata';
import type { ModuleDefinition } from '../kernel/module.js';

/**
 * Every bounded context this codebase has, in the order the API documents list them; MODULES picks
 * among them. Adding a module is its folder under src/modules/ and one line here: everything else
 * (configuration, routing, topics, documents, the module map) is derived from its definition.
 */
export const ALL_MODULES: readonly ModuleDefinition[] = [
  (await import('../modules/user/index.js')).userModule,
  (await import('../modules/catalog/index.js')).catalogModule,
  (await import('../modules/inventory/index.js')).inventoryModule,
  (await import('../modules/order/index.js')).orderModule,
  (await import('../modules/payment/index.js')).paymentModule,
  (await import('../modules/notification/index.js')).notificationModule,
];
