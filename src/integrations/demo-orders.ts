import * as fs from 'node:fs';
import { parse } from 'yaml';
import type { IntegrationOutput } from '../flows/dialog-types';

interface DemoOrder {
  number: string;
  status: string;
  eta?: string;
  carrier?: string;
  items?: string;
}

/**
 * `orders.lookup` over the bundled demo data (`flows/data/orders.yaml`). A real deployment replaces it with
 * an HTTP integration of the same shape: input `order_number`, outcomes found / not_found / error.
 */
export function createDemoOrderLookup(file: string): (inputs: Record<string, unknown>) => Promise<IntegrationOutput> {
  let orders: DemoOrder[] | undefined;
  const load = (): DemoOrder[] => {
    if (!orders) {
      const data = fs.existsSync(file) ? (parse(fs.readFileSync(file, 'utf8')) as { orders?: DemoOrder[] }) : {};
      orders = (data.orders ?? []).map((order) => ({ ...order, number: String(order.number), eta: order.eta ? String(order.eta).slice(0, 10) : undefined }));
    }
    return orders;
  };
  return async (inputs): Promise<IntegrationOutput> => {
    const wanted = String(inputs.order_number ?? '').replace(/\D/g, '');
    if (!wanted) return { outcome: 'not_found', result: {} };
    const order = load().find((candidate) => candidate.number === wanted);
    if (!order) return { outcome: 'not_found', result: { order_number: wanted } };
    return { outcome: 'found', result: { order_number: order.number, status: order.status, eta: order.eta ?? null, carrier: order.carrier ?? null, items: order.items ?? null } };
  };
}
