import type { EntityMatch } from '../../core/nlu';
import { CARD_PATTERN, EMAIL_PATTERN, findIbans, HETU_PATTERN, IBAN_COUNTRIES, isCardNumber, isValidHetu, PHONE_PATTERN, toE164 } from '../../core/personal-data';
import type { Locale } from '../../core/turn';
import type { ListEntityValue } from '../load-nlu-data';
import { tokenize, type Token } from '../normalize-text';
import { findAddresses } from './addresses';
import { dayOf, findDates, findTimes } from './dates';
import { createListMatcher } from './list-entities';
import { findNumberWords } from './number-words';
import { findTimeWindow } from './time-windows';

/** Entity types every locale extracts without configuration. */
export const BUILT_IN_ENTITIES = [
  'number', 'date', 'time', 'time_window', 'email', 'phone', 'order_number', 'invoice_number', 'money', 'hetu', 'iban', 'card_number',
  'address', 'postcode', 'yes_no', 'language', 'any_text',
] as const;

export interface EntityExtractorOptions {
  locale: Locale;
  lists?: Record<string, ListEntityValue[]>;
  /** Regular expression for order numbers (matched against the whole candidate); default 5–8 digits. */
  orderNumberPattern?: string;
  /** Relative dates resolve to calendar days in this zone. */
  timeZone?: string;
}

export interface ExtractContext {
  now?: number;
  expectedEntity?: string;
}

const YES_NO: Record<Locale, { yes: string[]; no: string[] }> = {
  fi: {
    yes: ['kyllä', 'kylla', 'joo', 'juu', 'jep', 'jees', 'kyl', 'toki', 'ok', 'okei', 'selvä', 'sopii', 'käy', 'mielellään', 'tietysti', 'totta kai', 'ilman muuta', 'juuri niin', 'pitää paikkansa', 'haluan', 'tottakai'],
    no: ['ei', 'en', 'emme', 'eikä', 'nope', 'älä', 'ei kiitos', 'ei käy', 'en halua', 'eipä'],
  },
  en: {
    yes: ['yes', 'yeah', 'yep', 'yup', 'sure', 'of course', 'correct', 'right', 'ok', 'okay', 'please do', 'absolutely', 'definitely', 'indeed', 'yes please'],
    no: ['no', 'nope', 'nah', 'not really', 'no thanks', 'dont', "don't", 'negative', 'never'],
  },
  sv: {
    yes: ['ja', 'japp', 'jajamän', 'javisst', 'visst', 'absolut', 'gärna', 'okej', 'ok', 'precis', 'stämmer', 'självklart', 'jo', 'ja tack'],
    no: ['nej', 'nä', 'nää', 'nix', 'inte', 'nej tack', 'aldrig', 'icke'],
  },
};

/** Words after which a number is the invoice's: "lasku 5512009", "laskun numero on 5512009", "invoice no. 5512009". */
const INVOICE_CUES: Record<Locale, RegExp> = {
  // Any form and the common typos: "laskussa", "laskusa", "laskunumero", "laskunro"; "bil" for bill.
  fi: /^(lasku|lsku|laksu)/,
  en: /^(invoice|invoise|invioce|bill$|bills$|bil$|bils$)/,
  sv: /^(faktur|räkning)/,
};
/** Words that may stand between the cue and the number: "laskun numero on", "invoice number is". */
const INVOICE_FILLERS = new Set(['numero', 'nro', 'no', 'nr', 'number', 'nummer', 'on', 'oli', 'is', 'was', 'är', 'var', 'num', 'numerolla', 'numeroltaan', 'nummer', 'my', 'the', 'mun', 'minun']);
/** Words for "number" right before the digits: "nro 3391207", "number 5512009". */
const NUMBER_LABELS = new Set(['nro', 'numero', 'numerolla', 'no', 'nr', 'number', 'nummer', 'num']);
/** Words that say the digits are an order's (or its parcel's), not an invoice's. */
const ORDER_CUE = /^(tilau|order|beställ|paket|pakett|lähety|parcel|package|shipment|försändelse)/;
/** IBAN-shaped text (a known country code, check digits, groups): claimed even when the checksum is wrong. */
const IBAN_SHAPE = /(?<![\w])([A-Z]{2})\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?(?![\w])/gi;

const LANGUAGE_PREFIXES: [string, Locale][] = [
  ['suomeksi', 'fi'], ['suomea', 'fi'], ['suomi', 'fi'], ['suomen', 'fi'], ['finsk', 'fi'], ['finnish', 'fi'],
  ['englan', 'en'], ['engelsk', 'en'], ['english', 'en'], ['englis', 'en'],
  ['ruotsi', 'sv'], ['svensk', 'sv'], ['swedish', 'sv'],
];

function tokenRange(tokens: Token[], startToken: number, endToken: number): { start: number; end: number } {
  return { start: tokens[startToken].start, end: tokens[endToken].end };
}

/**
 * Builds the entity extractor of one locale. Finds every built-in entity type and the custom lists; values are
 * normalised (digits, ISO dates, HH:MM, E.164 phones, upper-case IBAN/hetu). Personal data is marked sensitive.
 */
export function createEntityExtractor(options: EntityExtractorOptions): (text: string, context?: ExtractContext) => EntityMatch[] {
  const { locale } = options;
  const timeZone = options.timeZone ?? 'Europe/Helsinki';
  const orderPattern = new RegExp(`^(?:${options.orderNumberPattern ?? '\\d{5,8}'})$`, 'i');
  const matchLists = createListMatcher(locale, options.lists ?? {});
  const yesNo = YES_NO[locale];
  const yesNoPhrases = [...yesNo.yes.map((phrase) => ({ phrase: phrase.split(' '), value: 'yes' })), ...yesNo.no.map((phrase) => ({ phrase: phrase.split(' '), value: 'no' }))]
    .sort((a, b) => b.phrase.length - a.phrase.length);

  return (text, context = {}) => {
    const entities: EntityMatch[] = [];
    if (typeof text !== 'string' || text.trim() === '') return entities;
    const input = text.length > 2000 ? text.slice(0, 2000) : text;
    const tokens = tokenize(input);
    const claimed: { start: number; end: number }[] = [];
    const isClaimed = (start: number, end: number) => claimed.some((range) => range.start < end && start < range.end);
    const add = (entity: EntityMatch, claim = true) => {
      entities.push(entity);
      if (claim) claimed.push({ start: entity.start, end: entity.end });
    };
    const slice = (start: number, end: number) => input.slice(start, end);

    // Most utterances have no digits and no @: the pattern families that need them are skipped outright.
    const hasDigits = /\d/.test(input);
    if (input.includes('@')) for (const match of input.matchAll(EMAIL_PATTERN)) {
      const start = match.index ?? 0;
      add({ type: 'email', value: match[0].toLowerCase(), text: match[0], start, end: start + match[0].length, sensitive: true });
    }
    if (hasDigits) for (const iban of findIbans(input)) {
      if (!isClaimed(iban.start, iban.end)) add({ type: 'iban', value: iban.value, text: slice(iban.start, iban.end), start: iban.start, end: iban.end, sensitive: true });
    }
    // An identity code or an IBAN with a wrong check character is still one: its digits are no order number.
    if (hasDigits) for (const match of input.matchAll(IBAN_SHAPE)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (IBAN_COUNTRIES.has(match[1].toUpperCase()) && !isClaimed(start, end)) claimed.push({ start, end });
    }
    if (hasDigits) for (const match of input.matchAll(HETU_PATTERN)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (isClaimed(start, end)) continue;
      if (isValidHetu(match[0])) add({ type: 'hetu', value: match[0].toUpperCase(), text: match[0], start, end, sensitive: true });
      else claimed.push({ start, end });
    }
    if (hasDigits) for (const match of input.matchAll(CARD_PATTERN)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      const digits = match[0].replace(/\D/g, '');
      if (!isClaimed(start, end) && isCardNumber(digits)) add({ type: 'card_number', value: digits, text: match[0], start, end, sensitive: true });
    }
    if (hasDigits) for (const match of input.matchAll(PHONE_PATTERN)) {
      const start = match.index ?? 0;
      const phone = toE164(match[0]);
      if (phone && !isClaimed(start, start + phone.length)) {
        add({ type: 'phone', value: phone.value, text: slice(start, start + phone.length).trim(), start, end: start + phone.length, sensitive: true });
      }
    }
    let firstTime: EntityMatch | undefined;
    if (hasDigits) for (const time of findTimes(input)) {
      if (isClaimed(time.start, time.end)) continue;
      const entity = { type: 'time', value: time.value, text: slice(time.start, time.end), start: time.start, end: time.end };
      firstTime ??= entity;
      add(entity);
    }
    const now = context.now ?? Date.now();
    let firstDate: EntityMatch | undefined;
    for (const date of findDates(tokens, input, locale, now, timeZone)) {
      const range = tokenRange(tokens, date.startToken, date.endToken);
      if (isClaimed(range.start, range.end)) continue;
      const entity = { type: 'date', value: date.value, text: slice(range.start, range.end), ...range };
      firstDate ??= entity;
      add(entity);
    }
    // When the customer wants it ("huomenna aamupäivällä", "after 3"): the day and time above read together.
    const today = dayOf(now, timeZone);
    const window = findTimeWindow(tokens, locale, { date: firstDate, time: firstTime }, `${today.year}-${String(today.month).padStart(2, '0')}-${String(today.day).padStart(2, '0')}`);
    if (window) add({ type: 'time_window', value: window.value, text: slice(window.start, window.end), start: window.start, end: window.end }, false);

    const wordNumbers = findNumberWords(tokens, locale);
    const norms = tokens.map((token) => token.norm);
    // A phone number read out digit by digit: "nolla neljä nolla, seitsemän kuusi viisi…".
    for (const span of wordNumbers) {
      const range = tokenRange(tokens, span.startToken, span.endToken);
      const phone = span.digits && span.digits.length >= 9 ? toE164(span.digits) : undefined;
      if (phone && phone.length === span.digits?.length && !isClaimed(range.start, range.end)) add({ type: 'phone', value: phone.value, text: slice(range.start, range.end), ...range, sensitive: true });
    }

    const places = findAddresses(tokens, input, locale, wordNumbers);
    for (const address of places.addresses) {
      const range = tokenRange(tokens, address.startToken, address.endToken);
      if (!isClaimed(range.start, range.end)) add({ type: 'address', value: address.value, text: slice(range.start, range.end), ...range }, false);
    }
    for (const postcode of places.postcodes) {
      const range = tokenRange(tokens, postcode.startToken, postcode.endToken);
      if (!isClaimed(range.start, range.end)) add({ type: 'postcode', value: postcode.value, text: slice(range.start, range.end), ...range });
    }
    // An address claims its house and apartment numbers (no order number or plain number there).
    for (const address of places.addresses) claimed.push(tokenRange(tokens, address.startToken, address.endToken));

    // Invoice numbers: digits after an invoice word, or any digit run when the bot asked for an invoice number
    // (unless the customer says it is an order's: "tilaus 20260004").
    const invoiceCue = INVOICE_CUES[locale];
    const cueBefore = (at: number): 'invoice' | 'order' | undefined => {
      // After a number label ("nro", "numero") a few other words may stand between: "laskussa väärä summa, nro 3391207".
      const reach = NUMBER_LABELS.has(norms[at - 1] ?? '') ? 5 : 4;
      for (let back = at - 1; back >= 0 && back >= at - reach; back--) {
        if (invoiceCue.test(norms[back])) return 'invoice';
        if (ORDER_CUE.test(norms[back])) return 'order';
        if (!INVOICE_FILLERS.has(norms[back]) && !NUMBER_LABELS.has(norms[at - 1] ?? '')) return undefined;
      }
      return undefined;
    };
    const invoiceRuns: { start: number; end: number }[] = [];
    for (let at = 0; hasDigits && at < tokens.length; at++) {
      if (!/^\d{4,14}$/.test(norms[at])) continue;
      // Invoice numbers with a year in front are written with a hyphen: "2026-1187".
      let end = at;
      while (/^\d{2,10}$/.test(norms[end + 1] ?? '') && /^[-/]$/.test(slice(tokens[end].end, tokens[end + 1].start))) end++;
      invoiceRuns.push({ start: at, end });
      at = end;
    }
    // Read out digit by digit on the phone: "laskun numero on viis viis yks kaks nolla nolla yhdeksän".
    for (const span of wordNumbers) if (span.digits && span.digits.length >= 4) invoiceRuns.push({ start: span.startToken, end: span.endToken });
    for (const run of invoiceRuns) {
      const cue = cueBefore(run.start);
      const cued = cue === 'invoice' || (cue === undefined && context.expectedEntity === 'invoice_number');
      const range = tokenRange(tokens, run.start, run.end);
      if (!cued || isClaimed(range.start, range.end)) continue;
      const spoken = wordNumbers.find((span) => span.startToken === run.start && span.endToken === run.end);
      const text = slice(range.start, range.end);
      add({ type: 'invoice_number', value: spoken?.digits ?? text, text, ...range });
    }

    // Money before plain numbers: "50 €", "12,50 euroa", "€ 9.90", "viisikymmentä euroa".
    if (hasDigits) for (const match of input.matchAll(/(?:€|\beur\b|\beuro\b)\s?(\d+(?:[.,]\d{1,2})?)(?![\d])|(?<![\d.,])(\d+(?:[.,]\d{1,2})?)\s?(?:€|e\b|eur(?:o[a-z]*)?\b|euro[a-z]*\b)/giu)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (isClaimed(start, end)) continue;
      add({ type: 'money', value: String(Number((match[1] ?? match[2]).replace(',', '.'))), text: match[0], start, end }, false);
    }
    for (const span of wordNumbers) {
      const next = tokens[span.endToken + 1];
      if (next && /^(euro|eur|€)/.test(next.norm) && span.digits === undefined) {
        const range = tokenRange(tokens, span.startToken, span.endToken + 1);
        add({ type: 'money', value: String(span.value), text: slice(range.start, range.end), ...range }, false);
      }
    }

    // Order numbers: a digit run (groups read apart, "123 45"), digits read as words, or a code the pattern allows.
    // Every order number has a digit in it (or is read out as digit words): other tokens are not candidates.
    const candidates: { value: string; start: number; end: number }[] = [];
    for (let at = 0; hasDigits && at < tokens.length; at++) {
      if (!/\d/.test(tokens[at].norm)) continue;
      candidates.push({ value: tokens[at].text, start: tokens[at].start, end: tokens[at].end });
      let joined = tokens[at].norm;
      for (let end = at + 1; end < tokens.length && /^\d+$/.test(tokens[end].norm) && /^\d+$/.test(tokens[end - 1].norm) && /^\s+$/.test(slice(tokens[end - 1].end, tokens[end].start)); end++) {
        joined += tokens[end].norm;
        candidates.push({ value: joined, start: tokens[at].start, end: tokens[end].end });
      }
    }
    for (const span of wordNumbers) {
      const range = tokenRange(tokens, span.startToken, span.endToken);
      candidates.push({ value: span.digits ?? String(span.value), ...range });
    }
    const hyphenated = !hasDigits ? [] : input.matchAll(/(?<![\w-])[\w]+(?:-[\w]+)+(?![\w-])/g);
    for (const match of hyphenated) candidates.push({ value: match[0], start: match.index ?? 0, end: (match.index ?? 0) + match[0].length });
    const orders = candidates
      .filter((candidate) => orderPattern.test(candidate.value) && !isClaimed(candidate.start, candidate.end))
      .sort((a, b) => b.end - b.start - (a.end - a.start));
    const orderRanges: { start: number; end: number }[] = [];
    for (const order of orders) {
      if (orderRanges.some((range) => range.start < order.end && order.start < range.end)) continue;
      orderRanges.push(order);
      entities.push({ type: 'order_number', value: order.value.toUpperCase(), text: slice(order.start, order.end), start: order.start, end: order.end });
    }

    if (hasDigits) for (const match of input.matchAll(/(?<![\d.,:\w])-?\d+(?:[.,]\d+)?(?![\d\w]|[.,:]\d)/g)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (isClaimed(start, end)) continue;
      entities.push({ type: 'number', value: String(Number(match[0].replace(',', '.'))), text: match[0], start, end });
    }
    for (const span of wordNumbers) {
      const range = tokenRange(tokens, span.startToken, span.endToken);
      if (!isClaimed(range.start, range.end)) entities.push({ type: 'number', value: span.digits ?? String(span.value), text: slice(range.start, range.end), ...range });
    }

    // yes/no: at the start of the answer, or anywhere when the bot asked a yes/no question.
    const searchAll = context.expectedEntity === 'yes_no';
    for (let at = 0; at < (searchAll ? tokens.length : Math.min(1, tokens.length)); at++) {
      const hit = yesNoPhrases.find(({ phrase }) => phrase.every((word, index) => norms[at + index] === word));
      if (hit) {
        const range = tokenRange(tokens, at, at + hit.phrase.length - 1);
        entities.push({ type: 'yes_no', value: hit.value, text: slice(range.start, range.end), ...range });
        break;
      }
    }
    for (let at = 0; at < tokens.length; at++) {
      const language = LANGUAGE_PREFIXES.find(([prefix]) => norms[at].startsWith(prefix));
      if (language) {
        entities.push({ type: 'language', value: language[1], text: tokens[at].text, start: tokens[at].start, end: tokens[at].end });
        break;
      }
    }
    for (const match of matchLists(tokens)) {
      const range = tokenRange(tokens, match.startToken, match.endToken);
      entities.push({ type: match.type, value: match.value, text: slice(range.start, range.end), ...range });
    }
    if (context.expectedEntity === 'any_text') entities.push({ type: 'any_text', value: input.trim(), text: input, start: 0, end: input.length });
    return entities.sort((a, b) => a.start - b.start);
  };
}
