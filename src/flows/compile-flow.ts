import { assign, createMachine, emit, fromPromise, type AnyStateMachine } from 'xstate';
import { NOT_A_REQUEST, OUT_OF_SCOPE, type EntityMatch } from '../core/nlu';
import { contactFromSlots } from '../core/normalize-contact';
import type { SlotValue, Slots } from '../core/ticket';
import type { Condition, Digressions, FlowFile, FlowState, GlobalBehaviour, MigratePolicy, QuickReplySpec, SlotSpec } from './flow-schema';
import type { DialogContext, DialogEnv, DialogEvent, HandoffInput, HandoffOutput, IntegrationInput, IntegrationOutput, QuickReplyRef, WaitingStateMeta } from './dialog-types';

/**
 * Compiles validated flow files into ONE XState v5 machine: each flow is a compound state under the root
 * (`#aspa.<flow>.<state>`), so subflow calls are ordinary transitions and XState's own tools (inspection,
 * @xstate/graph) see the whole bot. Actions, guards and actors are referenced by name; the engine provides
 * the effectful ones (integrations, tickets, FAQ lookup) with `machine.provide()`.
 */

export const MAIN_FLOW = 'main';
export const ENDED_STATE = '__ended';
const ROOT = 'aspa';
const SURVEY_RANGES = { csat: [1, 5], nps: [0, 10], ces: [1, 7] } as const;
/** A free-text answer is taken as an interruption (new topic, FAQ, small talk) only at this confidence or above. */
const FREE_TEXT_INTERRUPT = 0.75;

function digressionsOf(value: Digressions): { faq: boolean; topics: boolean } {
  if (typeof value === 'boolean') return { faq: value, topics: value };
  return { faq: value.faq ?? true, topics: value.topics ?? true };
}

export interface CompiledBot {
  machine: AnyStateMachine;
  /** Global intents and where they lead. */
  globalIntents: string[];
  /** Every intent some state reacts to. */
  intents: string[];
  flows: string[];
  /** Slots some flow marked `sensitive: true` (slot names are shared by all flows). */
  sensitiveSlots: string[];
  /** Every state as `flow.state`, and each flow's `migrate` policy: what a live conversation may move onto. */
  states: string[];
  migrations: Record<string, MigratePolicy>;
  /** Topic intent → intents that, in a question pointing back at it, are about that topic (its flow's `follow_ups`). */
  followUps: Record<string, string[]>;
}

/** Effectful implementations the engine supplies. */
export interface DialogImplementations {
  integration: (input: IntegrationInput) => Promise<IntegrationOutput>;
  handoff: (input: HandoffInput) => Promise<HandoffOutput>;
  faqAvailable: (intent: string | undefined, env: DialogEnv) => boolean;
}

type Transition = Record<string, unknown>;
type StateConfig = Record<string, unknown>;

const ref = (flow: string, state: string): string => `#${ROOT}.${flow}.${state}`;
const globalRef = (target: string): string => {
  const [flow, state] = target.includes('.') ? target.split('.') : [MAIN_FLOW, target];
  return ref(flow, state);
};

function keysOf(say: FlowState['say']): string[] {
  if (!say) return [];
  return Array.isArray(say) ? say : [say];
}

function quickReplies(specs: QuickReplySpec[] | undefined): QuickReplyRef[] | undefined {
  if (!specs || specs.length === 0) return undefined;
  return specs.map((spec) => (typeof spec === 'string' ? { label: `intents.${spec}`, payload: spec } : { label: spec.label, payload: spec.payload }));
}

/** Say actions for a list of keys; quick replies go with the last one. */
function sayActionsFor(keys: string[], replies?: QuickReplyRef[], bargeIn?: boolean): unknown[] {
  return keys.map((key, index) => ({
    type: 'say', params: { key, quickReplies: index === keys.length - 1 ? replies : undefined, ...(bargeIn === false ? { bargeIn } : {}) },
  }));
}

export function intentMatches(pattern: string, intent: string | undefined): boolean {
  if (!intent) return false;
  if (pattern === 'faq.*') return intent.startsWith('faq.');
  return pattern === intent;
}

/** `line` is the customer's line that led here (a condition on it, such as `reply`, is false without one). */
export function evaluateCondition(condition: Condition, context: DialogContext, line?: Extract<DialogEvent, { type: 'USER' }>): boolean {
  const { env, slots } = context;
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, context, line));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, context, line));
  if ('not' in condition) return !evaluateCondition(condition.not, context, line);
  if ('reply' in condition) return line?.reply !== undefined && ([] as string[]).concat(condition.reply).includes(line.reply);
  if ('open_now' in condition) return env.open === condition.open_now;
  if ('channel' in condition) return ([] as string[]).concat(condition.channel).includes(env.channel);
  if ('locale' in condition) return ([] as string[]).concat(condition.locale).includes(env.locale);
  if ('intent' in condition) return ([] as string[]).concat(condition.intent).some((p) => intentMatches(p, context.lastIntent));
  if ('sentiment_below' in condition) return env.sentiment < condition.sentiment_below;
  if ('sentiment_above' in condition) return env.sentiment > condition.sentiment_above;
  if ('contact_known' in condition) return contactKnown(context) === condition.contact_known;
  if ('confidence_below' in condition) return (context.lastConfidence ?? 1) < condition.confidence_below;
  if ('given' in condition) return prefilledSlotValue({ name: condition.given, entity: condition.given, retries: 0, skip_if_filled: false, prefill: 'topic' }, context) !== undefined;
  if ('queue_waiting_above' in condition) return (context.queueWaiting ?? 0) > condition.queue_waiting_above;
  const value = slots[condition.slot];
  const present = value !== undefined && value !== null && value !== '';
  if (condition.present !== undefined && present !== condition.present) return false;
  if (condition.equals !== undefined && !looselyEqual(value, condition.equals)) return false;
  if (condition.not_equals !== undefined && looselyEqual(value, condition.not_equals)) return false;
  if (condition.in !== undefined && !condition.in.some((candidate) => looselyEqual(value, candidate))) return false;
  const numeric = typeof value === 'number' ? value : Number(value);
  if (condition.gt !== undefined && !(present && numeric > condition.gt)) return false;
  if (condition.gte !== undefined && !(present && numeric >= condition.gte)) return false;
  if (condition.lt !== undefined && !(present && numeric < condition.lt)) return false;
  if (condition.lte !== undefined && !(present && numeric <= condition.lte)) return false;
  return true;
}

/** A way to reach the customer: the caller's number or the customer record (env), or a valid contact slot of the conversation. */
function contactKnown(context: DialogContext): boolean {
  if (context.env.contactKnown) return true;
  const found = contactFromSlots(context.slots);
  return found.phone !== undefined || found.email !== undefined;
}

function looselyEqual(value: SlotValue | undefined, expected: string | number | boolean): boolean {
  if (value === undefined || value === null) return false;
  return String(value).toLowerCase() === String(expected).toLowerCase();
}

/** The slot value an answer gives, or undefined when it does not fit the slot. */
export function slotValueFrom(spec: SlotSpec, event: Extract<DialogEvent, { type: 'USER' }>): SlotValue | undefined {
  let value: SlotValue | undefined;
  if (spec.entity === 'any_text') {
    value = event.text.trim() || undefined;
  } else if (spec.entity === 'contact') {
    // Whichever way to reach them the customer gave; the extractors have validated and normalised it (E.164, lower case).
    value = event.entities.find((entity) => entity.type === 'phone' || entity.type === 'email')?.value;
  } else {
    const match: EntityMatch | undefined = event.entities.find((entity) => entity.type === spec.entity);
    if (match) value = spec.entity === 'number' || spec.entity === 'money' ? toNumberIfNumeric(match.value) : match.value;
    // "Hyvä tietää, kiitos", "auttoi": the conversation words read it as yes or no even where the yes/no words do not.
    else if (spec.entity === 'yes_no' && (event.reply === 'affirm' || event.reply === 'deny')) value = event.reply === 'affirm' ? 'yes' : 'no';
  }
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (spec.min !== undefined && value < spec.min) return undefined;
    if (spec.max !== undefined && value > spec.max) return undefined;
  }
  const length = String(value).length;
  if (spec.min_length !== undefined && length < spec.min_length) return undefined;
  if (spec.max_length !== undefined && length > spec.max_length) return undefined;
  return value;
}

function toNumberIfNumeric(value: string): SlotValue {
  const number = Number(value);
  return Number.isFinite(number) ? number : value;
}

/** Where a slot may take its value from before asking: see `prefill` in the flow schema. */
export function prefillOf(spec: SlotSpec): 'conversation' | 'topic' | 'none' {
  if (spec.prefill) return spec.prefill;
  return spec.entity === 'any_text' || spec.entity === 'yes_no' ? 'topic' : 'conversation';
}

/** Words of two or more letters: how much a free-text line says. */
export function wordCount(text: string): number {
  return (text.match(/\p{L}{2,}/gu) ?? []).length;
}

/**
 * Words of four or more letters: what a line tells beyond its grammar. "det är nåt fel på min räkning" has one
 * ("räkning"), "mun lasku on väärin, siinä on kaks kertaa sama maksu" seven.
 */
export function contentWordCount(text: string): number {
  return (text.match(/\p{L}{4,}/gu) ?? []).length;
}

/**
 * "Missä on tilaus 12345?": the utterance that chose the topic fills the topic's slot; with `prefill: conversation`
 * so does anything the customer said earlier (the latest of each entity type), so nobody repeats themselves.
 */
function prefilledSlotValue(spec: SlotSpec, context: DialogContext): SlotValue | undefined {
  const mode = prefillOf(spec);
  if (mode === 'none' || spec.entity === 'yes_no') return undefined;
  if (spec.entity === 'any_text') {
    const line = context.topicLine ?? '';
    const details = context.topicDetailWords ?? contentWordCount(line);
    return spec.prefill_min_words !== undefined && details >= spec.prefill_min_words ? slotValueFrom(spec, userLike([], line)) : undefined;
  }
  const pending = context.pendingEntities ?? [];
  const fromTopic = pending.length > 0 ? slotValueFrom(spec, userLike(pending, '')) : undefined;
  if (fromTopic !== undefined || mode === 'topic' || context.anotherItem) return fromTopic;
  const heard = context.env.heard ?? [];
  return heard.length > 0 ? slotValueFrom(spec, userLike(heard, '')) : undefined;
}

/** Entity types that are numbers a customer may not have at hand: "I don't have the order number" is about them. */
const NUMBER_ENTITIES = new Set(['order_number', 'invoice_number', 'phone']);

/** Entities that only the question asking for them may take, in the same turn (the personal-data policy). */
const NEVER_KEPT_ENTITIES = new Set(['card_number', 'hetu', 'iban']);

function userLike(entities: EntityMatch[], text: string): Extract<DialogEvent, { type: 'USER' }> {
  return { type: 'USER', intent: '', confidence: 1, entities, text, sentiment: 0 };
}

/**
 * A survey answer: a digit or number word ("5", "nelonen", "four", "fyra"), or an evaluative phrase ("ihan hyvä",
 * "bra service", "terrible") placed on the scale by its sentiment. Anything else is no answer.
 */
export function surveyValueFrom(survey: keyof typeof SURVEY_RANGES, event: Extract<DialogEvent, { type: 'USER' }>): number | undefined {
  const [min, max] = SURVEY_RANGES[survey];
  const numbers = event.entities.filter((entity) => entity.type === 'number' || entity.type === 'rating').map((entity) => Number(entity.value));
  const inRange = numbers.filter((value) => Number.isInteger(value) && value >= min && value <= max);
  if (inRange.length > 0) return inRange[inRange.length - 1];
  const raw = Number(event.text.trim());
  if (event.text.trim() !== '' && Number.isInteger(raw)) return raw >= min && raw <= max ? raw : undefined;
  if (numbers.length > 0 || event.fromButton) return undefined;
  // Only a short evaluative phrase is a rating; a long message is something else the customer wants to say.
  // Evaluative words that cancel out ("ihan jees mut vähä hidas", "good but slow") are a middling rating.
  if (wordCount(event.text) > 8 || (Math.abs(event.sentiment) < 0.2 && event.evaluative !== true)) return undefined;
  const position = (event.sentiment + 1) / 2; // 0..1
  return Math.min(max, Math.max(min, Math.round(min + position * (max - min))));
}

interface CompileInput {
  flows: FlowFile[];
}

export function compileFlows({ flows }: CompileInput): CompiledBot {
  const byId = new Map(flows.map((flow) => [flow.id, flow]));
  const main = byId.get(MAIN_FLOW);
  if (!main) throw new Error('No main flow: add flows/main.yaml with `id: main`.');
  const global: GlobalBehaviour = main.global ?? { intents: {}, answers: {} };
  const globalIntents = Object.keys(global.intents);
  const mainStart = main.states[main.start];
  /** Intents the main menu routes: any ask state can switch topic to them. */
  const topicRoutes = mainStart?.ask && !mainStart.slot ? Object.entries(mainStart.on_intent ?? {}) : [];
  /** Topics a customer may switch to from inside another: the menu's routes into a subflow (not greetings, not FAQ). */
  const switchableTopics = topicRoutes.filter(([, target]) => main.states[target]?.flow !== undefined);
  /** Where the menu answers an FAQ question: a customer who lets a topic go with a question goes there. */
  const faqRoute = topicRoutes.find(([pattern]) => pattern === 'faq.*')?.[1];

  // Who calls which subflow, so a `return` can go back to the right `next`.
  const callers = new Map<string, { flow: string; state: string; next?: string; end?: string }[]>();
  for (const flow of flows) {
    for (const [stateId, state] of Object.entries(flow.states)) {
      if (state.flow) {
        const list = callers.get(state.flow) ?? [];
        list.push({ flow: flow.id, state: stateId, next: state.next, end: state.end });
        callers.set(state.flow, list);
      }
    }
  }

  const allIntents = new Set<string>(globalIntents);
  const globalTransitions = (flowId: string, stateId: string, handled: Set<string>): Transition[] => {
    const list: Transition[] = [];
    for (const [intent, target] of Object.entries(global.intents)) {
      if (handled.has(intent)) continue;
      if (target === 'repeat') {
        // "Can we switch to English?" asks nothing new: the question stays, and the line is no answer or topic line to it.
        list.push({ guard: { type: 'intentIs', params: { patterns: [intent] } }, target: ref(flowId, stateId), reenter: true, actions: ['resetMisunderstood', 'rememberIntentKeepTopic'] });
      } else {
        list.push({ guard: { type: 'intentIs', params: { patterns: [intent] } }, target: globalRef(target), actions: ['resetMisunderstood', 'rememberIntent', 'clearStack', { type: 'setTopic', params: { intent } }] });
      }
    }
    return list;
  };
  /** Small talk and off-topic questions answered in place from any question: the answer, then the question again. */
  const answerTransitions = (askKey: string, replies: QuickReplyRef[] | undefined, min = 0, question?: 'asked' | 'asked_or_sure'): Transition[] =>
    Object.entries(global.answers ?? {}).map(([intent, key]) => ({
      guard: { type: 'confidentIntentIs', params: { patterns: [intent], min, question } },
      actions: ['resetMisunderstood', { type: 'say', params: { key } }, ...sayActionsFor([askKey], replies)],
    }));
  const sentimentTransition = (): Transition[] =>
    global.sentiment ? [{ guard: { type: 'sentimentBelow', params: { below: global.sentiment.below } }, target: globalRef(global.sentiment.goto), actions: ['resetMisunderstood', 'clearStack'] }] : [];
  const fallbackTransition = (): Transition[] =>
    global.fallback
      ? [{ guard: { type: 'misunderstoodReaches', params: { count: global.fallback.after } }, target: globalRef(global.fallback.goto), actions: ['resetMisunderstood', 'clearStack'] }]
      : [];

  const compileState = (flow: FlowFile, stateId: string, state: FlowState): StateConfig => {
    const config = compileStateWork(flow, stateId, state);
    if (!state.remember) return config;
    // Filled first, so the state's own work (a branch, a ticket, a message) sees them.
    const remember = { type: 'rememberSlots', params: { slots: Object.entries(state.remember).map(([name, entity]) => ({ name, entity })) } };
    const entry = config.entry === undefined ? [] : Array.isArray(config.entry) ? config.entry : [config.entry];
    return { ...config, entry: [remember, ...entry] };
  };

  const compileStateWork = (flow: FlowFile, stateId: string, state: FlowState): StateConfig => {
    const local = (target: string): string => ref(flow.id, target);
    /** Target plus `reenter` when it is this very state, so its messages are said again. */
    const go = (target: string): { target: string; reenter?: boolean } => (target === stateId ? { target: local(target), reenter: true } : { target: local(target) });
    const replies = quickReplies(state.quick_replies);
    // `barge_in: false` marks every message of this state as one a caller must hear in full.
    const sayActions = (keys: string[], buttons?: QuickReplyRef[]) => sayActionsFor(keys, buttons, state.barge_in);
    const said = keysOf(state.say);
    const nextTarget = state.next ? local(state.next) : undefined;

    // `survey` + `end` and `flow` + `end` end after their work (see the `_end` states below).
    if (state.end && !state.survey && !state.flow) {
      return {
        entry: [...sayActions(said, replies), { type: 'finish', params: { outcome: state.end } }],
        tags: ['waiting', 'ended'],
        meta: waitingMeta(flow.id, stateId, 'ended', [], undefined, []),
        on: { USER: { target: `#${ROOT}.${MAIN_FLOW}`, actions: ['restart'] } },
      };
    }

    if (state.return) {
      const back: Transition[] = (callers.get(flow.id) ?? []).map((caller) => ({
        guard: { type: 'stackTopIs', params: { caller: `${caller.flow}.${caller.state}` } },
        target: caller.next ? ref(caller.flow, caller.next) : caller.end ? ref(caller.flow, caller.state) + '_end' : ref(MAIN_FLOW, main.start),
        actions: ['popStack'],
      }));
      return { entry: sayActions(said, replies), always: [...back, { target: ref(MAIN_FLOW, main.start), actions: ['clearStack'] }] };
    }

    if (state.flow) {
      return {
        entry: [...sayActions(said, replies), { type: 'pushStack', params: { caller: `${flow.id}.${stateId}` } }],
        always: { target: `#${ROOT}.${state.flow}` },
      };
    }

    if (state.branch) {
      const always: Transition[] = state.branch.map((entry) =>
        'if' in entry ? { guard: { type: 'condition', params: { condition: entry.if } }, target: local(entry.goto) } : { target: local(entry.else) },
      );
      return { entry: sayActions(said, replies), always };
    }

    if (state.faq) {
      const on = state.on ?? {};
      return {
        entry: sayActions(said, replies),
        always: [
          { guard: 'faqAvailable', target: on.answered ? local(on.answered) : nextTarget, actions: ['sayFaq'] },
          { target: on.not_found ? local(on.not_found) : nextTarget },
        ],
      };
    }

    if (state.call) {
      const on = state.on ?? {};
      const outcomes: Transition[] = Object.entries(on)
        .filter(([outcome]) => outcome !== 'error')
        .map(([outcome, target]) => ({
          guard: { type: 'outcomeIs', params: { outcome } },
          target: local(target),
          actions: [{ type: 'storeResult', params: { mapping: state.result ?? {} } }],
        }));
      const errorTarget = on.error ? local(on.error) : global.fallback ? globalRef(global.fallback.goto) : ref(MAIN_FLOW, main.start);
      return {
        entry: sayActions(said, replies),
        invoke: {
          src: 'integration',
          input: ({ context }: { context: DialogContext }): IntegrationInput => ({
            name: state.call as string,
            inputs: Object.fromEntries(Object.entries(state.with ?? {}).map(([input, slot]) => [input, context.slots[slot] ?? null])),
          }),
          onDone: [...outcomes, { target: errorTarget, actions: [{ type: 'say', params: { key: 'system.error' } }] }],
          onError: { target: errorTarget, actions: [{ type: 'say', params: { key: 'system.error' } }] },
        },
      };
    }

    if (state.handoff) {
      const spec = state.handoff;
      const after = nextTarget ?? ref(flow.id, stateId) + '_end';
      return {
        invoke: {
          src: 'handoff',
          input: ({ context }: { context: DialogContext }): HandoffInput => ({
            conversationId: context.conversationId, reason: spec.reason, priority: spec.priority, queue: spec.queue, topicIntent: context.topicIntent, slots: context.slots,
            live: spec.live !== false,
          }),
          onDone: { target: after, actions: ['storeTicket', 'emitHandoff', ...sayActions(said, replies)] },
          // No ticket, so nothing the state would say next is true ("an agent will join you"): the customer hears
          // that something went wrong and is back at the main menu, where asking again makes a new attempt.
          onError: { target: ref(MAIN_FLOW, main.start), actions: [{ type: 'say', params: { key: 'system.error' } }, 'clearStack'] },
        },
      };
    }

    if (state.survey) {
      const survey = state.survey;
      const [min, max] = SURVEY_RANGES[survey];
      const buttons: QuickReplyRef[] = [];
      for (let value = min; value <= max; value += 1) buttons.push({ label: `survey.scale.${value}`, payload: String(value) });
      const askKeys = [...said, ...(state.ask ? [state.ask] : [])];
      const question = askKeys[askKeys.length - 1];
      const onward = nextTarget ?? ref(flow.id, stateId) + '_end';
      // "Ei muuta" / "no thanks" / goodbye at the rating: the customer skips it; thank them and move on, never silence.
      // A negative evaluation ("ei kovin hyvä") is a rating, not a refusal, so only a polite no counts as one.
      // A rating is thanked for, as a skip is acknowledged: the customer hears that it was taken.
      const skip: Transition[] = [{ guard: 'surveySkipped', target: onward, actions: [{ type: 'say', params: { key: 'survey.skipped' } }] }];
      return {
        entry: ['resetRetries', 'clearPending', ...sayActions(askKeys, buttons)],
        tags: ['waiting'],
        meta: { ...waitingMeta(flow.id, stateId, 'survey', [], 'number', buttons.map((b) => b.payload), survey), askKey: question },
        on: {
          USER: [
            ...skip,
            { guard: { type: 'surveyAnswered', params: { survey } }, target: onward, actions: [{ type: 'recordSurvey', params: { survey } }, { type: 'say', params: { key: 'survey.thanks' } }] },
            ...globalTransitions(flow.id, stateId, new Set(['goodbye'])),
            ...answerTransitions(question, buttons),
            // Asked once more in other words (never the same sentence twice in a row), then the bot moves on politely.
            { guard: { type: 'retriesLeft', params: { max: 1 } }, actions: ['incrementRetries', ...sayActions(['survey.reprompt'], buttons)] },
            { target: onward },
          ],
          NO_INPUT: { target: onward },
        },
      };
    }

    const digress = digressionsOf(state.digressions ?? (state.otherwise ? false : global.digressions ?? true));
    /**
     * "Never mind, the number is 12345", "en tiedä, ehkä 5512009": a line that carries the value this question waits for
     * answers it, whatever short reply comes with the value. (Yes/no and free-text questions read every line as a value.)
     */
    const valueSlot = state.slot && state.slot.entity !== 'yes_no' && state.slot.entity !== 'any_text' ? state.slot : undefined;
    /** A short reply mapped by this question: the designer's reading of "yes", "thanks", "that's all" here. */
    const replyTransitions: Transition[] = Object.entries(readRepliesOf(state)).map(([reply, target]) => ({
      guard: { type: 'replyIs', params: { replies: [reply], valueOf: valueSlot } }, ...go(target as string), actions: ['resetMisunderstood', 'resetRetries'],
    }));
    /**
     * The main flow's defaults for short replies this question does not map ("antaa olla", "never mind": the topic is
     * dropped). Not in the target state itself, which maps its own replies.
     */
    const globalReplies: Transition[] = Object.entries(global.on_reply ?? {})
      .filter(([reply, target]) => target !== undefined && !(reply in readRepliesOf(state)) && globalRef(target) !== ref(flow.id, stateId))
      .map(([reply, target]) => ({
        guard: { type: 'replyIs', params: { replies: [reply], valueOf: valueSlot } }, target: globalRef(target as string),
        actions: ['resetMisunderstood', 'resetRetries', 'clearStack', 'dropTopic'],
      }));
    /** Interruptions: an FAQ answered in place, then this question again; a new topic started at once. */
    const digressionTransitions = (handled: Set<string>, askKey: string, min: number, needsQuestion?: 'asked' | 'asked_or_sure'): Transition[] => {
      const list: Transition[] = [];
      if (digress.topics) {
        for (const [pattern, target] of switchableTopics) {
          if (handled.has(pattern) || globalIntents.includes(pattern) || pattern === 'faq.*') continue;
          list.push({
            guard: { type: 'topicSwitch', params: { patterns: [pattern], min } },
            target: ref(MAIN_FLOW, target),
            actions: ['resetMisunderstood', 'resetRetries', 'rememberIntent', 'clearStack', { type: 'setTopic', params: { replace: true } }],
          });
        }
      }
      if (digress.faq && !handled.has('faq.*')) {
        // "Strunt i det, men när förfaller fakturan?": the customer let this topic go, so the answer does not come back to it.
        if (faqRoute) {
          list.push({ guard: { type: 'faqDigression', params: { min, question: needsQuestion, withdrawn: true } }, target: ref(MAIN_FLOW, faqRoute), actions: ['resetMisunderstood', 'resetRetries', 'rememberIntent', 'clearStack', 'dropTopic'] });
        }
        list.push({ guard: { type: 'faqDigression', params: { min, question: needsQuestion } }, actions: ['resetMisunderstood', 'sayFaqOfEvent', { type: 'say', params: { key: 'system.back_to_question' } }, ...sayActions([askKey], replies)] });
      }
      return list;
    };

    if (state.ask && state.slot) {
      const slot = state.slot;
      const handled = new Set(Object.keys(state.on_intent ?? {}));
      const ask = sayActions([...said, state.ask], replies);
      const reprompt = sayActions([slot.reprompt ?? 'system.reprompt', state.ask], replies);
      const failure = state.on_failure ? local(state.on_failure) : global.fallback ? globalRef(global.fallback.goto) : ref(MAIN_FLOW, main.start);
      const fill: Transition = { guard: { type: 'slotAnswered', params: { slot } }, target: nextTarget, actions: [{ type: 'fillSlot', params: { slot } }, 'resetMisunderstood'] };
      const intents: Transition[] = Object.entries(state.on_intent ?? {}).map(([pattern, target]) => ({
        guard: { type: 'intentIs', params: { patterns: [pattern] } }, ...go(target), actions: ['resetMisunderstood', 'rememberIntent'],
      }));
      const globals = globalTransitions(flow.id, stateId, handled);
      const retry: Transition[] = [
        { guard: { type: 'retriesLeft', params: { max: slot.retries } }, actions: ['incrementRetries', ...reprompt] },
        { target: failure, actions: ['resetRetries'] },
      ];
      // Free text would swallow "I want a person" or a new question, so for any_text slots those go first — but
      // only a confident one: a description of the problem often sounds like a question.
      // A yes/no answer with a new question in it ("okei, entä miten päivitän osoitteen?") is the question.
      const newRequests: Transition[] = slot.entity === 'yes_no'
        ? [...intents.map((transition) => ({ ...transition, guard: { type: 'newRequestIs', params: { patterns: (transition.guard as { params: { patterns: string[] } }).params.patterns } } })),
          ...digressionTransitions(handled, state.ask, NEW_REQUEST)]
        : [];
      const user = slot.entity === 'any_text'
        ? [...replyTransitions, ...globalReplies, ...intents, ...globals, ...answerTransitions(state.ask, replies, FREE_TEXT_INTERRUPT, 'asked'), ...digressionTransitions(handled, state.ask, FREE_TEXT_INTERRUPT, 'asked'), fill, ...retry]
        // A yes/no question takes "ei sittenkään" as its no; the global reading only when no yes or no is in the line.
        : slot.entity === 'yes_no'
          ? [...replyTransitions, ...newRequests, fill, ...globalReplies, ...intents, ...globals, ...answerTransitions(state.ask, replies, 0, 'asked'), ...digressionTransitions(handled, state.ask, 0, 'asked'), ...retry]
          : [...replyTransitions, ...globalReplies, fill, ...intents, ...globals, ...answerTransitions(state.ask, replies, 0, 'asked'), ...digressionTransitions(handled, state.ask, 0, 'asked'), ...retry];
      // `confirm`: a value taken from what was said before is checked with a yes/no question before it is used.
      const confirming: Record<string, StateConfig> = {};
      if (slot.confirm) {
        const buttons: QuickReplyRef[] = [{ label: 'buttons.yes', payload: 'yes' }, { label: 'buttons.no', payload: 'no' }];
        const askAgain: Transition[] = [
          { guard: { type: 'retriesLeft', params: { max: 1 } }, actions: ['incrementRetries', { type: 'say', params: { key: 'system.reprompt' } }, ...sayActions([slot.confirm], buttons)] },
          { target: 'asking', actions: ['dropConfirming', 'resetRetries'] },
        ];
        confirming.confirming = {
          entry: ['resetRetries', 'clearPending', ...sayActions([slot.confirm], buttons)],
          tags: ['waiting'],
          meta: {
            ...waitingMeta(flow.id, stateId, 'slot', [...handled, ...globalIntents], 'yes_no', buttons.map((button) => button.payload)),
            routes: [...handled], askKey: slot.confirm,
          },
          on: {
            USER: [
              // "Ei, soita mieluummin 040 …": a value given now is the customer's own answer, no confirmation needed.
              { ...fill, actions: ['dropConfirming', ...(fill.actions as unknown[])] },
              { guard: { type: 'answerIs', params: { value: 'yes' } }, target: nextTarget, actions: ['acceptConfirming', 'resetMisunderstood', 'resetRetries'] },
              { guard: { type: 'answerIs', params: { value: 'no' } }, target: 'asking', actions: ['dropConfirming', 'resetMisunderstood', 'resetRetries'] },
              ...globalReplies.map((transition) => ({ ...transition, actions: ['dropConfirming', ...(transition.actions as unknown[])] })),
              ...intents, ...globals, ...answerTransitions(slot.confirm, buttons, 0, 'asked'),
              ...askAgain,
            ],
            NO_INPUT: askAgain,
          },
        };
      }
      return {
        initial: 'check',
        states: {
          check: {
            always: [
              { guard: { type: 'slotPrefilled', params: { slot } }, target: slot.confirm ? 'confirming' : nextTarget, actions: [{ type: slot.confirm ? 'holdForConfirming' : 'fillSlotFromPending', params: { slot } }] },
              ...(slot.skip_if_filled ? [{ guard: { type: 'slotFilled', params: { name: slot.name } }, target: nextTarget }] : []),
              // "Hej, ja väntar på ett paket men ja har int nå ordernummer": a question for a number takes its
              // don't-know route at once. (Not where nothing said before counts, `prefill: none`: the question after
              // the hint itself.)
              ...(readRepliesOf(state).dont_know && prefillOf(slot) !== 'none' && NUMBER_ENTITIES.has(slot.entity) ? [{ guard: 'lineLacksNumber', ...go(readRepliesOf(state).dont_know), actions: ['clearPending'] }] : []),
              { target: 'asking' },
            ],
          },
          ...confirming,
          asking: {
            entry: ['resetRetries', 'clearPending', ...ask],
            tags: ['waiting'],
            meta: {
              ...waitingMeta(flow.id, stateId, 'slot', [...handled, ...globalIntents], slot.entity, (replies ?? []).map((r) => r.payload)),
              routes: [...handled], askKey: state.ask, ...(state.resume_topics ? { resumeTopics: true } : {}),
            },
            on: { USER: user, NO_INPUT: retry },
          },
        },
      };
    }

    if (state.ask) {
      const handled = new Set(Object.keys(state.on_intent ?? {}));
      handled.forEach((intent) => allIntents.add(intent));
      const ask = sayActions([...said, state.ask], replies);
      const intents: Transition[] = Object.entries(state.on_intent ?? {}).map(([pattern, target]) => ({
        guard: { type: 'intentIs', params: { patterns: [pattern] } },
        ...go(target),
        actions: ['resetMisunderstood', 'rememberIntent', ...(globalIntents.includes(pattern) ? [] : [{ type: 'setTopic', params: {} }])],
      }));
      // The main menu routes every topic itself; elsewhere a customer may change the subject at any question.
      const isMenu = flow.id === MAIN_FLOW && stateId === main.start;
      const topicSwitches: Transition[] = isMenu ? [] : digressionTransitions(handled, state.ask, 0);
      const otherwise: Transition[] = state.otherwise
        ? [{ ...go(state.otherwise), actions: ['countMisunderstood', 'rememberIntent'] }]
        : [{ actions: ['countMisunderstood', { type: 'say', params: { key: 'system.not_understood' } }, ...sayActions([state.ask], replies)] }];
      return {
        entry: ['clearPending', ...ask],
        tags: ['waiting'],
        meta: {
          ...waitingMeta(flow.id, stateId, 'ask', [...handled, ...globalIntents, ...topicSwitches.filter((t) => t.target && (t.guard as { type: string }).type === 'topicSwitch').map((t) => firstPattern(t))], undefined, (replies ?? []).map((r) => r.payload)),
          routes: [...handled], askKey: state.ask, ...(state.resume_topics ? { resumeTopics: true } : {}),
        },
        on: {
          USER: [...replyTransitions, ...globalReplies, ...intents, ...globalTransitions(flow.id, stateId, handled), ...answerTransitions(state.ask, replies), ...topicSwitches, ...sentimentTransition(), ...fallbackTransition(), ...otherwise],
          NO_INPUT: { actions: sayActions([state.ask], replies) },
        },
      };
    }
    // Plain talk: say and move on.
    return { entry: sayActions(said, replies), ...(nextTarget ? { always: { target: nextTarget } } : {}) };
  };

  const root: Record<string, StateConfig> = {};
  for (const flow of flows) {
    const states: Record<string, StateConfig> = {};
    for (const [stateId, state] of Object.entries(flow.states)) {
      states[stateId] = compileState(flow, stateId, state);
      // States that end the conversation after their work (handoff/survey without next, caller of a subflow with end).
      if ((state.handoff && !state.next) || (state.survey && !state.next) || (state.flow && state.end)) {
        const outcome = state.handoff ? 'handoff' : state.end ?? 'resolved';
        states[`${stateId}_end`] = {
          entry: [{ type: 'finish', params: { outcome } }],
          tags: ['waiting', 'ended'],
          meta: waitingMeta(flow.id, stateId, 'ended', [], undefined, []),
          on: { USER: { target: `#${ROOT}.${MAIN_FLOW}`, actions: ['restart'] } },
        };
      }
    }
    root[flow.id] = { initial: flow.start, states };
  }
  for (const flow of flows) {
    for (const state of Object.values(flow.states)) {
      for (const pattern of Object.keys(state.on_intent ?? {})) allIntents.add(pattern);
    }
  }

  const machine = createMachine(
    {
      id: ROOT,
      initial: MAIN_FLOW,
      context: ({ input }: { input: { conversationId: string; env: DialogEnv; slots?: Slots } }) => ({
        conversationId: input.conversationId,
        slots: input.slots ?? {},
        stack: [],
        retries: 0,
        misunderstood: 0,
        env: input.env,
      }),
      on: {
        ENV: { actions: 'storeEnv' },
        AGENT_RELEASED: { target: global.after_agent ? globalRef(global.after_agent) : ref(MAIN_FLOW, main.start), actions: ['clearStack', 'resetMisunderstood'] },
      },
      states: root,
    } as never,
    { actions: baseActions as never, guards: baseGuards as never },
  );
  const sensitiveSlots = new Set<string>();
  for (const flow of flows) for (const state of Object.values(flow.states)) if (state.slot?.sensitive) sensitiveSlots.add(state.slot.name);
  const followUps: Record<string, string[]> = {};
  for (const [pattern, target] of topicRoutes) {
    const topicFlow = flows.find((flow) => flow.id === main.states[target]?.flow);
    if (topicFlow?.follow_ups?.length) followUps[pattern] = [...topicFlow.follow_ups];
  }
  return {
    machine, globalIntents, intents: [...allIntents], flows: flows.map((flow) => flow.id), sensitiveSlots: [...sensitiveSlots], followUps,
    states: flows.flatMap((flow) => Object.keys(flow.states).map((state) => `${flow.id}.${state}`)),
    migrations: Object.fromEntries(flows.flatMap((flow) => (flow.migrate ? [[flow.id, flow.migrate]] : []))),
  };
}

function firstPattern(transition: Transition): string {
  const guard = transition.guard as { params: { patterns: string[] } };
  return guard.params.patterns[0];
}

function waitingMeta(flow: string, state: string, kind: WaitingStateMeta['kind'], expectedIntents: string[], expectedEntity: string | undefined, payloads: string[], survey?: WaitingStateMeta['survey']): WaitingStateMeta {
  return { flow, state, kind, expectedIntents: [...new Set(expectedIntents)], expectedEntity, quickReplyPayloads: payloads, survey };
}

type UserEvent = Extract<DialogEvent, { type: 'USER' }>;
type Args = { context: DialogContext; event: DialogEvent };
const userEvent = (event: DialogEvent): UserEvent | undefined => (event.type === 'USER' ? event : undefined);

const baseActions = {
  storeEnv: assign(({ event }: Args) => (event.type === 'ENV' ? { env: event.env } : {})),
  say: emit(({ context }: Args, params: { key: string; quickReplies?: QuickReplyRef[]; bargeIn?: boolean }) => ({
    type: 'say', key: params.key, quickReplies: params.quickReplies, ticketId: context.ticketId,
    // The confirmation question names the value it confirms ("Can we reach you at {contact}?").
    slots: context.confirming ? { ...context.slots, [context.confirming.name]: context.confirming.value } : context.slots,
    ...(params.bargeIn === false ? { bargeIn: false } : {}),
  })),
  sayFaq: emit(({ context }: Args) => ({ type: 'say', key: context.lastIntent ?? 'system.not_understood', slots: context.slots, ticketId: context.ticketId })),
  /** The FAQ answer to the question just asked, in the middle of another question (a digression). */
  sayFaqOfEvent: emit(({ context, event }: Args) => ({ type: 'say', key: userEvent(event)?.intent ?? 'system.not_understood', slots: context.slots, ticketId: context.ticketId })),
  resetMisunderstood: assign({ misunderstood: 0 }),
  countMisunderstood: assign(({ context, event }: Args) => ({
    misunderstood: userEvent(event)?.intent === OUT_OF_SCOPE ? context.misunderstood + 1 : context.misunderstood,
  })),
  rememberIntent: assign(({ event }: Args) => {
    const user = userEvent(event);
    // Kept for pre-filling later questions, so saved with the conversation: never card numbers, identity codes or IBANs.
    const pending = (user?.entities ?? []).filter((entity) => !NEVER_KEPT_ENTITIES.has(entity.type));
    return { lastIntent: user?.intent, lastConfidence: user?.fromButton ? 1 : user?.confidence, pendingEntities: pending, topicLine: user && !user.fromButton ? user.text : undefined, topicDetailWords: user && !user.fromButton ? user.detailWords : undefined, anotherItem: user?.another === true };
  }),
  /** The intent and entities of a line that keeps the current topic: the line that opened the topic stays its topic line. */
  rememberIntentKeepTopic: assign(({ event }: Args) => {
    const user = userEvent(event);
    return { lastIntent: user?.intent, lastConfidence: user?.fromButton ? 1 : user?.confidence, pendingEntities: (user?.entities ?? []).filter((entity) => !NEVER_KEPT_ENTITIES.has(entity.type)) };
  }),
  /** A question is being asked: entities of an earlier utterance no longer pre-fill anything. */
  clearPending: assign({ pendingEntities: [] as EntityMatch[] }),
  /** `remember`: slots filled from what was said (the topic line first, then the conversation), never asked. */
  rememberSlots: assign(({ context }: Args, params: { slots: { name: string; entity: string }[] }) => {
    const slots = { ...context.slots };
    for (const { name, entity } of params.slots) {
      const value = prefilledSlotValue({ name, entity, retries: 0, skip_if_filled: false, prefill: 'conversation' }, context);
      if (value !== undefined) slots[name] = value;
    }
    return { slots };
  }),
  fillSlotFromPending: assign(({ context }: Args, params: { slot: SlotSpec }) => {
    const value = prefilledSlotValue(params.slot, context);
    return { slots: { ...context.slots, [params.slot.name]: value ?? null }, pendingEntities: [] as EntityMatch[] };
  }),
  /** A routed intent becomes the topic; a global one (goodbye, help, a person) only when there is none yet. */
  setTopic: assign(({ context, event }: Args, params: { intent?: string }) => ({
    topicIntent: params?.intent ? context.topicIntent ?? params.intent : userEvent(event)?.intent ?? context.topicIntent,
  })),
  clearStack: assign({ stack: [] as string[] }),
  /** The customer let the topic go: what it was about no longer fills later questions. */
  dropTopic: assign({ topicIntent: undefined, topicLine: undefined, topicDetailWords: undefined, pendingEntities: [] as EntityMatch[] }),
  pushStack: assign(({ context }: Args, params: { caller: string }) => ({ stack: [...context.stack, params.caller] })),
  popStack: assign(({ context }: Args) => ({ stack: context.stack.slice(0, -1) })),
  resetRetries: assign({ retries: 0 }),
  incrementRetries: assign(({ context }: Args) => ({ retries: context.retries + 1 })),
  fillSlot: assign(({ context, event }: Args, params: { slot: SlotSpec }) => {
    const user = userEvent(event);
    const value = user ? slotValueFrom(params.slot, user) : undefined;
    // An answer that says more than the topic line did ("lasku 2026-1187: veloitettiin kahdesti") may answer the next
    // question too; a bare value ("se on 4402918") leaves the topic line as it was.
    // A line that asks for something that is no request ("can we switch to English, the number is …") tells nothing more.
    const richer = user && !user.fromButton && value !== undefined && !(NOT_A_REQUEST.has(user.intent) && user.intent !== OUT_OF_SCOPE) && contentWordCount(user.text) > contentWordCount(context.topicLine ?? '');
    const topicLine = richer ? user.text : context.topicLine;
    const topicDetailWords = richer ? user.detailWords : context.topicDetailWords;
    return { slots: { ...context.slots, [params.slot.name]: value ?? null }, retries: 0, topicLine, topicDetailWords };
  }),
  storeResult: assign(({ context, event }: Args & { event: { output?: IntegrationOutput } }, params: { mapping: Record<string, string> }) => {
    const output = (event as { output?: IntegrationOutput }).output;
    const slots = { ...context.slots };
    for (const [field, slot] of Object.entries(params.mapping)) slots[slot] = output?.result[field] ?? null;
    return { slots };
  }),
  storeTicket: assign(({ event }: Args) => {
    const output = (event as unknown as { output: HandoffOutput }).output;
    return { ticketId: output.ticketId, queueWaiting: output.waiting ?? 0 };
  }),
  /** A value said before, held (not yet a slot value: nothing may use it) until the customer confirms it. */
  holdForConfirming: assign(({ context }: Args, params: { slot: SlotSpec }) => ({
    confirming: { name: params.slot.name, value: prefilledSlotValue(params.slot, context) ?? null }, pendingEntities: [] as EntityMatch[],
  })),
  acceptConfirming: assign(({ context }: Args) => (context.confirming
    ? { slots: { ...context.slots, [context.confirming.name]: context.confirming.value }, confirming: undefined }
    : {})),
  dropConfirming: assign({ confirming: undefined }),
  emitHandoff: emit(({ event }: Args) => {
    const output = (event as unknown as { output: HandoffOutput & { reason: string } }).output;
    return { type: 'handoff', ...output };
  }),
  recordSurvey: emit(({ event }: Args, params: { survey: 'csat' | 'nps' | 'ces' }) => ({
    type: 'survey', survey: params.survey, value: surveyValueFrom(params.survey, event as UserEvent) ?? 0,
  })),
  finish: assign((_args: Args, params: { outcome: DialogContext['outcome'] }) => ({ outcome: params.outcome })),
  restart: assign(({ context }: Args) => ({ slots: {}, stack: [], retries: 0, misunderstood: 0, outcome: undefined, ticketId: undefined, topicIntent: undefined, lastIntent: undefined, topicLine: undefined, topicDetailWords: undefined, env: context.env })),
};

const baseGuards = {
  intentIs: ({ event }: Args, params: { patterns: string[] }) => params.patterns.some((pattern) => intentMatches(pattern, userEvent(event)?.intent)),
  sentimentBelow: ({ event }: Args, params: { below: number }) => (userEvent(event)?.sentiment ?? 0) < params.below,
  misunderstoodReaches: ({ context, event }: Args, params: { count: number }) => userEvent(event)?.intent === OUT_OF_SCOPE && context.misunderstood + 1 >= params.count,
  condition: ({ context, event }: Args, params: { condition: Condition }) => evaluateCondition(params.condition, context, userEvent(event)),
  stackTopIs: ({ context }: Args, params: { caller: string }) => context.stack[context.stack.length - 1] === params.caller,
  slotFilled: ({ context }: Args, params: { name: string }) => context.slots[params.name] !== undefined && context.slots[params.name] !== null,
  slotAnswered: ({ context, event }: Args, params: { slot: SlotSpec }) => {
    const user = userEvent(event);
    if (user === undefined || slotValueFrom(params.slot, user) === undefined) return false;
    // "Ei auttanut, laittakaa mut ihmiselle": the no to a yes/no question comes with a confident request, which is
    // what the customer wants now (the question's intents and the global ones take it up).
    return params.slot.entity !== 'yes_no' || !isNewRequest(user, context);
  },
  retriesLeft: ({ context }: Args, params: { max: number }) => context.retries < params.max,
  /** A yes or a no to a confirmation question (a button, "joo", "ei", "yes please"). */
  answerIs: ({ event }: Args, params: { value: 'yes' | 'no' }) => {
    const user = userEvent(event);
    return user !== undefined && slotValueFrom({ name: 'answer', entity: 'yes_no', retries: 0, skip_if_filled: false }, user) === params.value;
  },
  slotPrefilled: ({ context }: Args, params: { slot: SlotSpec }) => prefilledSlotValue(params.slot, context) !== undefined,
  /** "Ei muuta", "no thanks", "nej tack", goodbye — and no rating number in it. */
  surveySkipped: ({ event }: Args) => {
    const user = userEvent(event);
    if (!user || user.entities.some((entity) => entity.type === 'number' || entity.type === 'rating') || /\d/.test(user.text)) return false;
    const parts = user.replyParts ?? (user.reply ? [user.reply] : []);
    // "kiitti ja moi, olit tosi nopee" says goodbye with a verdict in it: that is the rating.
    return user.reply === 'done' || user.reply === 'withdraw' || (parts.includes('deny') && (parts.includes('thanks') || parts.length === 1 && wordCount(user.text) <= 2)) || (user.intent === 'goodbye' && (!user.reply || user.reply === 'thanks') && user.evaluative !== true);
  },
  lineLacksNumber: ({ event }: Args) => userEvent(event)?.lacksNumber === true,
  replyIs: ({ context, event }: Args, params: { replies: string[]; valueOf?: SlotSpec }) => {
    const user = userEvent(event);
    const reply = user?.reply;
    if (user === undefined || reply === undefined || !params.replies.includes(reply) || isNewRequest(user, context)) return false;
    return params.valueOf === undefined || slotValueFrom(params.valueOf, user) === undefined;
  },
  confidentIntentIs: ({ event }: Args, params: { patterns: string[]; min: number; question?: 'asked' | 'asked_or_sure' }) => {
    const user = userEvent(event);
    return user !== undefined && user.confidence >= params.min && interrupts(user, params.question) && params.patterns.some((pattern) => intentMatches(pattern, user.intent));
  },
  newRequestIs: ({ context, event }: Args, params: { patterns: string[] }) => {
    const user = userEvent(event);
    return user !== undefined && user.reply === undefined && isNewRequest(user, context) && params.patterns.some((pattern) => intentMatches(pattern, user.intent));
  },
  /** A new topic, not the one the customer is already in (asking about the order again at its question is no switch). */
  topicSwitch: ({ context, event }: Args, params: { patterns: string[]; min: number }) => {
    const user = userEvent(event);
    return user !== undefined && user.confidence >= params.min && user.intent !== context.topicIntent && params.patterns.some((pattern) => intentMatches(pattern, user.intent));
  },
  surveyAnswered: ({ event }: Args, params: { survey: 'csat' | 'nps' | 'ces' }) => {
    const user = userEvent(event);
    return user !== undefined && surveyValueFrom(params.survey, user) !== undefined;
  },
  outcomeIs: ({ event }: Args, params: { outcome: string }) => (event as unknown as { output?: IntegrationOutput }).output?.outcome === params.outcome,
};

/** Confidence above which a line interrupts a question even when it is not phrased as a question. */
const SURE = 0.9;

/**
 * While a question waits for its answer, only a line that asks something interrupts it (`asked`: free-text
 * questions, where any description could sound like a topic), or one that is unmistakable (`asked_or_sure`).
 */
/** Intents that ask for nothing of their own: a short reply said with them is still a reply. */
/** Values a customer gives (a number to call, an address, a reference), not words that ask about something. */
const GIVEN_VALUES = new Set(['phone', 'email', 'order_number', 'invoice_number', 'address', 'postcode']);

/** "Ja gärna, mitt nummer är 040…": a statement that gives a value answers the question; an FAQ is asked, not stated. */
/**
 * The short replies a question reads itself. "That's all" at a question that maps its no ("no, I won't give the
 * number") is that no unless the question maps it too: the customer has nothing more to give, so the topic goes on
 * without the value instead of the conversation ending with the topic half done and no word of it.
 */
function readRepliesOf(state: FlowState): Record<string, string> {
  const own = (state.on_reply ?? {}) as Record<string, string>;
  return state.slot && own.deny !== undefined && own.done === undefined ? { ...own, done: own.deny } : own;
}

function statesAValue(user: UserEvent): boolean {
  return user.question !== true && user.intent.startsWith('faq.') && user.entities.some((entity) => GIVEN_VALUES.has(entity.type));
}
/** How sure the NLU must be that a line asks for something new before it outweighs a yes/no or a short reply in it. */
const NEW_REQUEST = 0.85;

/**
 * "En tiedä miksi netti ei toimi", "yes thanks, and how long does delivery take?": a line with a short reply or a
 * yes in it that confidently asks for something else is that request, not the reply.
 */
function isNewRequest(user: UserEvent, context: DialogContext): boolean {
  // "ei", "joo kiitos": a bare short reply answers the question, whatever the model makes of two words.
  // "mistä sen numeron näkee?" is the customer asking about the question's own answer, not a new topic.
  const words = wordCount(user.text);
  if (user.reply !== undefined && (words <= 2 || (user.reply === 'dont_know' && words <= 6))) return false;
  if (statesAValue(user)) return false;
  const sure = Math.min(user.confidence, user.requestConfidence ?? user.confidence);
  return !user.fromButton && sure >= NEW_REQUEST && !NOT_A_REQUEST.has(user.intent) && user.intent !== context.topicIntent;
}

function interrupts(user: UserEvent, rule: 'asked' | 'asked_or_sure' | undefined): boolean {
  if (rule === undefined) return true;
  return user.question === true || (rule === 'asked_or_sure' && user.confidence >= SURE);
}

/** Binds the engine's effectful implementations to the compiled machine. */
export function provideImplementations(bot: CompiledBot, implementations: DialogImplementations): AnyStateMachine {
  return bot.machine.provide({
    actors: {
      integration: fromPromise(async ({ input }: { input: IntegrationInput }) => implementations.integration(input)),
      handoff: fromPromise(async ({ input }: { input: HandoffInput }) => implementations.handoff(input)),
    },
    guards: {
      faqAvailable: ({ context }: { context: DialogContext }) => implementations.faqAvailable(context.lastIntent, context.env),
      faqDigression: ({ context, event }: { context: DialogContext; event: DialogEvent }, params: { min: number; question?: 'asked' | 'asked_or_sure'; withdrawn?: boolean }) => {
        const user = userEvent(event);
        if ((params.withdrawn && user?.reply !== 'withdraw') || (user !== undefined && statesAValue(user))) return false;
        return user !== undefined && user.confidence >= params.min && interrupts(user, params.question) && implementations.faqAvailable(user.intent, context.env);
      },
    },
  } as never);
}
