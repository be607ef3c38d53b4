import { normalizeEmail, normalizePhone, normalizeWebUserId } from '../../core/normalize-contact';
import type { ContactRecord, Customer } from '../../core/ticket';
import type { CustomerHints } from '../../core/turn';
import { StoreError } from './store-errors';

/** Contacts kept per customer; older ones fall off so a frequent caller's record stays small. */
export const MAX_CONTACTS_PER_CUSTOMER = 50;

/** One normalised identity hint and the index key it is stored under (`phone:+358...`). */
export interface IdentityKey {
  kind: 'phone' | 'email' | 'web';
  value: string;
  key: string;
}

/**
 * The usable hints in lookup order: phone, then e-mail, then web user id (a phone number is the
 * strongest identity a customer-service line has). Hints that do not normalise are ignored.
 */
export function identityKeys(hints: CustomerHints | undefined): IdentityKey[] {
  const keys: IdentityKey[] = [];
  if (!hints || typeof hints !== 'object') return keys;
  const phone = hints.phone === undefined ? undefined : normalizePhone(hints.phone);
  if (phone) keys.push({ kind: 'phone', value: phone, key: `phone:${phone}` });
  const email = hints.email === undefined ? undefined : normalizeEmail(hints.email);
  if (email) keys.push({ kind: 'email', value: email, key: `email:${email}` });
  const web = hints.webUserId === undefined ? undefined : normalizeWebUserId(hints.webUserId);
  if (web) keys.push({ kind: 'web', value: web, key: `web:${web}` });
  return keys;
}

/** `identityKeys`, but at least one is required (identify cannot make a customer out of nothing). */
export function requireIdentityKeys(hints: CustomerHints | undefined): IdentityKey[] {
  const keys = identityKeys(hints);
  if (keys.length === 0) {
    throw new StoreError('INVALID_INPUT', 'identify needs a valid phone number, e-mail address or web user id in the hints');
  }
  return keys;
}

export function newCustomer(id: string, hints: CustomerHints | undefined): Customer {
  const customer: Customer = { id, phones: [], emails: [], webUserIds: [], contacts: [] };
  return addHints(customer, hints).customer;
}

/** The customer with every given hint added (and a name if it had none); `changed` says whether anything was added. */
export function addHints(customer: Customer, hints: CustomerHints | undefined): { customer: Customer; changed: boolean } {
  const next: Customer = { ...customer, phones: [...customer.phones], emails: [...customer.emails], webUserIds: [...customer.webUserIds] };
  let changed = false;
  for (const key of identityKeys(hints)) {
    const list = key.kind === 'phone' ? next.phones : key.kind === 'email' ? next.emails : next.webUserIds;
    if (!list.includes(key.value)) {
      list.push(key.value);
      changed = true;
    }
  }
  const name = typeof hints?.name === 'string' ? hints.name.trim().slice(0, 200) : '';
  if (name && !next.name) {
    next.name = name;
    changed = true;
  }
  return { customer: next, changed };
}

/** The history with `contact` replacing the one of the same conversation, or appended; newest kept. */
export function upsertContact(contacts: ContactRecord[], contact: ContactRecord): ContactRecord[] {
  const others = contacts.filter((existing) => existing.conversationId !== contact.conversationId);
  const merged = [...others, contact].sort((a, b) => a.at - b.at);
  return merged.slice(-MAX_CONTACTS_PER_CUSTOMER);
}

/** Repairs the shape of a stored customer (missing arrays), so old or hand-edited data reads safely. */
export function toCustomer(value: unknown): Customer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Partial<Customer>;
  if (typeof raw.id !== 'string') return undefined;
  const list = <T>(items: T[] | undefined): T[] => (Array.isArray(items) ? items : []);
  const customer: Customer = {
    id: raw.id,
    phones: list(raw.phones),
    emails: list(raw.emails),
    webUserIds: list(raw.webUserIds),
    contacts: list(raw.contacts),
  };
  if (typeof raw.name === 'string') customer.name = raw.name;
  return customer;
}
