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
