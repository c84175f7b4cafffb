import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { defineOperation, implement, type ApiRoute } from '../../../kernel/http/api-route.js';
import { PageQuery } from '../../../kernel/http/cursor.js';
import { MoneySchema } from '../../../kernel/shared/money.js';
import { CreateProductCommand } from '../application/create-product.command.js';
import { ProductQueries } from '../application/product.queries.js';
import { ProductView, toProductView } from '../application/product.view.js';
import { UpdateProductCommand } from '../application/update-product.command.js';

const Sku = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64');
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

const PRODUCT_EXAMPLE = {
  id: '0199a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b',
  sku: 'MUG-001',
  name: 'Enamel mug',
  description: 'A white enamel mug, 350 ml.',
  price: { amount: 1290, currency: 'EUR' },
  createdAt: '2026-11-26T09:00:00.000Z',
  updatedAt: '2026-11-26T09:00:00.000Z',
};
const tags = ['catalog'];

/** The catalog's HTTP operations, as the API document describes them. */
export const productApi = {
  createProduct: defineOperation({
    operationId: 'createProduct',
    method: 'post',
    path: '/api/v1/products',
    summary: 'Add a product to the catalog',
    tags,
    access: 'admin',
    request: {
      body: CreateProductBody,
      examples: {
        mug: {
          summary: 'A mug at 12.90 EUR',
          value: { sku: 'MUG-001', name: 'Enamel mug', description: 'A white enamel mug, 350 ml.', price: { amount: 1290, currency: 'EUR' } },
        },
      },
    },
    responses: {
      201: { description: 'Created', schema: ProductView, headers: ['Location'], examples: { mug: { summary: 'The new product', value: PRODUCT_EXAMPLE } } },
      400: { description: 'Invalid body' },
      401: { description: 'No valid token' },
      403: { description: 'Not an admin' },
      409: { description: 'Duplicate SKU' },
    },
  }),
  listProducts: defineOperation({
    operationId: 'listProducts',
    method: 'get',
    path: '/api/v1/products',
    summary: 'List products, oldest first',
    tags,
    access: 'public',
    request: { query: PageQuery },
    responses: {
      200: {
        description: 'A page of products',
        schema: z.object({ items: z.array(ProductView), nextCursor: z.string().nullable() }),
        examples: { page: { summary: 'A last page', value: { items: [PRODUCT_EXAMPLE], nextCursor: null } } },
      },
      400: { description: 'Invalid limit or cursor' },
    },
  }),
  getProduct: defineOperation({
    operationId: 'getProduct',
    method: 'get',
    path: '/api/v1/products/:id',
    summary: 'Get one product',
    tags,
    access: 'public',
    request: { params: ProductIdParams },
    responses: { 200: { description: 'The product', schema: ProductView }, 400: { description: 'Malformed id' }, 404: { description: 'Unknown product' } },
  }),
  updateProduct: defineOperation({
    operationId: 'updateProduct',
    method: 'patch',
    path: '/api/v1/products/:id',
    summary: 'Change a product (name, description, price)',
    tags,
    access: 'admin',
    request: {
      params: ProductIdParams,
      body: UpdateProductBody,
      examples: { price: { summary: 'A new price', value: { price: { amount: 1490, currency: 'EUR' } } } },
    },
    responses: {
      200: { description: 'The updated product', schema: ProductView },
      400: { description: 'Invalid body or id' },
      401: { description: 'No valid token' },
      403: { description: 'Not an admin' },
      404: { description: 'Unknown product' },
    },
  }),
};

export function productRoutes(container: DependencyContainer): ApiRoute[] {
  const create = container.resolve(CreateProductCommand);
  const update = container.resolve(UpdateProductCommand);
  const queries = container.resolve(ProductQueries);
  return implement(productApi, {
    createProduct: async ({ body }) => {
      const product = await create.execute(body);
      return { status: 201, body: toProductView(product), headers: { Location: `/api/v1/products/${product.id}` } };
    },
    listProducts: async ({ query }) => {
      const page = await queries.list(query.limit, query.cursor);
      return { body: { items: page.items.map(toProductView), nextCursor: page.nextCursor } };
    },
    getProduct: async ({ params }) => ({ body: toProductView(await queries.get(params.id)) }),
    updateProduct: async ({ params, body }) => ({ body: toProductView(await update.execute(params.id, body)) }),
  });
}
