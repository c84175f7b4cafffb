import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../../../kernel/http/api-route.js';
import { PageQuery } from '../../../kernel/http/cursor.js';
import { MoneySchema } from '../contracts/money.schema.js';
import { CreateProductHandler } from '../application/create-product.handler.js';
import { ProductQueries } from '../application/product.queries.js';
import { ProductView, toProductView } from '../application/product.view.js';
import { UpdateProductHandler } from '../application/update-product.handler.js';

const Sku = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64');
const Name = z.string().trim().min(1).max(200);
const Description = z.string().max(5000);
// Strict like the bodies it sits in (the contract's MoneySchema stays lenient for events).
const Price = z.strictObject(MoneySchema.shape);

const CreateProductBody = z.strictObject({ sku: Sku, name: Name, description: Description.nullable().optional(), price: Price });
const UpdateProductBody = z
  .strictObject({ name: Name.optional(), description: Description.nullable().optional(), price: Price.optional() })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of name, description, price');
// UUIDs are case-insensitive (RFC 9562); ids are stored in lower case.
const ProductIdParams = z.object({ id: z.uuid().toLowerCase() });

export function productRoutes(container: DependencyContainer): ApiRoute[] {
  const create = container.resolve(CreateProductHandler);
  const update = container.resolve(UpdateProductHandler);
  const queries = container.resolve(ProductQueries);
  const tags = ['catalog'];
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/products',
      summary: 'Add a product to the catalog',
      tags,
      access: 'admin',
      request: { body: CreateProductBody },
      responses: {
        201: { description: 'Created', schema: ProductView },
        400: { description: 'Invalid body' },
        401: { description: 'No valid token' },
        403: { description: 'Not an admin' },
        409: { description: 'Duplicate SKU' },
      },
      handle: async ({ body }) => {
        const product = await create.execute(body);
        return { status: 201, body: toProductView(product), headers: { Location: `/api/v1/products/${product.id}` } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/products',
      summary: 'List products, oldest first',
      tags,
      access: 'public',
      request: { query: PageQuery },
      responses: {
        200: { description: 'A page of products', schema: z.object({ items: z.array(ProductView), nextCursor: z.string().nullable() }) },
        400: { description: 'Invalid limit or cursor' },
      },
      handle: async ({ query }) => {
        const page = await queries.list(query.limit, query.cursor);
        return { body: { items: page.items.map(toProductView), nextCursor: page.nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/products/:id',
      summary: 'Get one product',
      tags,
      access: 'public',
      request: { params: ProductIdParams },
      responses: { 200: { description: 'The product', schema: ProductView }, 400: { description: 'Malformed id' }, 404: { description: 'Unknown product' } },
      handle: async ({ params }) => ({ body: toProductView(await queries.get(params.id)) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/products/:id',
      summary: 'Change a product (name, description, price)',
      tags,
      access: 'admin',
      request: { params: ProductIdParams, body: UpdateProductBody },
      responses: {
        200: { description: 'The updated product', schema: ProductView },
        400: { description: 'Invalid body or id' },
        401: { description: 'No valid token' },
        403: { description: 'Not an admin' },
        404: { description: 'Unknown product' },
      },
      handle: async ({ params, body }) => ({ body: toProductView(await update.execute(params.id, body)) }),
    }),
  ];
}
