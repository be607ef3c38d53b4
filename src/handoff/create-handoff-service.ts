import { AppError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { normalizeEmail, normalizePhone } from '../core/normalize-contact';
import type { Clock, CustomerStore, Outbox, TicketStore } from '../core/ports';
import { HANDOFF_REASONS, PRIORITIES } from '../core/reply';
import type { HandoffService, TicketRequest } from '../core/services';
import type { ContactRecord, Customer, CustomerContact, Slots, Ticket } from '../core/ticket';
import type { TranscriptEntry } from '../core/transcript';
import { isLocale, type Locale } from '../core/turn';
import { createBusinessHours, formatOpening, NO_OPENING_PHRASE, type BusinessHoursConfig } from './business-hours';
import { createRouting, type RoutingConfig } from './routing';
import { summarizeConversation, type SummaryOptions } from './summarize';
import { validateWebhookSinkConfig, WEBHOOK_SINK, type WebhookSinkConfig } from './webhook-dispatcher';
import { HandoffConfigError } from './handoff-config-error';

/** What the helpdesk webhook receives (JSON): the whole ticket, transcript included. */
export interface TicketWebhookPayload {
  event: 'ticket.created';
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

/** Slot names a flow may use for the customer's contact details, most specific first. */
const PHONE_SLOTS = ['phone', 'phoneNumber', 'phone_number', 'callbackNumber', 'callback_number'];
const EMAIL_SLOTS = ['email', 'emailAddress', 'email_address'];
const NAME_SLOTS = ['name', 'customerName', 'customer_name'];

function firstSlot(slots: Slots, names: string[], normalize: (raw: string) => string | undefined): string | undefined {
  for (const name of names) {
    const value = slots[name];
    if (typeof value === 'string' || typeof value === 'number') {
      const normalized = normalize(String(value));
      if (normalized) return normalized;
    }
  }
  return undefined;
}

/** Slots first: what the customer gave in this conversation is fresher than what we remembered. */
function contactOf(slots: Slots, customer: Customer | undefined): CustomerContact {
  const contact: CustomerContact = {};
  const name = firstSlot(slots, NAME_SLOTS, (raw) => raw.trim().slice(0, 200) || undefined) ?? customer?.name;
  const phone = firstSlot(slots, PHONE_SLOTS, normalizePhone) ?? customer?.phones?.[0];
  const email = firstSlot(slots, EMAIL_SLOTS, normalizeEmail) ?? customer?.emails?.[0];
  if (name) contact.name = name;
  if (phone) contact.phone = phone;
  if (email) contact.email = email;
  return contact;
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
export function createHandoffService(deps: HandoffServiceDeps): HandoffService {
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
   * The ticket id of this handoff. A conversation's version is its turn sequence (the engine saves every turn as the
   * next version), so (conversation id, version) names the turn: a turn retried after a crash before its conversation
   * was saved runs at the same version and gets the same id, and finds the ticket it already made.
   */
  async function ticketIdFor(conversation: TicketRequest['conversation']): Promise<string> {
    const version = (conversation as { version?: unknown }).version;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) return deps.tickets.nextId();
    return deps.tickets.reserveId(`${conversation.id}:${version}`, deps.ticketKeyTtlMs ?? DEFAULT_TICKET_KEY_TTL_MS);
  }

  async function createTicket(request: TicketRequest): Promise<Ticket> {
    assertRequest(request);
    const { conversation } = request;
    const id = await ticketIdFor(conversation);
    const made = await deps.tickets.get(id);
    if (made) {
      logger.info('handoff.ticket.found_again', { conversationId: conversation.id, ticketId: id });
      return made;
    }
    const customer = await findCustomer(request);
    const transcript: TranscriptEntry[] = Array.isArray(conversation.transcript) ? structuredClone(conversation.transcript) : [];
    const slots: Slots = { ...(conversation.slots ?? {}) };
    const history: ContactRecord[] = (customer?.contacts ?? [])
      .filter((contact) => contact.conversationId !== conversation.id)
      .sort((left, right) => right.at - left.at);
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
      contact: contactOf(slots, customer),
      summary: summarizeConversation({ conversation: { ...conversation, transcript, slots }, reason: request.reason, intent, history }, deps.summary),
      slots,
      transcript,
      history,
      status: 'open',
    };

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

  return {
    isOpen: (at) => hours.isOpen(at),
    nextOpening(at, locale) {
      const opening = hours.nextOpening(at);
      const language: Locale = isLocale(locale) ? locale : 'fi';
      if (opening === undefined) return { at, text: NO_OPENING_PHRASE[language] };
      return { at: opening, text: formatOpening(opening, at, language, hours.timeZone) };
    },
    createTicket,
  };
}
