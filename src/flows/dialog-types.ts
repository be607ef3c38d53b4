import type { ConversationOutcome, HandoffReason, Priority } from '../core/reply';
import type { EntityMatch } from '../core/nlu';
import type { ChannelKind, Locale } from '../core/turn';
import type { SlotValue, Slots } from '../core/ticket';

/** Facts about the world a flow's conditions may read; refreshed by the engine before every event. */
export interface DialogEnv {
  channel: ChannelKind;
  locale: Locale;
  now: number;
  /** Human agents are working now (opening hours). */
  open: boolean;
  /** Sentiment of the customer's last utterance, -1..1. */
  sentiment: number;
  /** Entities the customer has mentioned in this conversation, the latest of each type (slot pre-filling). */
  heard?: EntityMatch[];
  /**
   * A way to reach the customer is known without asking: the number they are calling from, or a phone or e-mail on
   * their customer record (contact slots of this conversation are checked by the `contact_known` condition itself).
   */
  contactKnown?: boolean;
}

/** The dialog actor's context: plain JSON, persisted in the snapshot. */
export interface DialogContext {
  conversationId: string;
  slots: Slots;
  /** Callers of the running subflows, innermost last, as `flow.state`. */
  stack: string[];
  retries: number;
  misunderstood: number;
  lastIntent?: string;
  /** How sure the NLU was of `lastIntent` (the `confidence_below` condition). */
  lastConfidence?: number;
  /** The topic the customer came for (the last non-global intent routed by a flow). */
  topicIntent?: string;
  ticketId?: string;
  /** A value taken from what the customer said before, waiting for their yes (a slot with `confirm`); not a slot value yet. */
  confirming?: { name: string; value: SlotValue };
  /** Open tickets that were waiting ahead of this conversation's latest ticket in its queue when it was created. */
  queueWaiting?: number;
  outcome?: ConversationOutcome;
  env: DialogEnv;
  /** Entities of the utterance that chose the current topic, until a question is asked. */
  pendingEntities?: EntityMatch[];
  /** The customer's line that chose the current topic (free-text slots may take it as their answer). */
  topicLine?: string;
  /** How many words of the topic line tell something beyond asking (NluResult.detailWords; counted here when unknown). */
  topicDetailWords?: number;
  /** The topic is about another thing than before: only the topic line, not earlier lines, pre-fills its slots. */
  anotherItem?: boolean;
}

export type DialogEvent =
  | { type: 'ENV'; env: DialogEnv }
  | {
      type: 'USER';
      intent: string;
      confidence: number;
      entities: EntityMatch[];
      text: string;
      sentiment: number;
      /** The line holds evaluative words, even when they cancel out: a middling rating, not no answer. */
      evaluative?: boolean;
      /** True when a button was pressed (exact intent or value). */
      fromButton?: boolean;
      /** A short reply (yes, no, thanks, that's all, I don't know), read against the question asked. */
      reply?: string;
      /** Every part of a short reply ("ei kiitos": deny, thanks). */
      replyParts?: string[];
      /** How sure the words beyond a short reply alone are of `intent` (see NluResult.requestConfidence). */
      requestConfidence?: number;
      /** The line asks a question: an interruption (FAQ, new topic) is more likely meant than an answer. */
      question?: boolean;
      /** The line is about another thing than before ("entä toinen tilaukseni?"). */
      another?: boolean;
      /** Words that tell something beyond asking (see NluResult.detailWords). */
      detailWords?: number;
      /** A clause of the line says the customer does not have or know a number (see NluResult.lacksNumber). */
      lacksNumber?: boolean;
    }
  | { type: 'NO_INPUT' }
  | { type: 'AGENT_RELEASED' };

export interface QuickReplyRef {
  /** Message key of the label. */
  label: string;
  payload: string;
}

/** What the dialog asks the engine to do; emitted by the XState actor (`actor.on(...)`). */
export type DialogEmitted =
  | { type: 'say'; key: string; slots: Slots; quickReplies?: QuickReplyRef[]; ticketId?: string; bargeIn?: false }
  | { type: 'handoff'; ticketId: string; queue: string; priority: Priority; reason: HandoffReason; agentsAvailable: boolean }
  | { type: 'survey'; survey: 'csat' | 'nps' | 'ces'; value: number }
  | { type: 'end'; outcome: ConversationOutcome }
  | { type: 'slot_filled'; name: string }
  | { type: 'misunderstood'; count: number };

export interface IntegrationInput {
  name: string;
  inputs: Record<string, unknown>;
}
export interface IntegrationOutput {
  outcome: string;
  result: Record<string, string | number | boolean | null>;
}

export interface HandoffInput {
  conversationId: string;
  reason: HandoffReason;
  priority: Priority;
  queue?: string;
  topicIntent?: string;
  slots: Slots;
  /** False: the ticket is handled later, nobody takes over now (see `live` in the flow schema). */
  live: boolean;
}
export interface HandoffOutput {
  ticketId: string;
  queue: string;
  priority: Priority;
  agentsAvailable: boolean;
  /** Open tickets waiting ahead of this one in its queue (for `queue_waiting_above`). */
  waiting?: number;
}

/** Meta attached to every waiting state; the engine reads it for listen hints and payload checks. */
export interface WaitingStateMeta {
  flow: string;
  state: string;
  kind: 'ask' | 'slot' | 'survey' | 'ended';
  expectedIntents: string[];
  expectedEntity?: string;
  quickReplyPayloads: string[];
  survey?: 'csat' | 'nps' | 'ces';
  /** Ask states: the intents this state itself routes (its `on_intent` keys). */
  routes?: string[];
  /** The question's message key (said again after a digression, dropped when the engine takes up a pending topic). */
  askKey?: string;
  /** Before asking, the engine takes up a topic the customer mentioned alongside an earlier one. */
  resumeTopics?: boolean;
}
