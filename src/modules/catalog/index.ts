import type { DependencyContainer } from 'tsyringe';
import type { AppConfig } from '../../kernel/config/config.schema.js';
import { defineModule } from '../../kernel/module.js';
import { TOKENS } from '../../kernel/tokens.js';
import { CreateProductHandler } from './application/create-product.handler.js';
import { ProductQueries } from './application/product.queries.js';
import { SeedDemoProductsHandler } from './application/seed-demo-products.handler.js';
import { UpdateProductHandler } from './application/update-product.handler.js';
import { ProductCreatedV1 } from './contracts/product-created.event.js';
import { ProductUpdatedV1 } from './contracts/product-updated.event.js';
import { ProductRepository } from './application/product-repository.port.js';
import { OrmProductRepository } from './infrastructure/product.repository.js';
import { productApi, productRoutes } from './infrastructure/product.routes.js';
import { ProductSchema } from './infrastructure/product.schema.js';

export const catalogModule = defineModule({
  name: 'catalog',
  routePrefixes: ['/api/v1/products'],
  entities: [ProductSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [ProductCreatedV1, ProductUpdatedV1],
  subscriptions: [],
  register(container: DependencyContainer) {
    container.registerSingleton(ProductRepository, OrmProductRepository);
    container.registerSingleton(CreateProductHandler);
    container.registerSingleton(UpdateProductHandler);
    container.registerSingleton(ProductQueries);
    container.registerSingleton(SeedDemoProductsHandler);
  },
  api: Object.values(productApi),
  routes: productRoutes,
  async start(container: DependencyContainer) {
    const config = container.resolve<AppConfig>(TOKENS.Config);
    if (config.seedDemoData) await container.resolve(SeedDemoProductsHandler).execute();
  },
});
