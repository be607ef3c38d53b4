import crypto from 'node:crypto';
import type { ConversationRow, TicketRow } from './service-report';

/**
 * CSV exports of the dashboard: one row per conversation and per ticket. No message text, no summaries; contact
 * details are masked (a name to its initial, a phone number to its last two digits, an e-mail to its domain) and the
 * customer id is replaced by a key that links rows of the same customer and nothing else.
 */

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value);
  // A cell that a spreadsheet would run as a formula is quoted and prefixed.
  if (/^[=+\-@\t\r]/.test(text) && typeof value !== 'number') text = `'${text}`;
  return /[",\n\r;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

const iso = (at: number | null): string => (at === null ? '' : new Date(at).toISOString());

/** A stable key per customer that cannot be turned back into the customer's id. */
export function customerKey(customer: string | null, salt = 'aspa-export'): string {
  return customer ? crypto.createHash('sha256').update(`${salt}:${customer}`).digest('hex').slice(0, 12) : '';
}

export function maskName(name: string | undefined): string {
  const first = name?.trim()[0];
  return first ? `${first.toUpperCase()}.` : '';
}

export function maskPhone(phone: string | undefined): string {
  const digits = (phone ?? '').replace(/\D/g, '');
  return digits.length >= 4 ? `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}` : '';
}

export function maskEmail(email: string | undefined): string {
  const at = (email ?? '').lastIndexOf('@');
  return at > 0 ? `***@${(email as string).slice(at + 1)}` : '';
}

export function conversationsCsv(rows: readonly ConversationRow[], salt?: string): string {
  return toCsv(
    ['conversation_id', 'started_at', 'channel', 'locale', 'outcome', 'ended_as', 'topic', 'handoff_reason', 'queue', 'ticket_id', 'turns', 'fallbacks', 'average_sentiment', 'csat', 'nps', 'ces', 'customer_key', 'repeat_within_7_days'],
    rows.map((row) => [row.conversationId, iso(row.startedAt), row.channel, row.locale, row.outcome, row.endedAs, row.topic, row.handoffReason, row.queue, row.ticketId,
      row.turns, row.fallbacks, row.averageSentiment, row.csat, row.nps, row.ces, customerKey(row.customer, salt), row.repeatContact === null ? '' : row.repeatContact ? 'yes' : 'no']),
  );
}

export function ticketsCsv(rows: readonly TicketRow[]): string {
  return toCsv(
    ['ticket_id', 'conversation_id', 'created_at', 'channel', 'locale', 'reason', 'intent', 'priority', 'queue', 'status', 'due_at', 'first_response_at', 'closed_at', 'sla_breached', 'contact_name', 'contact_phone', 'contact_email'],
    rows.map((row) => [row.id, row.conversationId, iso(row.createdAt), row.channel, row.locale, row.reason, row.intent, row.priority, row.queue, row.status, iso(row.dueAt),
      iso(row.firstResponseAt), iso(row.closedAt), row.slaBreached ? 'yes' : 'no', maskName(row.contact.name), maskPhone(row.contact.phone), maskEmail(row.contact.email)]),
  );
}
