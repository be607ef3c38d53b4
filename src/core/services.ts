import type { ConversationRecord } from './conversation';
import type { TranscriptEntry } from './transcript';
import type { HandoffReason, Priority, Reply, TurnResult } from './reply';
import type { Customer, Ticket } from './ticket';
import type { CustomerHints } from './turn';
import type { ChannelKind, Locale, Turn } from './turn';

/**
 * What channels see of the engine. Implemented by `createEngine` in `src/core/engine.ts`.
 * Every method is safe to call concurrently; work on one conversation is serialised.
 */
export interface ConversationEngine {
  handleTurn(turn: Turn): Promise<TurnResult>;
  getConversation(id: string): Promise<ConversationRecord | undefined>;
  /** A human agent takes over: the bot stays quiet until `releaseToBot`. */
  agentJoin(conversationId: string, agentName: string): Promise<void>;
  /** An agent's message: goes into the transcript and out to the customer through the `MessageBus`. */
  agentSay(conversationId: string, agentName: string, text: string): Promise<Reply>;
  /** The agent hands the conversation back to the bot, which continues (offering the CSAT survey by default). */
  releaseToBot(conversationId: string, agentName: string): Promise<TurnResult>;
  /** The agent ends the conversation. */
  agentClose(conversationId: string, agentName: string): Promise<void>;
  /**
   * What a channel said itself or did not get to say, so the transcript holds what the customer heard: the
   * phone's own prompts (reprompts, "did I hear right?", keypad menu, transfer notices) are added as bot lines,
   * masked; lines cut by barge-in or never played are marked `interrupted`. Optional: only speaking channels need it.
   */
  recordChannelSpeech?(conversationId: string, speech: ChannelSpeech): Promise<void>;
}

/** A line a channel spoke itself: its message key (`voice.reprompt`) and the text as the customer heard it. */
export interface ChannelLine {
  key: string;
  text: string;
}

export interface ChannelSpeech {
  channel: ChannelKind;
  /** The channel's own lines, in the order they were spoken. */
  said?: ChannelLine[];
  /** Keys of the latest bot lines (since the customer last spoke) that were not heard to the end, and why. */
  unheard?: { keys: string[]; why: NonNullable<TranscriptEntry['interrupted']> };
}

/** Messages pushed to a conversation outside of a request/response turn (agent replies, takeover notices). */
export interface OutboundMessage {
  conversationId: string;
  replies: Reply[];
  /** e.g. 'agent_joined', 'agent_left', 'agent_message', 'closed' */
  event: string;
  agentName?: string;
  at: number;
}

/** Pub/sub between server instances: an agent's reply reaches the customer's socket wherever it is held. */
export interface MessageBus {
  publish(message: OutboundMessage): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(handler: (message: OutboundMessage) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface TicketRequest {
  conversation: ConversationRecord;
  reason: HandoffReason;
  priority: Priority;
  /** Explicit queue from the flow; otherwise routing picks one from the intent. */
  queue?: string;
  intent?: string;
  customer?: Customer;
  /** What the channel knows of the customer in this conversation (the number they are calling from). */
  hints?: CustomerHints;
}

/** New facts about the customer of a ticket: contact details given after the handoff, a customer found by them. */
export interface TicketCustomerUpdate {
  /** The conversation as it is now (its slots hold the contact details given since the handoff). */
  conversation: ConversationRecord;
  customer?: Customer;
  hints?: CustomerHints;
}

/** Opening hours, ticket creation (id, SLA, routing, summary) and delivery to ticket sinks. */
export interface HandoffService {
  /** True when human agents are working at `at` (ms). */
  isOpen(at: number): boolean;
  /** When agents are next available, as a readable phrase in the locale (e.g. "maanantaina klo 8.00"). */
  nextOpening(at: number, locale: Locale): { at: number; text: string };
  createTicket(request: TicketRequest): Promise<Ticket>;
  /** Open tickets waiting ahead of `ticket` in its queue (created before it, not yet claimed). */
  waitingAhead?(ticket: Pick<Ticket, 'id' | 'queue' | 'createdAt'>): Promise<number>;
  /**
   * Adds what became known of the customer after the ticket was made (contact details asked while waiting, the
   * customer record they point to, its history) and tells the ticket sinks (`ticket.updated`). Undefined when the
   * ticket does not exist; the ticket unchanged when nothing new was learnt.
   */
  updateCustomer?(ticketId: string, update: TicketCustomerUpdate): Promise<Ticket | undefined>;
}
