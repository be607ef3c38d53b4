import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { CustomerStore } from '../../core/ports';
import type { Customer } from '../../core/ticket';
import type { CustomerHints } from '../../core/turn';
import { addHints, identityKeys, newCustomer, requireIdentityKeys, toCustomer, upsertContact } from '../shared/customer-identity';
import { StoreError } from '../shared/store-errors';
import { assertContact, assertId, parseStored, toStored } from '../shared/store-validation';

/** Customers as JSON rows plus one index row per normalised phone / e-mail / web id. */
export function createEmbeddedCustomerStore(db: Database.Database): CustomerStore {
  const selectCustomer = db.prepare<[string], string>('SELECT data FROM customers WHERE id = ?').pluck();
  const upsertCustomer = db.prepare<[string, string]>(
    'INSERT INTO customers (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data');
  const selectKey = db.prepare<[string], string>('SELECT customer_id FROM customer_keys WHERE key = ?').pluck();
  const insertKey = db.prepare<[string, string]>('INSERT OR IGNORE INTO customer_keys (key, customer_id) VALUES (?, ?)');

  const load = (id: string): Customer | undefined => {
    const data = selectCustomer.get(id);
    return data === undefined ? undefined : toCustomer(parseStored(data, `customer ${id}`));
  };
  const save = (customer: Customer): void => {
    upsertCustomer.run(customer.id, toStored(customer, `customer ${customer.id}`));
  };
  const find = (hints: CustomerHints): Customer | undefined => {
    for (const key of identityKeys(hints)) {
      const id = selectKey.get(key.key);
      const customer = id === undefined ? undefined : load(id);
      if (customer) return customer;
    }
    return undefined;
  };

  const identify = db.transaction((hints: CustomerHints): Customer => {
    const keys = requireIdentityKeys(hints);
    const existing = find(hints);
    const customer = existing ?? newCustomer(randomUUID(), {});
    // Hints that already point at another customer stay there: merging two people needs a human.
    const owned = keys.filter((key) => {
      const owner = selectKey.get(key.key);
      return owner === undefined || owner === customer.id;
    });
    const added = addHints(customer, {
      name: hints.name,
      phone: owned.find((key) => key.kind === 'phone')?.value,
      email: owned.find((key) => key.kind === 'email')?.value,
      webUserId: owned.find((key) => key.kind === 'web')?.value,
    });
    for (const key of owned) insertKey.run(key.key, customer.id);
    if (!existing || added.changed) save(added.customer);
    return added.customer;
  });

  const recordContact = db.transaction((customerId: string, contact: Parameters<CustomerStore['recordContact']>[1]) => {
    const customer = load(customerId);
    if (!customer) throw new StoreError('NOT_FOUND', `customer ${customerId} does not exist; call identify() first`);
    save({ ...customer, contacts: upsertContact(customer.contacts, contact) });
  });

  return {
    async find(hints) {
      return find(hints);
    },
    async identify(hints) {
      return identify.immediate(hints);
    },
    async recordContact(customerId, contact) {
      assertId(customerId, 'customer id');
      assertContact(contact);
      recordContact.immediate(customerId, contact);
    },
    async get(id) {
      assertId(id, 'customer id');
      return load(id);
    },
  };
}
