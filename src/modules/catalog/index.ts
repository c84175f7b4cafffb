import type { DependencyContainer } from 'tsyringe';
import type { ModuleEnvironment } from '../../kernel/config/module-config.js';
import { defineModule } from '../../kernel/module.js';
import { TOKENS } from '../../kernel/tokens.js';
import { CreateProductCommand } from './application/create-product.command.js';
import { ProductQueries } from './application/product.queries.js';
import { SeedDemoProductsCommand } from './application/seed-demo-products.command.js';
import { UpdateProductCommand } from './application/update-product.command.js';
import { ProductCreatedV1 } from './contracts/product-created.event.js';
import { ProductUpdatedV1 } from './contracts/product-updated.event.js';
import { ProductRepository } from './application/product-repository.port.js';
import { OrmProductRepository } from './infrastructure/product.repository.js';
import { productApi, productRoutes } from './infrastructure/product.routes.js';
import { ProductSchema } from './infrastructure/product.schema.js';

export const catalogModule = defineModule({
  name: 'catalog',
  tag: { name: 'catalog', description: 'Products and prices (the catalog module).' },
  routePrefixes: ['/api/v1/products'],
  entities: [ProductSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [ProductCreatedV1, ProductUpdatedV1],
  subscriptions: [],
  register(container: DependencyContainer) {
    container.registerSingleton(ProductRepository, OrmProductRepository);
    container.registerSingleton(CreateProductCommand);
    container.registerSingleton(UpdateProductCommand);
    container.registerSingleton(ProductQueries);
    container.registerSingleton(SeedDemoProductsCommand);
  },
  api: Object.values(productApi),
  routes: productRoutes,
  async start(container: DependencyContainer) {
    const { seedDemoData } = container.resolve<ModuleEnvironment>(TOKENS.ModuleEnvironment);
    if (seedDemoData) await container.resolve(SeedDemoProductsCommand).execute();
  },
});
