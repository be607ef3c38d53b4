import type { ChannelKind, Locale } from '../core/turn';
import type { MessageTemplate } from './message-catalog';

export type MessageVariables = Record<string, string | number | boolean | null | undefined>;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOCALE_TAGS: Record<Locale, string> = { fi: 'fi-FI', en: 'en-GB', sv: 'sv-SE' };

const dateFormats = new Map<Locale, Intl.DateTimeFormat>();

/** A Finnish number in E.164 as people write it: +358501239876 → 050 123 9876. */
const FINNISH_E164 = /^\+358(\d{2})(\d{3})(\d{3,5})$/;

/**
 * A time window (the `time_window` entity: "2026-12-03 forenoon", "after 15:00") in words: a phrase that reads after
 * a date or on its own ("3.12.2026 aamupäivällä", "after 15:00", "på eftermiddagen").
 */
const PART_OF_DAY_WORDS: Record<Locale, Record<string, string>> = {
  fi: { morning: 'aamulla', forenoon: 'aamupäivällä', afternoon: 'iltapäivällä', evening: 'illalla' },
  en: { morning: 'in the morning', forenoon: 'before noon', afternoon: 'in the afternoon', evening: 'in the evening' },
  sv: { morning: 'på morgonen', forenoon: 'på förmiddagen', afternoon: 'på eftermiddagen', evening: 'på kvällen' },
};
const CLOCK_WORDS: Record<Locale, Record<'at' | 'after' | 'before', (time: string) => string>> = {
  fi: { at: (time) => `klo ${time}`, after: (time) => `klo ${time} jälkeen`, before: (time) => `ennen klo ${time}` },
  en: { at: (time) => `at ${time}`, after: (time) => `after ${time}`, before: (time) => `before ${time}` },
  sv: { at: (time) => `kl. ${time}`, after: (time) => `efter kl. ${time}`, before: (time) => `före kl. ${time}` },
};
const TIME_WINDOW = /^(?:(\d{4}-\d{2}-\d{2}) )?(?:(morning|forenoon|afternoon|evening)|(at|after|before) (\d{2}):(\d{2}))$/;
// A bare day is a window too, but reads as a date everywhere else: it is formatted as one (ISO_DATE above).

function formatDate(value: string, locale: Locale): string {
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALE_TAGS[locale], { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' });
    dateFormats.set(locale, format);
  }
  return format.format(new Date(`${value}T12:00:00Z`));
}

const dayFormats = new Map<Locale, Intl.DateTimeFormat>();
/** A day of the coming days with its weekday, without the year: "ke 2.12.", "Wed 2 Dec", "ons 2 dec.". */
function formatDay(value: string, locale: Locale): string {
  let format = dayFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALE_TAGS[locale], { weekday: 'short', day: 'numeric', month: locale === 'fi' ? 'numeric' : 'short', timeZone: 'UTC' });
    dayFormats.set(locale, format);
  }
  return format.format(new Date(`${value}T12:00:00Z`));
}

/** Formats a variable for a reader of `locale` (ISO dates become local dates, phone numbers readable, time windows words). */
export function formatValue(value: MessageVariables[string], locale: Locale): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' && FINNISH_E164.test(value)) return value.replace(FINNISH_E164, '0$1 $2 $3');
  if (typeof value === 'string' && ISO_DATE.test(value)) return formatDate(value, locale);
  const window = typeof value === 'string' ? TIME_WINDOW.exec(value) : null;
  if (window) {
    const [, date, part, relation, hours, minutes] = window;
    const clockSeparator = locale === 'en' ? ':' : '.';
    const when = part ? PART_OF_DAY_WORDS[locale][part] : CLOCK_WORDS[locale][relation as 'at' | 'after' | 'before'](`${hours}${clockSeparator}${minutes}`);
    return date ? `${formatDay(date, locale)} ${when}`.trim() : when;
  }
  return String(value);
}

export function interpolate(template: string, variables: MessageVariables, locale: Locale): string {
  return template.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (_match, name: string) => formatValue(variables[name], locale));
}

/**
 * Renders a message. `occurrence` is how many times this key was said before in the conversation, so
 * variants rotate and the bot never repeats itself word for word twice in a row (and tests stay deterministic).
 */
export function renderMessage(template: MessageTemplate, variables: MessageVariables, locale: Locale, occurrence = 0): { text: string; voice?: string } {
  const text = interpolate(template.text[occurrence % template.text.length], variables, locale);
  if (!template.voice) return { text };
  return { text, voice: interpolate(template.voice[occurrence % template.voice.length], variables, locale) };
}

/** Channels that speak their messages; they get a message's spoken variant (`voice:` in messages.yaml) when it has one. */
const SPOKEN_CHANNELS: ReadonlySet<ChannelKind> = new Set<ChannelKind>(['voice']);

/**
 * The one rendering of a message that a channel delivers: the spoken variant on the phone (when the message has
 * one), the written text everywhere else. The transcript records this same rendering, so tickets and the agent
 * console show what the customer actually got; the voice channel makes it speech-safe before speaking it.
 */
export function renderingFor(message: { text: string; voice?: string }, channel: ChannelKind): string {
  return SPOKEN_CHANNELS.has(channel) && message.voice ? message.voice : message.text;
}
