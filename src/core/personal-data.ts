/**
 * The personal-data policy: one place that finds payment card numbers (Luhn), Finnish identity codes (check
 * character), IBANs (mod-97), phone numbers and e-mail addresses, and masks them before anything is stored or
 * shown outside the turn that needs the raw value: transcripts, tickets (summary, slots, transcript), helpdesk
 * webhooks, customer history, analytics and logs. The NLU's entity extractor uses the same detectors, so what the
 * bot understands and what the policy hides never disagree. Pure functions, no I/O.
 */
import type { Slots } from './ticket';
import type { TranscriptEntry } from './transcript';

export type PersonalDataKind = 'card' | 'hetu' | 'iban' | 'phone' | 'email';
export const PERSONAL_DATA_KINDS: readonly PersonalDataKind[] = ['card', 'hetu', 'iban', 'phone', 'email'];
/** What a value of a slot marked `sensitive: true` becomes outside the dialog. */
export const SENSITIVE_PLACEHOLDER = '[sensitive]';

const HETU_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';
const HETU_CENTURY: Record<string, number> = { '+': 1800, '-': 1900, Y: 1900, X: 1900, W: 1900, V: 1900, U: 1900, A: 2000, B: 2000, C: 2000, D: 2000, E: 2000, F: 2000 };

/** True for a Finnish personal identity code with a valid date and check character (DDMMYYCZZZQ). */
export function isValidHetu(code: string): boolean {
  const match = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/i.exec(code);
  if (!match) return false;
  const [, day, month, year, separator, individual, check] = match;
  const fullYear = HETU_CENTURY[separator.toUpperCase()] + Number(year);
  const date = new Date(Date.UTC(fullYear, Number(month) - 1, Number(day)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return false;
  return HETU_CHECK[Number(day + month + year + individual) % 31] === check.toUpperCase();
}

const IBAN_LENGTHS: Record<string, number> = {
  FI: 18, SE: 24, NO: 15, DK: 18, DE: 22, GB: 22, EE: 20, FR: 27, ES: 24, NL: 18, BE: 16, AT: 20, IE: 22, IT: 27, PL: 28, LT: 20, LV: 21, CH: 21,
};

/** Country codes whose IBAN length is known: IBAN-shaped text with one of them is an account number, valid or not. */
export const IBAN_COUNTRIES: ReadonlySet<string> = new Set(Object.keys(IBAN_LENGTHS));

/** True for an IBAN (spaces allowed) whose mod-97 check digits are right and, for known countries, whose length is. */
export function isValidIban(text: string): boolean {
  const iban = text.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expectedLength = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expectedLength !== undefined && iban.length !== expectedLength) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** Luhn check for payment card numbers (digits only, 13–19 of them). */
export function passesLuhn(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let at = 0; at < digits.length; at++) {
    let digit = Number(digits[digits.length - 1 - at]);
    if (at % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** A payment card number: 13–19 digits passing Luhn; no card number starts with 0 (those are references, phones). */
export function isCardNumber(digits: string): boolean {
  return passesLuhn(digits) && digits[0] !== '0';
}

export const EMAIL_PATTERN = /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w])/giu;
export const HETU_PATTERN = /(?<![\w])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?![\w])/gi;
/** Candidate phone numbers: digits with spaces, hyphens, parentheses; optionally + or 00 in front. */
export const PHONE_PATTERN = /(?<![\w+])(?:\+|00)?\(?\d[\d\s\-()]{5,20}\d(?![\w])/g;

/** Normalises a phone number to E.164 (+358...), or undefined when it is not one. Trims trailing groups that do not fit. */
export function toE164(candidate: string): { value: string; length: number } | undefined {
  let text = candidate.trimEnd();
  for (;;) {
    const digits = text.replace(/\D/g, '');
    const international = text.startsWith('+') || text.startsWith('00');
    if (international) {
      const number = text.startsWith('00') ? digits.slice(2) : digits;
      if (number.length >= 8 && number.length <= 15 && number[0] !== '0') return { value: `+${number}`, length: text.length };
    } else if (digits.startsWith('0') && !digits.startsWith('00') && digits.length >= 8 && digits.length <= 11) {
      return { value: `+358${digits.slice(1)}`, length: text.length };
    }
    const shorter = text.replace(/[\s\-()]+\d+\)?$/, '');
    if (shorter === text) return undefined;
    text = shorter;
  }
}

/** Finds IBANs: a country code and check digits, then groups; the longest candidate with a valid checksum wins. */
export function findIbans(text: string): { value: string; start: number; end: number }[] {
  const found: { value: string; start: number; end: number }[] = [];
  for (const match of text.matchAll(/(?<![\w])[A-Z]{2}\d{2}(?=[\s\dA-Z])/gi)) {
    const start = match.index ?? 0;
    // An IBAN is at most 34 characters plus the spaces between its groups.
    const rest = text.slice(start, start + 48);
    const groups = /^[A-Z0-9]+(?:\s[A-Z0-9]+)*/i.exec(rest)?.[0] ?? '';
    const parts = groups.split(/\s/);
    for (let count = parts.length; count >= 1; count--) {
      const candidate = parts.slice(0, count).join(' ');
      if (isValidIban(candidate)) {
        found.push({ value: candidate.replace(/\s/g, '').toUpperCase(), start, end: start + candidate.length });
        break;
      }
    }
  }
  return found;
}

/** A payment card number: 13–19 digits, up to three spaces or dashes between any of them (Luhn-checked by the callers). */
export const CARD_PATTERN = /(?<![\d])\d(?:[ \-\u00a0]{0,3}\d){12,18}(?![\d])/g;
/** Runs of digits longer than a card: a card number may hide inside ("4111 1111 1111 1111 2 kertaa"). */
const DIGIT_RUN = /(?<![\d])\d(?:[ \-\u00a0]{0,3}\d){12,}(?![\d])/g;

/** Where card numbers are in `text`: whole groups of digits, the longest valid run first, left to right. */
export function findCardNumbers(text: string): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = [];
  for (const match of text.matchAll(DIGIT_RUN)) {
    const base = match.index ?? 0;
    const groups = [...match[0].matchAll(/\d+/g)].map((group) => ({ start: base + (group.index ?? 0), end: base + (group.index ?? 0) + group[0].length, digits: group[0] }));
    for (let first = 0; first < groups.length; first++) {
      let taken = -1;
      let digits = '';
      for (let last = first; last < groups.length && digits.length + groups[last].digits.length <= 19; last++) {
        digits += groups[last].digits;
        if (digits.length >= 13 && isCardNumber(digits)) taken = last;
      }
      if (taken < 0) continue;
      found.push({ start: groups[first].start, end: groups[taken].end });
      first = taken;
    }
  }
  return found;
}
/** IBAN-shaped Finnish account numbers: masked even when the check digits are wrong (a mistyped IBAN is still one). */
const FINNISH_IBAN_SHAPE = /(?<![\w])FI\d{2}(?: ?\d{4}){3} ?\d{2}(?![\w])/gi;
const HETU_SHAPE = /^\d{6}[-+A]\d{3}[0-9A-Y]$/i;

export interface MaskOptions {
  /** Kinds left in clear (a ticket's contact slots keep the phone and e-mail the agent calls back on). */
  keep?: readonly PersonalDataKind[];
  /** Placeholder per kind; default `[card]`, `[hetu]`, `[iban]`, `[phone]`, `[email]`. */
  labels?: Partial<Record<PersonalDataKind, string>>;
  /** Exact values to mask as well (the values of sensitive slots, which no detector may recognise). */
  values?: readonly string[];
}

/**
 * Replaces personal data in free text with placeholders. Checksums keep order numbers, amounts and dates readable;
 * identity codes and IBANs of the exact shape are masked even when their check fails, because a mistyped identity
 * code is still personal data. A non-string gives an empty string.
 */
export function maskPersonalData(text: string, options: MaskOptions = {}): string {
  if (typeof text !== 'string') return '';
  if (text === '') return text;
  let result = text;
  if (options.values) {
    for (const value of options.values) {
      if (typeof value === 'string' && value.trim().length > 0) result = result.split(value).join(SENSITIVE_PLACEHOLDER);
    }
  }
  // Most lines hold nothing a detector could match: no work, no allocation (this runs on every line of every turn).
  if (!mayHoldPersonalData(result)) return result;
  const labels = options.labels;
  return replacePersonalData(result, keepSet(options.keep), labels ? (kind) => labels[kind] ?? `[${kind}]` : defaultLabel);
}

/** Every detector needs a digit, except the e-mail one, which needs an @. */
function mayHoldPersonalData(text: string): boolean {
  return DIGIT_OR_AT.test(text);
}
const DIGIT_OR_AT = /[\d@]/;
const defaultLabel = (kind: PersonalDataKind): string => `[${kind}]`;
const NOTHING_KEPT: ReadonlySet<PersonalDataKind> = new Set();
const CONTACTS_KEPT: ReadonlySet<PersonalDataKind> = new Set(['phone', 'email']);

/** The kinds left in clear as a set; the two sets every turn asks for are made once. */
function keepSet(keep: readonly PersonalDataKind[] | undefined): ReadonlySet<PersonalDataKind> {
  if (!keep || keep.length === 0) return NOTHING_KEPT;
  if (keep.length === 2 && keep.includes('phone') && keep.includes('email')) return CONTACTS_KEPT;
  return new Set(keep);
}

/** The detectors in their order (an IBAN's digits are no card, a card's no phone), each match given to `replace`. */
function replacePersonalData(text: string, keep: ReadonlySet<PersonalDataKind>, replace: (kind: PersonalDataKind, raw: string) => string): string {
  let result = text;
  const splice = (spans: { start: number; end: number }[], kind: PersonalDataKind) => {
    for (const span of [...spans].reverse()) result = result.slice(0, span.start) + replace(kind, result.slice(span.start, span.end)) + result.slice(span.end);
  };
  if (!keep.has('email') && result.includes('@')) result = result.replace(EMAIL_PATTERN, (match) => replace('email', match));
  if (!/\d/.test(result)) return result;
  if (!keep.has('iban')) {
    splice(findIbans(result), 'iban');
    result = result.replace(FINNISH_IBAN_SHAPE, (match) => replace('iban', match));
  }
  if (!keep.has('hetu')) result = result.replace(HETU_PATTERN, (match) => (isValidHetu(match) || HETU_SHAPE.test(match) ? replace('hetu', match) : match));
  if (!keep.has('card')) splice(findCardNumbers(result), 'card');
  if (!keep.has('phone')) {
    result = result.replace(PHONE_PATTERN, (match) => {
      const phone = toE164(match);
      return phone ? replace('phone', match.slice(0, phone.length)) + match.slice(phone.length) : match;
    });
  }
  return result;
}

/**
 * A bot line for the transcript: the bot's own wording stays as written (an example number in a prompt, the
 * company's phone number), and only what came from the conversation is masked — personal data inside the
 * variables the message was rendered with, and the values of sensitive slots.
 */
export function maskBotLine(text: string, variables: readonly unknown[], sensitive: readonly string[] = []): string {
  if (typeof text !== 'string' || text === '') return typeof text === 'string' ? text : '';
  const found: { raw: string; label: string }[] = [];
  const collect = (kind: PersonalDataKind, raw: string): string => {
    found.push({ raw, label: `[${kind}]` });
    return raw;
  };
  for (const value of variables) {
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const variable = String(value);
    if (mayHoldPersonalData(variable)) replacePersonalData(variable, NOTHING_KEPT, collect);
  }
  if (found.length === 0 && sensitive.length === 0) return text;
  let result = text;
  for (const value of sensitive) if (value.trim().length > 0) result = result.split(value).join(SENSITIVE_PLACEHOLDER);
  // Longest first, so a number inside a longer one is not masked half.
  for (const { raw, label } of found.sort((a, b) => b.raw.length - a.raw.length)) if (raw.trim().length > 0) result = result.split(raw).join(label);
  return result;
}

/** Every string in a JSON-like value masked (analytics data, log fields); other values as they are. */
export function maskDeep<T>(value: T, options: MaskOptions = {}, depth = 0): T {
  if (typeof value === 'string') return maskPersonalData(value, options) as T;
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, options, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, maskDeep(inner, options, depth + 1)])) as T;
}

/** The raw values of the slots a flow marked sensitive, for masking them wherever they were repeated. */
export function sensitiveValues(slots: Slots | undefined, sensitive: ReadonlySet<string>): string[] {
  if (!slots || sensitive.size === 0) return [];
  return Object.entries(slots)
    .filter(([name, value]) => sensitive.has(name) && value !== null && value !== undefined && String(value).trim() !== '')
    .map(([, value]) => String(value));
}

/**
 * Slots as they may leave the dialog (tickets, webhooks, customer history, the conversation API): sensitive slots
 * become `[sensitive]`; other text slots keep the phone numbers and e-mail addresses an agent calls back on and
 * lose card numbers, identity codes and IBANs.
 */
export function maskSlots(slots: Slots | undefined, sensitive: ReadonlySet<string> = new Set()): Slots {
  const masked: Slots = {};
  for (const [name, value] of Object.entries(slots ?? {})) {
    if (sensitive.has(name) && value !== null && value !== undefined) masked[name] = SENSITIVE_PLACEHOLDER;
    else masked[name] = typeof value === 'string' ? maskPersonalData(value, { keep: ['phone', 'email'] }) : value;
  }
  return masked;
}

/** Transcript lines with every text masked (and the given sensitive values), the rest of each line as it is. */
export function maskTranscript(entries: readonly TranscriptEntry[], options: MaskOptions = {}): TranscriptEntry[] {
  return entries.map((entry) => (typeof entry.text === 'string' ? { ...entry, text: maskPersonalData(entry.text, options) } : entry));
}
