import type { EntityMatch } from './nlu';
import type { TurnResult } from './reply';
import type { Slots } from './ticket';
import type { TranscriptEntry } from './transcript';
import type { ChannelKind, Locale } from './turn';

/** A turn already handled, kept so that a retried client message gets the same replies. */
export interface ProcessedMessage {
  clientMessageId: string;
  result: TurnResult;
}

export interface WaitingInfo {
  flow: string;
  state: string;
  kind: string;
  expectedIntents: string[];
  expectedEntity?: string;
  quickReplyPayloads: string[];
  routes?: string[];
  askKey?: string;
  resumeTopics?: boolean;
}

export type ConversationStatus = 'active' | 'handoff' | 'agent' | 'ended';

/** Everything persisted about one conversation. Plain JSON. */
export interface ConversationRecord {
  id: string;
  /** Increases by one on every save; a save with a stale version fails. */
  version: number;
  createdAt: number;
  updatedAt: number;
  channel: ChannelKind;
  locale: Locale;
  status: ConversationStatus;
  /** The XState persisted snapshot of the dialog actor. */
  snapshot: unknown;
  /** Current `flow.state`, for listing and the API (the snapshot is the truth). */
  state: string;
  slots: Slots;
  transcript: TranscriptEntry[];
  customerId?: string;
  /** The identity hints the customer was last linked with (so the link is not redone every turn). */
  identifiedBy?: string;
  /** The linked customer record holds a phone number or an e-mail address (the `contact_known` condition). */
  contactKnown?: boolean;
  ticketId?: string;
  /** Tickets this conversation has made so far; names its next one, so a retried turn never makes a second. */
  handoffs?: number;
  /** Secret handed to the client that started the conversation; reading the transcript needs it. */
  accessToken?: string;
  /** Name of the human agent who has taken over, when one has. */
  agentName?: string;
  processed: ProcessedMessage[];
  /** What the state the conversation waits in expects (intents, entity, buttons); read before the NLU runs. */
  waiting?: WaitingInfo;
  /** Misunderstood turns in a row, for the fallback path. */
  misunderstood: number;
  /** Entities the customer has mentioned, the latest of each type, so later questions are not asked again (no identity codes, IBANs or cards). */
  heard?: EntityMatch[];
  /** Further requests the customer made alongside another one, taken up when the first is done. */
  agenda?: string[];
  /** How many times each message key has been said (variants rotate without scanning the transcript). */
  said?: Record<string, number>;
  /** The topic of the conversation so far (the dialog's topic intent), for follow-ups such as "milloin se tulee?". */
  topicIntent?: string;
  /** The last sentence the bot said, so it never says the same one twice in a row. */
  lastBotText?: string;
  /** The bot version (content hash of flows and locales) the conversation runs on; absent = the current one. */
  botVersion?: string;
  /** The transcript has a customer line (kept so a turn need not look through the transcript). */
  customerSpoke?: boolean;
}

/**
 * A conversation as a turn reads and writes it: the record without its stored transcript lines, so the turn's cost
 * does not grow with the conversation. `added` holds the lines written since it was read; a save appends them after
 * the `storedLines` lines already stored. Whole transcripts (the agent console, tickets, the API) come from `get`.
 */
export interface ConversationState extends Omit<ConversationRecord, 'transcript'> {
  storedLines: number;
  added: TranscriptEntry[];
}
