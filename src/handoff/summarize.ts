import type { ConversationRecord } from '../core/conversation';
import type { HandoffReason } from '../core/reply';
import type { ContactRecord, SlotValue, TicketSentiment } from '../core/ticket';
import type { TranscriptEntry } from '../core/transcript';
import type { ChannelKind, Locale } from '../core/turn';
import { maskPersonalData, type PersonalDataKind } from '../core/personal-data';
import { toLocal } from './zoned-time';

export interface SummaryInput {
  conversation: ConversationRecord;
  reason: HandoffReason;
  /** The topic intent; when absent, the first customer line's intent is used. */
  intent?: string;
  /** Earlier contacts of the customer, newest first (this conversation excluded). */
  history?: ContactRecord[];
  /** The customer's tone up to the handoff. */
  sentiment?: TicketSentiment;
}

export interface SummaryOptions {
  /** Finnish name of an intent for the agent (e.g. from `locales/fi` `intents.<name>`). */
  intentLabel?: (intent: string) => string | undefined;
  /** Finnish name of a slot (`invoiceNumber` → `laskunumero`). */
  slotLabel?: (slot: string) => string | undefined;
  /** For the dates of earlier contacts (default `Europe/Helsinki`). */
  timeZone?: string;
  /** How many of the last bot answers to list (default 3). */
  botAnswers?: number;
  /**
   * Bot message keys that are not "answers" (default: any key with a segment starting `handoff`, the notice itself).
   * A channel's own prompts and lines the customer never got are skipped whatever this says.
   */
  skipKeys?: RegExp;
}

/** The summary is written for the agents, who work in Finnish, whatever language the customer used. */
const REASON_FI: Record<HandoffReason, string> = {
  customer_request: 'asiakas pyysi ihmistä',
  emergency: 'hätätilanne',
  billing_dispute: 'laskuriita',
  not_understood: 'botti ei ymmärtänyt asiakasta',
  negative_sentiment: 'asiakas on tyytymätön',
  callback: 'asiakas pyysi soittoa',
  sensitive: 'arkaluonteinen asia',
  integration_error: 'taustajärjestelmän virhe',
  flow: 'keskustelu ohjasi ihmiselle',
};

const CHANNEL_FI: Record<ChannelKind, string> = {
  web: 'verkkochat', api: 'API', voice: 'puhelu', botframework: 'Teams/Bot Framework', cli: 'komentorivi', test: 'testi',
};

const LANGUAGE_FI: Record<Locale, string> = { fi: 'suomi', en: 'englanti', sv: 'ruotsi' };

/** How an earlier contact ended, for the agent. */
export const OUTCOME_FI: Readonly<Record<string, string>> = Object.freeze({
  open: 'kesken', handoff: 'ohjattu ihmiselle', resolved: 'botti ratkaisi', abandoned: 'asiakas poistui', ended: 'päättyi',
});

const SENTIMENT_FI: Record<TicketSentiment['label'], string> = { negative: 'kielteinen', neutral: 'neutraali', positive: 'myönteinen' };

/**
 * The phone's own prompts ("Anteeksi, en kuullut…", "Kuulinko oikein…?", the keypad menu, transfer notices), which the
 * voice channel records so the transcript reads as the call was heard: how the call was steered, not what the
 * customer was told.
 */
const CHANNEL_PROMPT_KEY = /^voice\./;

/** A bot line that tells the customer something: not a handoff notice or a channel prompt, and actually delivered. */
function isAnswer(entry: TranscriptEntry, skip: RegExp): boolean {
  if (entry.from !== 'bot' || typeof entry.text !== 'string' || entry.text.trim() === '') return false;
  if (entry.interrupted === 'not_played') return false;
  return !(entry.key && (skip.test(entry.key) || CHANNEL_PROMPT_KEY.test(entry.key)));
}

const QUOTE_LENGTH = 160;
const ANSWER_LENGTH = 80;
const SLOT_LENGTH = 120;

/** Finnish names of the demo flows' slots; `slotLabel` overrides and extends them. */
export const DEFAULT_SLOT_LABELS_FI: Readonly<Record<string, string>> = Object.freeze({
  order_number: 'tilausnumero', invoice_number: 'laskunumero', phone: 'puhelin', email: 'sähköposti', name: 'nimi',
  dispute_details: 'asiakkaan kuvaus', fault_details: 'vian kuvaus', wants_callback: 'haluaa soiton', contact: 'yhteystieto',
});
const HISTORY_ITEMS = 3;

/** The policy's placeholders in Finnish, because agents read the summary in Finnish. */
const FINNISH_LABELS: Record<PersonalDataKind, string> = { hetu: '[henkilötunnus]', iban: '[IBAN]', card: '[kortti]', phone: '[puhelin]', email: '[sähköposti]' };
const STORED_PLACEHOLDER = /\[(card|hetu|iban|phone|email)\]/g;

/**
 * Text for the summary with personal data masked by the one policy (`core/personal-data`). Transcript lines are
 * masked when stored already; their placeholders are written in Finnish here.
 */
export function maskForSummary(text: string, options: { keepContact?: boolean } = {}): string {
  const masked = maskPersonalData(text, { labels: FINNISH_LABELS, keep: options.keepContact ? ['phone', 'email'] : [] });
  return masked.replace(STORED_PLACEHOLDER, (_match, kind: PersonalDataKind) => FINNISH_LABELS[kind]).replace(/\[sensitive\]/g, '[piilotettu]');
}

/** One line, at most `max` characters, cut at a word boundary when there is one near. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

function formatSlot(value: SlotValue): string {
  if (value === null) return '–';
  if (typeof value === 'boolean') return value ? 'kyllä' : 'ei';
  return shorten(maskForSummary(String(value), { keepContact: true }), SLOT_LENGTH);
}

function formatScore(score: number): string {
  return (Math.round(score * 100) / 100).toFixed(2).replace('-', '−');
}

function formatDate(at: number, timeZone: string): string {
  const local = toLocal(at, timeZone);
  return `${local.day}.${local.month}.${local.year}`;
}

/**
 * A short plain-text summary in Finnish so the agent can start without reading the transcript:
 * topic, reason, the customer's own words (personal data masked), what the bot already answered,
 * the slots collected, channel and language, and earlier contacts. One labelled line each.
 */
export function summarizeConversation(input: SummaryInput, options: SummaryOptions = {}): string {
  const { conversation, reason } = input;
  const timeZone = options.timeZone ?? 'Europe/Helsinki';
  const skip = options.skipKeys ?? /(^|\.)handoff/;
  const transcript = Array.isArray(conversation.transcript) ? conversation.transcript : [];
  const customerLines = transcript.filter((entry) => entry.from === 'customer' && typeof entry.text === 'string' && entry.text.trim() !== '');

  const intent = input.intent ?? customerLines.find((entry) => entry.intent && entry.intent !== 'oos')?.intent;
  const lines: string[] = [];

  const label = intent ? options.intentLabel?.(intent) : undefined;
  lines.push(`Aihe: ${intent ? (label && label !== intent ? `${label} (${intent})` : intent) : 'ei tunnistettu'}.`);
  lines.push(`Syy: ${REASON_FI[reason] ?? reason}.`);

  // The customer's own words on the topic: the first line the NLU put under it, else their first line.
  const topicLine = (intent && customerLines.find((entry) => entry.intent === intent)) || customerLines[0];
  if (topicLine) lines.push(`Asiakas: "${shorten(maskForSummary(topicLine.text), QUOTE_LENGTH)}".`);

  const answers = transcript.filter((entry) => isAnswer(entry, skip)).slice(-(options.botAnswers ?? 3));
  if (answers.length > 0) {
    // The agent reads what the customer saw; message keys stay in the transcript for whoever needs them. A line
    // the caller talked over may not have been heard to the end.
    const told = answers.map((entry) => `"${shorten(maskForSummary(entry.text), ANSWER_LENGTH)}"${entry.interrupted === 'barge_in' ? ' (asiakas keskeytti)' : ''}`);
    lines.push(`Botti kertoi: ${told.join('; ')}.`);
  }

  const slots = Object.entries(conversation.slots ?? {}).filter(([, value]) => value !== undefined && value !== '');
  if (slots.length > 0) {
    lines.push(`Kerätyt tiedot: ${slots.map(([name, value]) => `${options.slotLabel?.(name) ?? DEFAULT_SLOT_LABELS_FI[name] ?? name}=${formatSlot(value)}`).join(', ')}.`);
  }

  lines.push(`Kanava: ${CHANNEL_FI[conversation.channel] ?? conversation.channel}, kieli: ${LANGUAGE_FI[conversation.locale] ?? conversation.locale}.`);
  if (input.sentiment) lines.push(`Sävy: ${SENTIMENT_FI[input.sentiment.label]} (viimeisin ${formatScore(input.sentiment.last)}, alin ${formatScore(input.sentiment.lowest)}).`);

  const history = input.history ?? [];
  if (history.length === 0) {
    lines.push('Aiemmat yhteydet: ei.');
  } else {
    const items = history.slice(0, HISTORY_ITEMS).map((contact) => {
      const details = [contact.outcome ? OUTCOME_FI[contact.outcome] ?? contact.outcome : undefined, contact.ticketId].filter(Boolean).join(', ');
      const topicLabel = contact.intent ? options.intentLabel?.(contact.intent) : undefined;
      const topic = contact.intent ? `: ${topicLabel && topicLabel !== contact.intent ? topicLabel : contact.intent}` : '';
      return `${formatDate(contact.at, timeZone)} ${CHANNEL_FI[contact.channel] ?? contact.channel}${topic}${details ? ` (${details})` : ''}`;
    });
    const more = history.length > HISTORY_ITEMS ? ` ja ${history.length - HISTORY_ITEMS} muuta` : '';
    lines.push(`Aiemmat yhteydet (${history.length}): ${items.join('; ')}${more}.`);
  }
  return lines.join('\n');
}
