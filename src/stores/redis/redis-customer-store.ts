import { randomUUID } from 'node:crypto';
import type { CustomerStore } from '../../core/ports';
import type { Customer } from '../../core/ticket';
import type { CustomerHints } from '../../core/turn';
import { addHints, identityKeys, newCustomer, requireIdentityKeys, toCustomer, upsertContact } from '../shared/customer-identity';
import { StoreError } from '../shared/store-errors';
import { assertContact, assertId, parseStored, toStored } from '../shared/store-validation';
import { COMPARE_AND_SET, defineRedisScript, type RedisClient } from './redis-script';

/**
 * Finds the owner of the first indexed hint or creates the candidate customer, then links every free
 * hint to the owner, all at once, so two instances meeting the same new caller create one customer.
 * KEYS: index keys..., candidate customer key. ARGV: candidate id, candidate JSON.
 * Returns the owner id, 1 if created, then per index key 1 when it points at the owner.
 */
const IDENTIFY = defineRedisScript(`
local count = #KEYS - 1
local owner = false
for i = 1, count do
  owner = redis.call('GET', KEYS[i])
  if owner then break end
end
local created = 0
if not owner then
  owner = ARGV[1]
  redis.call('SET', KEYS[count + 1], ARGV[2])
  created = 1
end
local result = { owner, created }
for i = 1, count do
  redis.call('SET', KEYS[i], owner, 'NX')
  result[i + 2] = (redis.call('GET', KEYS[i]) == owner) and 1 or 0
end
return result
`);

const MAX_UPDATE_ATTEMPTS = 20;

/**
 * Customers as one JSON document each plus an index key per normalised phone / e-mail / web id.
 * Document changes are optimistic: read, change, compare-and-set, retry on a concurrent change.
 */
export function createRedisCustomerStore(client: RedisClient, prefix: string): CustomerStore {
  const customerKey = (id: string): string => `${prefix}customer:${id}`;
  const indexKey = (identity: string): string => `${prefix}customer-key:${identity}`;

  async function load(id: string): Promise<{ customer: Customer; raw: string } | undefined> {
    const raw = await client.get(customerKey(id));
    if (raw == null) return undefined;
    const customer = toCustomer(parseStored(raw, `customer ${id}`));
    return customer ? { customer, raw } : undefined;
  }

  async function change(id: string, edit: (customer: Customer) => Customer | undefined): Promise<Customer> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt += 1) {
      const current = await load(id);
      if (!current) throw new StoreError('NOT_FOUND', `customer ${id} does not exist; call identify() first`);
      const next = edit(current.customer);
      if (!next) return current.customer;
      const stored = Number(await COMPARE_AND_SET.run(client, [customerKey(id)], [current.raw, toStored(next, `customer ${id}`)]));
      if (stored === 1) return next;
    }
    throw new StoreError('CONTENTION', `customer ${id} is being changed by too many writers at once; retry`);
  }

  return {
    async find(hints) {
      for (const identity of identityKeys(hints)) {
        const id = await client.get(indexKey(identity.key));
        const found = id == null ? undefined : await load(id);
        if (found) return found.customer;
      }
      return undefined;
    },
    async identify(hints) {
      const keys = requireIdentityKeys(hints);
      const candidate = newCustomer(randomUUID(), hints);
      const result = (await IDENTIFY.run(
        client,
        [...keys.map((identity) => indexKey(identity.key)), customerKey(candidate.id)],
        [candidate.id, toStored(candidate, 'customer')],
      )) as Array<string | number>;
      const ownerId = String(result[0]);
      if (Number(result[1]) === 1) return candidate;
      const owned = keys.filter((_, index) => Number(result[index + 2]) === 1);
      const ownedHints: CustomerHints = {
        name: hints.name,
        phone: owned.find((identity) => identity.kind === 'phone')?.value,
        email: owned.find((identity) => identity.kind === 'email')?.value,
        webUserId: owned.find((identity) => identity.kind === 'web')?.value,
      };
      return change(ownerId, (customer) => {
        const added = addHints(customer, ownedHints);
        return added.changed ? added.customer : undefined;
      });
    },
    async recordContact(customerId, contact) {
      assertId(customerId, 'customer id');
      assertContact(contact);
      await change(customerId, (customer) => ({ ...customer, contacts: upsertContact(customer.contacts, contact) }));
    },
    async get(id) {
      assertId(id, 'customer id');
      return (await load(id))?.customer;
    },
  };
}
