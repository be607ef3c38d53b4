/**
 * Canonical forms of contact details, so that the same person is recognised across channels:
 * a phone number typed in a chat (`040 123 4567`) and a caller id (`+358401234567`) must match.
 * Pure functions; every store adapter uses them for identity lookups.
 */

/** Country calling code assumed for national numbers (a leading trunk `0`). Finland first. */
export const DEFAULT_COUNTRY_CODE = '358';

/**
 * The phone number as `+` and digits (E.164-like) when it has an international prefix (`+` or `00`)
 * or a national trunk `0` (then `defaultCountryCode` is assumed); otherwise just its digits.
 * Returns undefined for text that is not a phone number (letters, too few or too many digits).
 */
export function normalizePhone(raw: string, defaultCountryCode: string = DEFAULT_COUNTRY_CODE): string | undefined {
  if (typeof raw !== 'string') return undefined;
  // "+358 (0)40 ..." is a common way to show the trunk prefix that is dropped when dialling from abroad.
  const text = raw.trim().replace(/\(0\)/g, '');
  if (!/^\+?[\d\s\-()./]+$/.test(text)) return undefined;
  const international = text.startsWith('+');
  let digits = text.replace(/\D/g, '');
  let withPlus: boolean;
  if (international) {
    withPlus = true;
  } else if (digits.startsWith('00')) {
    digits = digits.slice(2);
    withPlus = true;
  } else if (digits.startsWith('0')) {
    digits = defaultCountryCode + digits.slice(1);
    withPlus = true;
  } else {
    withPlus = false;
  }
  // Finnish numbers are never dialled as +358 0..., but people write them that way.
  if (withPlus && digits.startsWith(defaultCountryCode + '0')) {
    digits = defaultCountryCode + digits.slice(defaultCountryCode.length + 1);
  }
  // E.164 allows at most 15 digits; fewer than 5 is a short code or a typo, not a person.
  if (digits.length < 5 || digits.length > 15) return undefined;
  return withPlus ? `+${digits}` : digits;
}

/** Lower-cased, trimmed e-mail address; undefined when it does not look like one. */
export function normalizeEmail(raw: string): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return undefined;
  return email;
}

/** A web user id as given by the widget, trimmed; undefined when empty or absurdly long. */
export function normalizeWebUserId(raw: string): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const id = raw.trim();
  if (id.length === 0 || id.length > 200) return undefined;
  return id;
}

/**
 * Slot names a flow may use for the customer's contact details, most specific first. A value in one of them was
 * given (or confirmed) by the customer in the conversation, in answer to a question that asked for it: that is what
 * counts as a confirmed contact (linked to the customer record, shown to the agent, used to recognise them later).
 */
export const PHONE_SLOTS = ['phone', 'phoneNumber', 'phone_number', 'callbackNumber', 'callback_number'] as const;
export const EMAIL_SLOTS = ['email', 'emailAddress', 'email_address'] as const;
/** A slot that takes either (`entity: contact`): an e-mail address or a phone number, whichever the customer gave. */
export const CONTACT_SLOTS = ['contact'] as const;

type SlotBag = Readonly<Record<string, string | number | boolean | null | undefined>>;

function firstValid(slots: SlotBag, names: readonly string[], normalize: (raw: string) => string | undefined): string | undefined {
  for (const name of names) {
    const value = slots[name];
    if (typeof value === 'string' || typeof value === 'number') {
      const normalized = normalize(String(value));
      if (normalized) return normalized;
    }
  }
  return undefined;
}

/** The phone number and e-mail address the conversation's slots hold, validated and in canonical form. */
export function contactFromSlots(slots: SlotBag | undefined): { phone?: string; email?: string } {
  if (!slots) return {};
  const either = firstValid(slots, CONTACT_SLOTS, (raw) => normalizeEmail(raw) ?? (raw.includes('@') ? undefined : normalizePhone(raw)));
  const phone = firstValid(slots, PHONE_SLOTS, normalizePhone) ?? (either && !either.includes('@') ? either : undefined);
  const email = firstValid(slots, EMAIL_SLOTS, normalizeEmail) ?? (either?.includes('@') ? either : undefined);
  return { ...(phone ? { phone } : {}), ...(email ? { email } : {}) };
}

/** `+358501239876` → `050 *** **76`: the first three digits (`+` and code abroad) and the last two. For lists, not for calling. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  const national = phone.startsWith('+358') ? `0${digits.slice(3)}` : phone.startsWith('+') ? `+${digits}` : digits;
  const head = national.slice(0, national.startsWith('+') ? 4 : 3);
  const tail = national.length > head.length + 2 ? national.slice(-2) : '';
  const hidden = national.length - head.length - tail.length;
  const stars = '*'.repeat(Math.max(0, hidden)).replace(/(\*{3})(?=\*)/g, '$1 ');
  return `${head} ${stars}${tail}`.trim();
}

/** `matti.virtanen@example.com` → `m***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
