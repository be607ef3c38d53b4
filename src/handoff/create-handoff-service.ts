import { AppError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { contactFromSlots, CONTACT_SLOTS, EMAIL_SLOTS, normalizeEmail, normalizePhone, PHONE_SLOTS } from '../core/normalize-contact';
import { maskSlots, maskTranscript } from '../core/personal-data';
import type { Clock, CustomerStore, Outbox, TicketStore } from '../core/ports';
import { HANDOFF_REASONS, PRIORITIES } from '../core/reply';
import type { HandoffService, TicketCustomerUpdate, TicketRequest } from '../core/services';
import type { ContactRecord, Customer, CustomerContact, Slots, Ticket, TicketSentiment } from '../core/ticket';
import type { TranscriptEntry } from '../core/transcript';
import { isLocale, type CustomerHints, type Locale } from '../core/turn';
import { createBusinessHours, formatOpening, NO_OPENING_PHRASE, type BusinessHoursConfig } from './business-hours';
import { createRouting, type RoutingConfig } from './routing';
import { summarizeConversation, type SummaryOptions } from './summarize';
import { validateWebhookSinkConfig, WEBHOOK_SINK, type WebhookSinkConfig } from './webhook-dispatcher';
import { HandoffConfigError } from './handoff-config-error';

/**
 * What the helpdesk webhook receives (JSON): the whole ticket, transcript, contact, customer history and sentiment
 * included. `ticket.updated` follows when the customer's contact details or record became known after the handoff.
 */
export interface TicketWebhookPayload {
  event: 'ticket.created' | 'ticket.updated';
  ticket: Ticket;
}

export interface HandoffServiceDeps {
  tickets: TicketStore;
  customers: CustomerStore;
  outbox: Outbox;
  clock: Clock;
  hours: BusinessHoursConfig;
  routing: RoutingConfig;
  sinks: { webhook?: WebhookSinkConfig };
  /** Finnish labels for intents and slots in the summary. */
  summary?: SummaryOptions;
  logger?: Logger;
  /**
   * How long a turn's ticket id stays reserved for a retry of that turn (default 30 min). Use the conversations'
   * idle timeout: a conversation id can start afresh only after that, and must then get tickets of its own.
   */
  ticketKeyTtlMs?: number;
}

export const DEFAULT_TICKET_KEY_TTL_MS = 30 * 60_000;
const NAME_SLOTS = ['name', 'customerName', 'customer_name'];
/** Slots that hold how to reach the customer; copied onto the ticket when they are given after the handoff. */
const CONTACT_SLOT_NAMES: readonly string[] = [...PHONE_SLOTS, ...EMAIL_SLOTS, ...CONTACT_SLOTS, ...NAME_SLOTS];

/**
 * How to reach the customer, freshest first: what they gave or confirmed in this conversation (contact slots), what
 * the channel knows (the number they call from), then the customer record. `source` says which one the agent sees.
 */
function contactOf(slots: Slots, customer: Customer | undefined, hints: CustomerHints | undefined): CustomerContact {
  const contact: CustomerContact = {};
  const nameSlot = NAME_SLOTS.map((name) => slots[name]).find((value) => typeof value === 'string' && value.trim() !== '');
  const name = (typeof nameSlot === 'string' ? nameSlot.trim().slice(0, 200) : undefined) ?? customer?.name;
  const given = contactFromSlots(slots);
  const fromChannel = { phone: hints?.phone ? normalizePhone(hints.phone) : undefined, email: hints?.email ? normalizeEmail(hints.email) : undefined };
  const phone = given.phone ?? fromChannel.phone ?? customer?.phones?.[0];
  const email = given.email ?? fromChannel.email ?? customer?.emails?.[0];
  if (name) contact.name = name;
  if (phone) contact.phone = phone;
  if (email) contact.email = email;
  if (given.phone || given.email) contact.source = 'conversation';
  else if (fromChannel.phone || fromChannel.email) contact.source = 'channel';
  else if (phone || email) contact.source = 'customer_record';
  return contact;
}

/** Sentiment below this on any line is an angry customer; the last line at or beyond ±this sets the tone. */
const ANGRY = -0.5;
const TONE = 0.25;

/** The customer's tone from the sentiment of their lines (the NLU scores every typed or spoken line). */
export function sentimentOf(transcript: TranscriptEntry[]): TicketSentiment | undefined {
  const scores = transcript.filter((entry) => entry.from === 'customer' && typeof entry.sentiment === 'number' && Number.isFinite(entry.sentiment)).map((entry) => entry.sentiment as number);
  if (scores.length === 0) return undefined;
  const last = scores[scores.length - 1];
  const lowest = Math.min(...scores);
  const average = Math.round((scores.reduce((sum, score) => sum + score, 0) / scores.length) * 1000) / 1000;
  const label = lowest <= ANGRY || last <= -TONE ? 'negative' : last >= TONE && lowest > -TONE ? 'positive' : 'neutral';
  return { label, last, lowest, average, lines: scores.length };
}

/** Earlier contacts of the customer, newest first, this conversation left out. */
function historyOf(customer: Customer | undefined, conversationId: string): ContactRecord[] {
  return (customer?.contacts ?? []).filter((contact) => contact.conversationId !== conversationId).sort((left, right) => right.at - left.at);
}

/** The topic: the flow's intent, else the first thing the customer said that the NLU recognised. */
function topicOf(request: TicketRequest, transcript: TranscriptEntry[]): string | undefined {
  if (request.intent) return request.intent;
  return transcript.find((entry) => entry.from === 'customer' && entry.intent && entry.intent !== 'oos')?.intent;
}

function invalidRequest(message: string, conversationId?: string): AppError {
  return new AppError('handoff.invalid_request', message, { conversationId });
}

function assertRequest(request: TicketRequest): void {
  const conversation: unknown = request?.conversation;
  if (typeof conversation !== 'object' || conversation === null || typeof (conversation as { id?: unknown }).id !== 'string') {
    throw invalidRequest('createTicket needs the conversation record (with its id)');
  }
  const conversationId = (conversation as { id: string }).id;
  if (!HANDOFF_REASONS.includes(request.reason)) {
    throw invalidRequest(`handoff reason ${JSON.stringify(request.reason)} is not one of ${HANDOFF_REASONS.join(', ')}`, conversationId);
  }
  if (!PRIORITIES.includes(request.priority)) {
    throw invalidRequest(`priority ${JSON.stringify(request.priority)} is not one of ${PRIORITIES.join(', ')}`, conversationId);
  }
  if (request.queue !== undefined && (typeof request.queue !== 'string' || request.queue.length === 0)) {
    throw invalidRequest('queue must be a non-empty string when given', conversationId);
  }
}

/**
 * The handoff service: opening hours, and tickets with id, contact, history, summary, queue and SLA,
 * delivered to the helpdesk webhook through the durable outbox. Throws `HandoffConfigError` at start-up
 * when the hours, routing or sink settings are invalid.
 */
/** The handoff service with the optional parts of the port it implements. */
export type FullHandoffService = HandoffService & Required<Pick<HandoffService, 'waitingAhead' | 'updateCustomer'>>;

export function createHandoffService(deps: HandoffServiceDeps): FullHandoffService {
  const hours = createBusinessHours(deps.hours);
  const routing = createRouting(deps.routing);
  const webhook = deps.sinks?.webhook;
  if (webhook) {
    const problems = validateWebhookSinkConfig(webhook);
    if (problems.length > 0) throw new HandoffConfigError('webhook sink', problems);
  }
  const logger = deps.logger ?? silentLogger;

  async function findCustomer(request: TicketRequest): Promise<Customer | undefined> {
    if (request.customer) return request.customer;
    const customerId = request.conversation.customerId;
    if (!customerId) return undefined;
    try {
      return await deps.customers.get(customerId);
    } catch (error) {
      // A ticket without history is better than no ticket: the agent can still look the customer up.
      logger.warn('handoff.customer.lookup_failed', { conversationId: request.conversation.id, error: String(error) });
      return undefined;
    }
  }

  /**
   * The ticket id of this handoff: the conversation's n-th ticket, n being the tickets its saved record has made
   * (`handoffs`). A turn retried after a crash before its conversation was saved starts from the same count, so it
   * gets the same id whichever path it takes this time, and so does the next handoff when the retry made none (the
   * opening hours ended meanwhile): a ticket the customer was never told is taken over, never doubled. A record
   * that is not a stored conversation (no version) gets a fresh id.
   */
  async function ticketIdFor(conversation: TicketRequest['conversation']): Promise<string> {
    const { version, handoffs } = conversation as { version?: unknown; handoffs?: unknown };
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) return deps.tickets.nextId();
    const made = typeof handoffs === 'number' && Number.isInteger(handoffs) && handoffs > 0 ? handoffs : 0;
    return deps.tickets.reserveId(`${conversation.id}:handoff:${made}`, deps.ticketKeyTtlMs ?? DEFAULT_TICKET_KEY_TTL_MS);
  }

  /** The same handoff again (the turn retried down the same path): same reason, made from the same transcript. */
  function sameHandoff(made: Ticket, request: TicketRequest): boolean {
    const lines = Array.isArray(request.conversation.transcript) ? request.conversation.transcript.length : 0;
    return made.reason === request.reason && made.transcript.length === lines;
  }

  /**
   * A ticket made by a crashed attempt whose retry went another way becomes this handoff's ticket: its content is
   * this handoff's, its id, creation time and handling (status, agent) stay, and the helpdesk gets `ticket.updated`
   * (keyed by the transcript length, so a retry of this turn sends it once). Compare-and-set: an agent's claim
   * meanwhile wins, and the ticket is answered as they left it.
   */
  async function takeOver(made: Ticket, built: Ticket): Promise<Ticket> {
    const next: Ticket = {
      ...built, id: made.id, createdAt: made.createdAt, dueAt: routing.dueAt(built.priority, made.createdAt), status: made.status,
      ...(made.agent !== undefined ? { agent: made.agent } : {}),
    };
    if (webhook) {
      const key = `${made.id}:taken-over:${next.transcript.length}`;
      const payload: TicketWebhookPayload = { event: 'ticket.updated', ticket: next };
      await deps.outbox.enqueue({ id: `${WEBHOOK_SINK}:${key}`, sink: WEBHOOK_SINK, idempotencyKey: key, payload, dueAt: built.createdAt, createdAt: built.createdAt });
    }
    const written = await deps.tickets.updateIf(next, { status: made.status, agent: made.agent });
    logger.info('handoff.ticket.taken_over', { conversationId: made.conversationId, ticketId: made.id, reason: next.reason, from: made.reason, applied: written?.applied ?? false });
    return written?.current ?? next;
  }

  async function createTicket(request: TicketRequest): Promise<Ticket> {
    assertRequest(request);
    const { conversation } = request;
    const id = await ticketIdFor(conversation);
    const made = await deps.tickets.get(id);
    if (made && sameHandoff(made, request)) {
      logger.info('handoff.ticket.found_again', { conversationId: conversation.id, ticketId: id });
      return made;
    }
    const customer = await findCustomer(request);
    // The personal-data policy once more at the door (whatever the caller masked): the ticket is stored, shown to
    // agents and POSTed to the helpdesk as it is built here. Contact details in slots stay (agents call back).
    const transcript: TranscriptEntry[] = Array.isArray(conversation.transcript) ? maskTranscript(structuredClone(conversation.transcript)) : [];
    const slots: Slots = maskSlots(conversation.slots ?? {});
    const history = historyOf(customer, conversation.id).map((contact) => (contact.slots ? { ...contact, slots: maskSlots(contact.slots) } : contact));
    const sentiment = sentimentOf(transcript);
    const intent = topicOf(request, transcript);
    const createdAt = deps.clock.now();
    const locale: Locale = isLocale(conversation.locale) ? conversation.locale : 'fi';
    const ticket: Ticket = {
      id,
      conversationId: conversation.id,
      createdAt,
      channel: conversation.channel,
      locale,
      reason: request.reason,
      ...(intent ? { intent } : {}),
      priority: request.priority,
      queue: routing.queueFor({ queue: request.queue, intent, reason: request.reason }),
      dueAt: routing.dueAt(request.priority, createdAt),
      contact: contactOf(slots, customer, request.hints),
      ...(customer ? { customerId: customer.id } : {}),
      ...(sentiment ? { sentiment } : {}),
      summary: summarizeConversation({ conversation: { ...conversation, transcript, slots }, reason: request.reason, intent, history, sentiment }, deps.summary),
      slots,
      transcript,
      history,
      status: 'open',
    };
    if (made) return takeOver(made, ticket);

    // Delivery job first, ticket second. If the process dies in between, the helpdesk still gets the
    // ticket (the outbox item carries all of it) and the customer was never told a ticket id, so nothing
    // is lost; the opposite order could leave a stored ticket that no helpdesk ever hears of. A retried turn
    // has the same ticket id, so its enqueue keeps the first job (one delivery, one idempotency key); ids are never
    // reused otherwise.
    if (webhook) {
      const payload: TicketWebhookPayload = { event: 'ticket.created', ticket };
      await deps.outbox.enqueue({
        id: `${WEBHOOK_SINK}:${ticket.id}`, sink: WEBHOOK_SINK, idempotencyKey: ticket.id, payload, dueAt: createdAt, createdAt,
      });
    }
    try {
      await deps.tickets.create(ticket);
    } catch (error) {
      // The same turn on another instance at the same moment made it first: theirs is the ticket.
      const raced = (error as { code?: string }).code === 'DUPLICATE' ? await deps.tickets.get(ticket.id) : undefined;
      if (raced) return raced;
      throw error;
    }
    logger.info('handoff.ticket.created', {
      conversationId: conversation.id, ticketId: ticket.id, queue: ticket.queue, priority: ticket.priority, reason: ticket.reason,
    });

    if (customer) {
      // So that a customer who calls right after chatting is met with this ticket; the engine may replace
      // this record (same conversation id) with the final outcome later.
      const contact: ContactRecord = {
        conversationId: conversation.id, channel: conversation.channel, at: createdAt, outcome: 'handoff', ticketId: ticket.id,
        ...(intent ? { intent } : {}),
      };
      try {
        await deps.customers.recordContact(customer.id, contact);
      } catch (error) {
        logger.warn('handoff.customer.record_failed', { conversationId: conversation.id, ticketId: ticket.id, error: String(error) });
      }
    }
    return ticket;
  }

  async function waitingAhead(ticket: Pick<Ticket, 'id' | 'queue' | 'createdAt'>): Promise<number> {
    const open = await deps.tickets.list({ status: 'open', limit: 1000 });
    return open.filter((other) => other.queue === ticket.queue && other.id !== ticket.id && other.createdAt <= ticket.createdAt).length;
  }

  async function updateCustomer(ticketId: string, update: TicketCustomerUpdate): Promise<Ticket | undefined> {
    const ticket = await deps.tickets.get(ticketId);
    if (!ticket) return undefined;
    const { conversation, customer, hints } = update;
    const slots: Slots = { ...ticket.slots };
    for (const name of CONTACT_SLOT_NAMES) {
      const value = conversation.slots?.[name];
      if (value !== undefined && value !== null && value !== '') slots[name] = value;
    }
    const contact = contactOf(slots, customer, hints);
    const history = customer ? historyOf(customer, ticket.conversationId) : ticket.history;
    const next: Ticket = {
      ...ticket, slots, contact, history, ...(customer ? { customerId: customer.id } : {}),
    };
    next.summary = summarizeConversation({
      conversation: { ...conversation, transcript: ticket.transcript, slots, channel: ticket.channel, locale: ticket.locale },
      reason: ticket.reason, intent: ticket.intent, history, sentiment: ticket.sentiment,
    }, deps.summary);
    const same = JSON.stringify([ticket.contact, ticket.history, ticket.customerId, ticket.slots]) === JSON.stringify([next.contact, next.history, next.customerId, next.slots]);
    if (same) return ticket;
    const at = deps.clock.now();
    if (webhook) {
      const payload: TicketWebhookPayload = { event: 'ticket.updated', ticket: next };
      const key = `${ticket.id}:updated:${at}`;
      await deps.outbox.enqueue({ id: `${WEBHOOK_SINK}:${key}`, sink: WEBHOOK_SINK, idempotencyKey: key, payload, dueAt: at, createdAt: at });
    }
    await deps.tickets.update(next);
    logger.info('handoff.ticket.customer_updated', { conversationId: ticket.conversationId, ticketId: ticket.id, history: history.length, contact: Boolean(contact.phone || contact.email) });
    return next;
  }

  return {
    isOpen: (at) => hours.isOpen(at),
    nextOpening(at, locale) {
      const opening = hours.nextOpening(at);
      const language: Locale = isLocale(locale) ? locale : 'fi';
      if (opening === undefined) return { at, text: NO_OPENING_PHRASE[language] };
      return { at: opening, text: formatOpening(opening, at, language, hours.timeZone) };
    },
    createTicket,
    waitingAhead,
    updateCustomer,
  };
}
