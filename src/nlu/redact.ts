import { isValidHetu, passesLuhn } from './entities/checksums';
import { EMAIL_PATTERN, findIbans, HETU_PATTERN, PHONE_PATTERN, toE164 } from './entities/extract-entities';

const CARD_PATTERN = /(?<![\d])\d(?:[ -]?\d){11,18}(?![\d])/g;

/**
 * Replaces personal data with placeholders before text reaches logs and transcripts: identity codes `[hetu]`,
 * IBANs `[iban]`, payment cards (Luhn-valid) `[card]`, phone numbers `[phone]` and e-mail addresses `[email]`.
 * Checksums keep order numbers and amounts readable. Hetu and IBAN are replaced even when the check fails if
 * they have the exact shape, because a mistyped identity code is still personal data.
 */
export type SensitiveKind = 'hetu' | 'iban' | 'card' | 'phone' | 'email';

export interface RedactOptions {
  /** Keep e-mail addresses and phone numbers (an agent needs them to call back). */
  keepContact?: boolean;
  /** Placeholder per kind; default `[hetu]`, `[iban]`, ... */
  labels?: Partial<Record<SensitiveKind, string>>;
}

export function redactSensitive(text: string, options: RedactOptions = {}): string {
  if (typeof text !== 'string' || text === '') return typeof text === 'string' ? text : '';
  const label = (kind: SensitiveKind) => options.labels?.[kind] ?? `[${kind}]`;
  let result = options.keepContact ? text : text.replace(EMAIL_PATTERN, label('email'));
  for (const iban of findIbans(result).reverse()) result = result.slice(0, iban.start) + label('iban') + result.slice(iban.end);
  result = result.replace(/(?<![\w])FI\d{2}(?: ?\d{4}){3} ?\d{2}(?![\w])/gi, label('iban'));
  result = result.replace(HETU_PATTERN, (match) => (isValidHetu(match) || /^\d{6}[-+A]\d{3}[0-9A-Y]$/i.test(match) ? label('hetu') : match));
  result = result.replace(CARD_PATTERN, (match) => (passesLuhn(match.replace(/\D/g, '')) ? label('card') : match));
  if (options.keepContact) return result;
  result = result.replace(PHONE_PATTERN, (match) => {
    const phone = toE164(match);
    return phone ? label('phone') + match.slice(phone.length) : match;
  });
  return result;
}
