import { z } from 'zod';

/**
 * The flow-file format. This schema is the single source of truth: the loader validates against it,
 * `aspa schema` writes `flows/flow.schema.json` from it for editors, and the compiler consumes its types.
 * A state's kind is decided by which of the kind keys it has (`ask`, `slot`, `branch`, `faq`, `call`,
 * `handoff`, `flow`, `survey`, `end`, `return`); a state with only `say` + `next` just talks and moves on.
 */

const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, 'use lower-case letters, digits and _ (e.g. ask_number)');
/** A state in the same flow, or `flow.state` for a global target. */
const target = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/, 'a state id such as ask_number (or flow.state in global)');
const messageKey = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'a message key such as order_status.ask_number');
const messageKeys = z.union([messageKey, z.array(messageKey).min(1)]);

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Data-only conditions; no designer text is ever evaluated as code. */
export type Condition =
  | { open_now: boolean }
  | { channel: string | string[] }
  | { locale: string | string[] }
  | { intent: string | string[] }
  | { sentiment_below: number }
  | { sentiment_above: number }
  | { contact_known: boolean }
  | { given: string }
  | { confidence_below: number }
  | { reply: string | string[] }
  | { queue_waiting_above: number }
  | { slot: string; equals?: string | number | boolean; not_equals?: string | number | boolean; gt?: number; gte?: number; lt?: number; lte?: number; in?: (string | number)[]; present?: boolean }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ open_now: z.boolean() }),
    z.strictObject({ channel: z.union([z.string(), z.array(z.string())]) }),
    z.strictObject({ locale: z.union([z.string(), z.array(z.string())]) }),
    z.strictObject({ intent: z.union([z.string(), z.array(z.string())]) }),
    z.strictObject({ sentiment_below: z.number().min(-1).max(1) }),
    z.strictObject({ sentiment_above: z.number().min(-1).max(1) }),
    z.strictObject({ contact_known: z.boolean() }),
    // "Haluun puhua ihmiselle, soittakaa numeroon 044…": the line that opened the topic already holds a value of this entity.
    z.strictObject({ given: identifier.describe('An entity type (phone, email, order_number, …): true when the line that opened the topic holds such a value, one a slot of that entity would take without asking.') }),
    z.strictObject({ queue_waiting_above: z.number().int().min(0) }),
    // "No that's it" at the contact question: the customer is done, so the flow does not ask for more after it.
    z.strictObject({ reply: z.union([z.enum(SHORT_REPLIES), z.array(z.enum(SHORT_REPLIES)).min(1)]).describe('The line that led here was this short reply (affirm, deny, thanks, done, dont_know, withdraw), read against the question it answered: e.g. after "no that\'s it" at a contact question, do not ask for more details.') }),
    // How sure the NLU was of the intent that led here: a weak reading of something urgent is confirmed, not acted on.
    z.strictObject({ confidence_below: z.number().min(0).max(1).describe('The NLU was less sure than this (0–1) of the intent of the line that led here; e.g. confirm a weakly read emergency before making an urgent ticket.') }),
    z.strictObject({
      slot: identifier,
      equals: scalar.optional(),
      not_equals: scalar.optional(),
      gt: z.number().optional(),
      gte: z.number().optional(),
      lt: z.number().optional(),
      lte: z.number().optional(),
      in: z.array(z.union([z.string(), z.number()])).optional(),
      present: z.boolean().optional(),
    }),
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
  ]),
);

export const quickReplySchema = z.union([
  /** An intent name: pressing the button is the same as saying that intent. The label is `intents.<intent>`. */
  identifier.or(z.string().regex(/^faq\.[a-z0-9_]+$/)),
  z.strictObject({
    label: messageKey,
    /** An intent name, or a value for the slot being asked. */
    payload: z.string().min(1).max(100).describe('An intent name, or a value for the slot being asked.'),
  }),
]);

/** Entity types the dialog derives from the NLU's own: `contact` is a phone number or an e-mail address, whichever is given. */
export const DERIVED_ENTITIES = ['contact'] as const;

export const slotSchema = z.strictObject({
  name: identifier,
  /** Built-in entity type (number, date, time, email, phone, contact, order_number, money, hetu, iban, yes_no, any_text) or a custom list entity from nlu.yaml. */
  entity: identifier.describe('Built-in entity type (number, date, time, email, phone, contact = a phone number or an e-mail address, order_number, money, hetu, iban, yes_no, any_text) or a custom list entity from nlu.yaml.'),
  /** How many times to ask again after an answer that does not fit (default 2). */
  retries: z.number().int().min(0).max(5).default(2).describe('How many times to ask again after an answer that does not fit (default 2).'),
  /** Said before asking again; defaults to `system.reprompt`. */
  reprompt: messageKey.optional().describe('Said before asking again; defaults to `system.reprompt`.'),
  /** Extra checks on the value. */
  min: z.number().optional().describe('Extra checks on the value.'),
  max: z.number().optional(),
  min_length: z.number().int().min(0).optional(),
  max_length: z.number().int().min(1).optional(),
  /** Keep an already filled slot and skip the question (default true). */
  skip_if_filled: z.boolean().default(true).describe('Keep an already filled slot and skip the question (default true).'),
  /**
   * Where a value may come from before the question is asked: `conversation` (default for entity slots) — anything
   * the customer said earlier in this conversation, the line that opened the topic first; `topic` — only the line that
   * opened the topic (the default for yes/no and free-text slots; free text needs `prefill_min_words`); `none` — always ask.
   */
  prefill: z.enum(['conversation', 'topic', 'none']).optional().describe('Where a value may come from before the question is asked: conversation (entity slots\' default: anything said earlier, the topic line first), topic (only the line that opened the topic), none (always ask).'),
  /**
   * A value the customer did not give in answer to this question (taken from what they said before) is confirmed
   * first: this message is asked with yes/no buttons, the value as `{<slot name>}`; yes keeps it, no asks the question.
   */
  confirm: messageKey.optional().describe('A value taken from what the customer said before (not given in answer to this question) is confirmed first: this message is asked as a yes/no question with the value as {<slot name>}; yes keeps it, no asks the question itself.'),
  /** Free-text slots: the line that opened the topic fills the slot when it has this many words of 4+ letters. */
  prefill_min_words: z.number().int().min(1).max(100).optional().describe('Free-text slots: the line that opened the topic fills the slot when it has at least this many words of four or more letters that tell something (short words such as "on", "är", "my", words that only ask, negate, strengthen or fill do not count).'),
  /**
   * The value is personal data the dialog needs but nobody else may see (a card number for a payment integration, a
   * customer number used as a password): masked as `[sensitive]` in the transcript, tickets, webhooks, customer
   * history and the conversation API, and removed from the conversation record when the conversation ends.
   */
  sensitive: z.boolean().optional().describe('The value is personal data only the dialog may use: masked as [sensitive] in the transcript, tickets, webhooks, customer history and the conversation API, and removed from the conversation record when the conversation ends.'),
});

/** Short replies the NLU recognises in every locale (`locales/<lang>/replies.yaml`). */
export const SHORT_REPLIES = ['affirm', 'deny', 'thanks', 'done', 'dont_know', 'withdraw'] as const;
export type ShortReply = (typeof SHORT_REPLIES)[number];
/** Short reply → target state. */
const onReplySchema = z.strictObject(Object.fromEntries(SHORT_REPLIES.map((reply) => [reply, target.optional()])) as Record<ShortReply, z.ZodOptional<typeof target>>);

/** Which interruptions a question allows: an FAQ question answered in place, a new topic started at once. */
export const digressionsSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** An FAQ question is answered, then this question is asked again (default true). */
    faq: z.boolean().optional().describe('An FAQ question is answered, then this question is asked again (default true).'),
    /** A confident new topic (one the main menu routes) starts at once (default true). */
    topics: z.boolean().optional().describe('A confident new topic (one the main menu routes) starts at once (default true).'),
  }),
]);
export type Digressions = z.infer<typeof digressionsSchema>;

export const handoffSchema = z.strictObject({
  reason: z.enum(['customer_request', 'emergency', 'billing_dispute', 'not_understood', 'negative_sentiment', 'callback', 'sensitive', 'integration_error', 'flow']),
  priority: z.enum(['urgent', 'high', 'normal', 'low']).default('normal'),
  /** The agent queue; by default routing picks it from the topic intent. */
  queue: identifier.optional().describe('The agent queue; by default routing picks it from the topic intent.'),
  /** Slots the ticket must carry; the validator checks every path here has filled them. */
  requires: z.array(identifier).default([]).describe('Slots the ticket must carry; the validator checks every path here has filled them.'),
  /** A person takes over now (in opening hours); false for a ticket the team handles later (a callback, a dispute). */
  live: z.boolean().default(true).describe('Whether a person takes over the conversation now, in opening hours (default true). false for a ticket the team handles later, such as a callback request: a phone call is not put through and the chat is told the team gets back.'),
});

const stateSchema = z.strictObject({
  description: z.string().optional().describe('A note for people reading the flow.'),
  /** Messages said on entering the state, in order. */
  say: messageKeys.optional().describe('Messages said on entering the state, in order.'),
  /** Buttons shown with the last message of the state. */
  quick_replies: z.array(quickReplySchema).optional().describe('Buttons shown with the last message of the state.'),

  /** The question; the state waits for the customer. */
  ask: messageKey.optional().describe('The question; the state waits for the customer.'),
  /** With `ask`: where each intent leads. `faq.*` matches every FAQ intent. */
  on_intent: z.record(z.string().regex(/^([a-z][a-z0-9_]*|faq\.\*|faq\.[a-z0-9_]+)$/), target).optional().describe('With `ask`: where each intent leads. `faq.*` matches every FAQ intent.'),
  /** With `ask`: where a short reply leads, read against this question (affirm, deny, thanks, done, dont_know, withdraw). */
  on_reply: onReplySchema.optional().describe('With `ask`: where a short reply leads, read against this question: affirm, deny, thanks, done ("that\'s all"), dont_know, withdraw ("never mind").'),
  /** With `ask`: may the customer interrupt this question (default: yes, unless the state has `otherwise`). */
  digressions: digressionsSchema.optional().describe('With `ask`: may the customer interrupt this question with an FAQ question (answered, then asked again) or a new topic (started at once). Default true, false for states with `otherwise`.'),
  /** With `ask`: before asking, take up a topic the customer mentioned earlier in the same message (several requests at once). */
  resume_topics: z.boolean().optional().describe('With `ask`: before asking, take up a topic the customer mentioned earlier alongside another one (several requests in one message); the topic goes through this state\'s on_intent.'),
  /** With `ask`: where anything else leads; without it the bot says it did not understand and asks again. */
  otherwise: target.optional().describe('With `ask`: where anything else leads; without it the bot says it did not understand and asks again.'),

  /**
   * Slots to fill from what the customer has already said, without asking (slot name → entity type): "soittakaa
   * huomenna aamupäivällä" gives a callback its time. A slot stays empty when nothing fits; the latest value wins.
   */
  remember: z.record(identifier, identifier).optional().describe('Slots to fill from what the customer has already said, without asking: slot name → entity type (e.g. preferred_time: time_window). Filled on entering the state, before its other work; a slot stays empty when nothing said fits.'),

  /** With `ask`: fill a slot from the answer. */
  slot: slotSchema.optional().describe('With `ask`: fill a slot from the answer.'),
  /** With `slot`: where to go when the retries are used up. */
  on_failure: target.optional().describe('With `slot`: where to go when the retries are used up.'),

  /** Choose the next state by conditions, first match wins; the last entry is `else`. */
  branch: z.array(z.union([
    z.strictObject({ if: conditionSchema, goto: target }),
    z.strictObject({ else: target }),
  ])).min(1).optional().describe('Choose the next state by conditions, first match wins; the last entry is `else`.'),

  /** Answer the customer's question from the FAQ (`locales/<lang>/faq.yaml`). */
  faq: z.literal(true).optional().describe('Answer the customer\'s question from the FAQ (`locales/<lang>/faq.yaml`).'),

  /** Call a named integration (e.g. orders.lookup). */
  call: z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'an integration name such as orders.lookup').optional().describe('Call a named integration (e.g. orders.lookup).'),
  /** Integration inputs: input name → slot name. */
  with: z.record(z.string(), identifier).optional().describe('Integration inputs: input name → slot name.'),
  /** Integration results: result field → slot name. */
  result: z.record(z.string(), identifier).optional().describe('Integration results: result field → slot name.'),
  /** Outcome → state, for `call` (found / not_found / error) and `faq` (answered / not_found). */
  on: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), target).optional().describe('Outcome → state, for `call` (found / not_found / error) and `faq` (answered / not_found).'),

  /** Hand the conversation to a human: creates a ticket, `{ticketId}` is available to `say`. */
  handoff: handoffSchema.optional().describe('Hand the conversation to a human: creates a ticket, `{ticketId}` is available to `say`.'),

  /** Run another flow and come back to `next` when it returns. */
  flow: identifier.optional().describe('Run another flow and come back to `next` when it returns.'),

  /** Ask a survey question (csat 1–5, nps 0–10, ces 1–7) and record the answer. */
  survey: z.enum(['csat', 'nps', 'ces']).optional().describe('Ask a survey question (csat 1–5, nps 0–10, ces 1–7) and record the answer.'),

  /** Where to go next (after say, slot, subflow, handoff, survey). */
  next: target.optional().describe('Where to go next (after say, slot, subflow, handoff, survey).'),
  /** End the conversation with this outcome. */
  end: z.enum(['resolved', 'ended', 'handoff', 'abandoned']).optional().describe('End the conversation with this outcome.'),
  /** In a subflow: go back to the calling flow. */
  return: z.literal(true).optional().describe('In a subflow: go back to the calling flow.'),
  /** Phone calls: may the caller interrupt what this state says (default true; false for text that must be heard in full). */
  barge_in: z.boolean().optional().describe('Phone calls: may the caller interrupt the messages of this state by speaking (default true, or the channel setting). false for text that must be heard in full, such as legal terms.'),
});

export const globalSchema = z.strictObject({
  /** Intents that work in every state of every flow → `flow.state` targets (or `repeat` to ask the current question again). */
  intents: z.record(identifier, z.union([target, z.literal('repeat')])).default({}).describe('Intents that work in every state of every flow → `flow.state` targets (or `repeat` to ask the current question again).'),
  /** After this many misunderstood turns in a row, go to `goto` (offer a human). */
  fallback: z.strictObject({ after: z.number().int().min(1).max(10).default(2), goto: target }).optional().describe('After this many misunderstood turns in a row, go to `goto` (offer a human).'),
  /** When an utterance's sentiment is below `below`, go to `goto` (an angry customer goes to a human). */
  sentiment: z.strictObject({ below: z.number().min(-1).max(1), goto: target }).optional().describe('When an utterance\'s sentiment is below `below`, go to `goto` (an angry customer goes to a human).'),
  /** Intents answered in place from any question (small talk, off-topic questions): the message, then the pending question again. */
  answers: z.record(identifier, messageKey).default({}).describe('Intents answered in place from any question (small talk, off-topic): intent → message key; the pending question is asked again after it.'),
  /** Short replies read the same way at every question that does not map them itself ("antaa olla" → drop the topic). */
  on_reply: onReplySchema.optional().describe('Short replies read the same way at every question that does not map them in its own `on_reply`: reply → `flow.state`. Typical: `withdraw: main.dropped` ("never mind", "antaa olla") leaves the topic and asks whether there is anything else.'),
  /** The default for every question's `digressions`. */
  digressions: digressionsSchema.optional().describe('The default for every question\'s `digressions` (FAQ answered in place, new topics started at once).'),
  /** Where the bot continues when a human agent hands the conversation back (e.g. main.rate); default: the main flow's start. */
  after_agent: target.optional().describe('Where the bot continues when a human agent hands the conversation back (e.g. main.rate); default: the main flow\'s start.'),
});

/** `safe`, or a map from the states live conversations may be in to where they continue in the new version. */
export const migrateSchema = z.union([z.literal('safe'), z.record(identifier, identifier)]);
export type MigratePolicy = z.infer<typeof migrateSchema>;

export const flowSchema = z.strictObject({
  $schema: z.string().optional().describe('Path to flow.schema.json, for editors.'),
  id: identifier.describe('The flow id: the file name without .yaml (the main flow is `main`).'),
  description: z.string().optional().describe('What the flow is for, for people reading it.'),
  /** The state the flow begins in. */
  start: identifier.describe('The state the flow begins in.'),
  /** Only in the main flow: behaviour shared by every state of every flow. */
  global: globalSchema.optional().describe('Only in the main flow: behaviour shared by every state of every flow.'),
  states: z.record(identifier, stateSchema).describe('The states of the flow by id; a state\'s keys decide what it does.'),
  /** Intents that, asked as a question pointing back at this topic ("so when does it arrive?"), belong to this topic. */
  follow_ups: z.array(z.string().regex(/^([a-z][a-z0-9_]*|faq\.[a-z0-9_]+)$/)).optional().describe('For a topic flow the main menu routes to: intents that, in a question pointing back at the topic just talked about ("so when does it arrive?", "när kommer det fram?"), are about this topic and its known item rather than the general answer (e.g. faq.delivery_times after an order\'s status).'),
  /** Whether conversations already in this flow may move to a new version of it (default: they finish on their own). */
  migrate: migrateSchema.optional().describe('When this file changes, conversations already in this flow finish on the version they started on. `safe`: they move to the new version when their state still exists in it. A map `old_state: new_state` moves only the listed states, each to its new place (a state may map to itself).'),
});

export type FlowFile = z.infer<typeof flowSchema>;
export type FlowState = z.infer<typeof stateSchema>;
export type GlobalBehaviour = z.infer<typeof globalSchema>;
export type SlotSpec = z.infer<typeof slotSchema>;
export type HandoffSpec = z.infer<typeof handoffSchema>;
export type QuickReplySpec = z.infer<typeof quickReplySchema>;
