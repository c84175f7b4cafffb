import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { normalizeSku } from '../domain/product.js';
import { ProductRepository } from './product-repository.port.js';
import { CreateProductCommand, type CreateProductInput } from './create-product.command.js';

const DEMO_PRODUCTS: CreateProductInput[] = [
  { sku: 'MUG-001', name: 'Mercato mug', description: 'Ceramic, 330 ml.', price: { amount: 1290, currency: 'EUR' } },
  { sku: 'TEE-001', name: 'Mercato t-shirt', description: 'Organic cotton, unisex.', price: { amount: 2490, currency: 'EUR' } },
  { sku: 'BAG-001', name: 'Tote bag', description: 'Canvas, 10 l.', price: { amount: 1590, currency: 'EUR' } },
  { sku: 'NOTE-001', name: 'Notebook', description: 'A5, dotted, 120 pages.', price: { amount: 890, currency: 'EUR' } },
];

/** Development convenience: a few products to play with; running it again changes nothing. */
@injectable()
export class SeedDemoProductsCommand {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(ProductRepository) private readonly products: ProductRepository,
    @inject(CreateProductCommand) private readonly create: CreateProductCommand,
  ) {}

  async execute(): Promise<number> {
    let created = 0;
    for (const demo of DEMO_PRODUCTS) {
      if (await this.products.findBySku(this.uow.reader(), normalizeSku(demo.sku))) continue;
      await this.create.execute(demo);
      created += 1;
    }
    return created;
  }
}
