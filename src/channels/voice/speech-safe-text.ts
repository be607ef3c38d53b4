import type { Locale } from '../../core/turn';

const WORDS: Record<Locale, { dot: string; slash: string; at: string }> = {
  fi: { dot: 'piste', slash: 'kauttaviiva', at: 'ät' },
  sv: { dot: 'punkt', slash: 'snedstreck', at: 'snabel-a' },
  en: { dot: 'dot', slash: 'slash', at: 'at' },
};

const URL_PATTERN = /\b(?:https?:\/\/)?(?:www\.)?((?:[a-z0-9-]+\.)+(?:fi|se|com|net|org|eu|io))((?:\/[\w\-./%]*)?)(?:\?[^\s]*[^\s.,!?])?/gi;
const EMAIL_PATTERN = /\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b/g;
/** Phone numbers: +358 40 123 4567, 040-123 4567, 0401234567 (7+ digits with optional separators). */
const PHONE_PATTERN = /(?<![\w+])(\+?\d[\d -]{5,}\d)(?![\w])/g;
/** Ids with a letter prefix, e.g. the ticket id ASPA-000123. */
const PREFIXED_ID_PATTERN = /\b([A-Z]{2,6})-(\d{3,})\b/g;
/** Order numbers and other long digit runs. */
const LONG_NUMBER_PATTERN = /\b\d{5,}\b/g;

function digitByDigit(digits: string): string {
  return digits.replace(/\D/g, '').split('').join(' ');
}

/**
 * Makes a message safe and natural for `<Say>`: markup and emoji go, URLs and e-mail addresses are read
 * in words, and order numbers, ticket ids and phone numbers are read digit by digit ("1 2 3 4 5")
 * instead of as one big number. The output is plain text; the TwiML builder escapes it.
 */
export function toSpeechSafeText(text: string, locale: Locale): string {
  const words = WORDS[locale];
  let out = text
    .replace(/<[^>]*>/g, ' ') // HTML/SSML tags
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // markdown links keep their label
    .replace(/[*_`#>~]+/g, ' ')
    .replace(/\p{Extended_Pictographic}/gu, ' ');
  out = out.replace(EMAIL_PATTERN, (_m, user: string, domain: string) =>
    `${user.replace(/\./g, ` ${words.dot} `)} ${words.at} ${domain.split('.').join(` ${words.dot} `)}`);
  out = out.replace(URL_PATTERN, (_m, host: string, path: string) => {
    const spokenHost = host.split('.').join(` ${words.dot} `);
    const parts = (path ?? '').split('/').filter((part) => part.length > 0);
    return [spokenHost, ...parts].join(` ${words.slash} `);
  });
  out = out.replace(PREFIXED_ID_PATTERN, (_m, prefix: string, digits: string) => `${prefix.split('').join(' ')}, ${digitByDigit(digits)}`);
  out = out.replace(PHONE_PATTERN, (match) => {
    const digits = match.replace(/\D/g, '');
    if (digits.length < 7) return match;
    return `${match.trim().startsWith('+') ? '+ ' : ''}${digitByDigit(digits)}`;
  });
  out = out.replace(LONG_NUMBER_PATTERN, (match) => digitByDigit(match));
  return out.replace(/\s+/g, ' ').replace(/\s+([.,!?;:])/g, '$1').trim();
}
