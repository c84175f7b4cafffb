/**
 * Development only (`seedDemoData`): starting stock for the catalog's demo products, so that a
 * fresh `npm start` can take orders at once. Keyed by SKU, the one thing both modules share.
 */
export const DEMO_STOCK: Readonly<Record<string, number>> = {
  'MUG-001': 100,
  'TEE-001': 50,
  'BAG-001': 50,
  'NOTE-001': 200,
};
