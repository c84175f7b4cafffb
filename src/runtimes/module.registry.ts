// The modules' classes carry tsyringe decorators: the metadata polyfill loads before them, whoever imports the registry.
import 'reflect-metadata';
import type { ModuleDefinition } from '../kernel/module.js';
import { catalogModule } from '../modules/catalog/index.js';
import { inventoryModule } from '../modules/inventory/index.js';
import { notificationModule } from '../modules/notification/index.js';
import { orderModule } from '../modules/order/index.js';
import { paymentModule } from '../modules/payment/index.js';
import { userModule } from '../modules/user/index.js';

/** Every bounded context this codebase has; MODULES picks among them. */
export const ALL_MODULES: readonly ModuleDefinition[] = [userModule, catalogModule, inventoryModule, orderModule, paymentModule, notificationModule];
