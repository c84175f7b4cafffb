/** Shapes of v1 API answers, as the tests read them. */
export interface OrderBody {
  id: string;
  status: 'pending' | 'confirmed' | 'cancelled';
  items: { productId: string; sku: string; quantity: number; unitPrice: { amount: number; currency: string } }[];
  total: { amount: number; currency: string };
  paymentMethod: string;
  cancelReason?: string;
  createdAt: string;
  updatedAt: string;
}
