// One file on purpose: the turn pipeline and the agent operations share the per-conversation lock, the record
// handling and the live dialog actors, and reading the turn top to bottom in one place is what keeps it correct.
import { createActor, waitFor, type AnyActorRef, type AnyStateMachine, type InspectionEvent, type Snapshot } from 'xstate';
import { intentMatches, MAIN_FLOW, provideImplementations, type CompiledBot } from '../flows/compile-flow';
import type { DialogEmitted, DialogEnv, DialogEvent, IntegrationOutput, WaitingStateMeta } from '../flows/dialog-types';
import type { MessageCatalog } from '../i18n/message-catalog';
import { createBotVersionRegistry, migrationTarget, type BotVersion, type BotVersionRegistry } from './bot-versions';
import { renderingFor, renderMessage, type MessageVariables } from '../i18n/render-message';
import type { ConversationRecord, ConversationState } from './conversation';
import { AccessDeniedError, AppError, ConversationNotFoundError, InvalidTurnError } from './errors';
import { contactFromSlots } from './normalize-contact';
import { maskBotLine, maskDeep, maskPersonalData, maskSlots, maskTranscript, sensitiveValues } from './personal-data';
import { createAccessToken, secretsEqual } from './secrets';
import type { AnalyticsEvent, AnalyticsEventType } from './events';
import type { Logger } from './logger';
import { NOT_A_REQUEST, OUT_OF_SCOPE, type EntityMatch, type Nlu, type NluResult } from './nlu';
import type { Clock, Stores } from './ports';
import type { QuickReply, Reply, ReplyMessage, TurnResult } from './reply';
import type { ChannelSpeech, ConversationEngine, HandoffService } from './services';
import type { Customer, Slots } from './ticket';
import type { TranscriptEntry } from './transcript';
import type { ChannelKind, Locale, Turn } from './turn';
import { isLocale } from './turn';

export interface EngineOptions {
  locales: Locale[];
  defaultLocale: Locale;
  /** A conversation idle longer than this is forgotten (the customer's history stays). */
  idleTimeoutMs: number;
  maxTextLength: number;
  /** How many handled client message ids to remember for de-duplication. */
  rememberMessages: number;
  /** Longest time a turn may wait for integrations and ticket creation. */
  turnTimeoutMs: number;
  /** Dialog actors kept running for recently active conversations (0 = restore every turn). */
  liveActors: number;
}

export const defaultEngineOptions: EngineOptions = {
  locales: ['fi', 'en', 'sv'],
  defaultLocale: 'fi',
  idleTimeoutMs: 30 * 60 * 1000,
  maxTextLength: 2000,
  rememberMessages: 20,
  turnTimeoutMs: 10_000,
  liveActors: 256,
};

interface PendingEvent {
  type: AnalyticsEventType;
  data: AnalyticsEvent['data'];
}

/** The parts of the dialog context the engine reads from a persisted snapshot. */
interface DialogContextShape {
  env: DialogEnv;
  [key: string]: unknown;
}

export type Integration = (inputs: Record<string, unknown>) => Promise<IntegrationOutput>;

interface EngineServices {
  stores: Stores;
  handoff: HandoffService;
  integrations: Record<string, Integration>;
  clock: Clock;
  logger: Logger;
  options?: Partial<EngineOptions>;
  /** Sees every state a dialog passes through, transient ones included (conversation-test coverage). */
  onStateChange?: (change: StateChange) => void;
}

export interface StateChange {
  conversationId: string;
  /** `flow.state` before the step; undefined for the first state of a new dialog. */
  from?: string;
  to: string;
}

/** One fixed bot, or the registry of versions a hot-reloading deployment keeps (see bot-versions.ts). */
export type EngineDeps = EngineServices & ({ bot: CompiledBot; catalog: MessageCatalog; nlu: Nlu } | { versions: BotVersionRegistry });

/** What the engine builds once per bot version: the machine with the engine's implementations, the payloads it accepts. */
interface VersionRuntime {
  machine: AnyStateMachine;
  knownPayloads: Set<string>;
  /** Slots the version's flows marked `sensitive: true`. */
  sensitiveSlots: ReadonlySet<string>;
}

export interface Engine extends ConversationEngine {
  /** Throws AccessDeniedError unless `token` is the conversation's secret. */
  authorize(conversationId: string, token: string | undefined): Promise<ConversationRecord>;
  /** The bot versions this engine runs conversations on. */
  versions: BotVersionRegistry;
}

const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,128}$/;
const GLOBAL_PAYLOADS_FALLBACK = ['human_agent'];

export function isValidConversationId(id: string): boolean {
  return CONVERSATION_ID.test(id);
}

/**
 * The turn pipeline: lock → load → dedupe → understand → dialog (XState actor restored from its snapshot) →
 * replies → transcript → save → analytics. Turns of one conversation never interleave (the store's lock).
 */
export function createEngine(deps: EngineDeps): Engine {
  const options: EngineOptions = { ...defaultEngineOptions, ...deps.options };
  const { stores, clock, logger, handoff } = deps;
  const versions: BotVersionRegistry = 'versions' in deps
    ? deps.versions
    : createBotVersionRegistry({ id: 'initial', bot: deps.bot, catalog: deps.catalog, nlu: deps.nlu }, { keepUnusedMs: options.idleTimeoutMs, now: () => clock.now() });
  const buildRuntime = ({ bot, catalog }: BotVersion): VersionRuntime => ({ sensitiveSlots: new Set(bot.sensitiveSlots ?? []), knownPayloads: new Set<string>([...bot.intents, ...bot.globalIntents, ...GLOBAL_PAYLOADS_FALLBACK]), machine: provideImplementations(bot, {
    integration: async ({ name, inputs }) => {
      const integration = deps.integrations[name];
      if (!integration) throw new AppError('unknown_integration', `No integration named ${name} is configured.`);
      return integration(inputs);
    },
    handoff: async (input) => {
      const current = currentTurns.get(input.conversationId);
      if (!current) throw new AppError('handoff_without_conversation', 'handoff outside a turn');
      const { record, turn } = current;
      // Contact details given in this very turn (a callback number) find the customer before the ticket is made,
      // so the ticket lists their earlier contacts on every channel.
      await identifyCustomer(record, turn, input.slots);
      const customer = record.customerId ? await loadCustomer(record) : undefined;
      // The ticket leaves the dialog: sensitive slots are masked, also where the customer's own line repeated them.
      const values = sensitiveValues(input.slots, sensitiveSlotsOf(record));
      const whole = await wholeRecord(record);
      const ticket = await handoff.createTicket({
        conversation: { ...whole, slots: maskSlots(input.slots, sensitiveSlotsOf(record)), transcript: values.length > 0 ? maskTranscript(whole.transcript, { values }) : whole.transcript },
        reason: input.reason,
        priority: input.priority,
        queue: input.queue,
        intent: input.topicIntent,
        customer,
        hints: turn.customer,
      });
      // Durability (issue 11): the count names the conversation's next ticket; saved with the turn, so a retry of
      // this turn (whatever path it takes) asks for the same one. See ticketIdFor in create-handoff-service.ts.
      record.handoffs = (record.handoffs ?? 0) + 1;
      const waiting = handoff.waitingAhead ? await handoff.waitingAhead(ticket).catch((error: unknown) => {
        logger.warn('engine.handoff.queue_length_failed', { conversationId: record.id, error: String(error) });
        return 0;
      }) : 0;
      return { ticketId: ticket.id, queue: ticket.queue, priority: ticket.priority, agentsAvailable: input.live && handoff.isOpen(clock.now()), reason: input.reason, waiting };
    },
    faqAvailable: (intent, env) => Boolean(intent && intent.startsWith('faq.') && catalog.get(env.locale, intent)),
  }) });
  const runtimes = new WeakMap<BotVersion, VersionRuntime>();
  const runtimeOf = (version: BotVersion): VersionRuntime => {
    let runtime = runtimes.get(version);
    if (!runtime) runtimes.set(version, (runtime = buildRuntime(version)));
    return runtime;
  };
  /** The version each running turn was pinned to (held for the turn, so an eviction meanwhile cannot pull it away). */
  const turnVersions = new Map<string, BotVersion>();
  const versionOf = (record: ConversationState): BotVersion =>
    turnVersions.get(record.id) ?? (record.botVersion ? versions.get(record.botVersion) : undefined) ?? versions.current();
  const catalogOf = (record: ConversationState): MessageCatalog => versionOf(record).catalog;
  /** Slots whose values only the dialog may see (`sensitive: true` in the flow files of the conversation's version). */
  const sensitiveSlotsOf = (record: ConversationState): ReadonlySet<string> => runtimeOf(versionOf(record)).sensitiveSlots;
  /** The record and turn of each conversation whose turn is running, for the handoff actor (it needs the transcript and the channel's hints). */
  const currentTurns = new Map<string, { record: ConversationState; turn: Turn }>();

  /**
   * Dialog actors of recently active conversations, kept running between turns so a hot conversation skips the
   * snapshot restore. An entry is valid only for the record version it was saved with (another instance or an
   * agent action makes it stale), and a turn takes it out while it runs, so a failed turn never leaves it behind.
   */
  interface LiveActor {
    actor: AnyActorRef;
    version: number;
    botVersion: string;
    sink: { emitted: DialogEmitted[] };
  }
  const liveActors = new Map<string, LiveActor>();
  const takeLiveActor = (id: string, version: number, botVersion: string): LiveActor | undefined => {
    const live = liveActors.get(id);
    if (!live) return undefined;
    liveActors.delete(id);
    if (live.version === version && live.botVersion === botVersion) return live;
    live.actor.stop();
    return undefined;
  };
  const keepLiveActor = (id: string, live: LiveActor): void => {
    liveActors.set(id, live);
    if (liveActors.size > options.liveActors) {
      const [oldestId, oldest] = liveActors.entries().next().value as [string, LiveActor];
      liveActors.delete(oldestId);
      oldest.actor.stop();
    }
  };

  const ttl = { ttlMs: options.idleTimeoutMs };

  const newRecord = (id: string, channel: ChannelKind, locale: Locale, now: number): ConversationState => ({
    id,
    version: 0,
    createdAt: now,
    updatedAt: now,
    channel,
    locale,
    status: 'active',
    snapshot: undefined,
    state: `${MAIN_FLOW}.start`,
    slots: {},
    storedLines: 0,
    added: [],
    processed: [],
    misunderstood: 0,
    said: {},
    customerSpoke: false,
    accessToken: createAccessToken(),
  });

  /**
   * A conversation for a turn or an agent's action, without its transcript lines. One saved before the counters
   * existed gets them from its transcript, once.
   */
  const load = async (id: string): Promise<ConversationState | undefined> => {
    const record = await stores.conversations.getState(id);
    if (record && (record.said === undefined || record.customerSpoke === undefined)) {
      const transcript = record.storedLines > 0 ? (await stores.conversations.get(id))?.transcript ?? [] : [];
      record.said ??= countSaid(transcript);
      record.customerSpoke ??= transcript.some((entry) => entry.from === 'customer');
    }
    return record;
  };

  /** Writes the conversation and appends its new lines; afterwards they count as stored. */
  const save = async (record: ConversationState, now: number): Promise<void> => {
    record.version += 1;
    record.updatedAt = now;
    await stores.conversations.saveState(record, ttl);
    record.storedLines += record.added.length;
    record.added = [];
  };

  /** Adds a line to the transcript (appended on save). */
  const addLine = (record: ConversationState, entry: TranscriptEntry): void => {
    record.added.push(entry);
    if (entry.from === 'customer') record.customerSpoke = true;
  };

  const lineCount = (record: ConversationState): number => record.storedLines + record.added.length;

  /** The whole record, stored lines read (only for a ticket, which carries the transcript) and this turn's after them. */
  const wholeRecord = async (record: ConversationState): Promise<ConversationRecord> => {
    const { storedLines, added, ...fields } = record;
    const stored = storedLines > 0 ? (await stores.conversations.get(record.id))?.transcript ?? [] : [];
    return { ...fields, transcript: [...stored, ...added] };
  };

  const emitEvent = async (type: AnalyticsEventType, record: ConversationState, at: number, data: AnalyticsEvent['data'] = {}): Promise<void> => {
    try {
      await stores.events.append({ type, at, conversationId: record.id, channel: record.channel, locale: record.locale, data: maskDeep(data) });
    } catch (error) {
      logger.warn('engine.analytics.append_failed', { conversationId: record.id, type, error: String(error) });
    }
  };

  /** The turn's analytics in one write, after the conversation is saved (analytics never block a reply). */
  const emitEvents = async (record: ConversationState, at: number, pending: PendingEvent[]): Promise<void> => {
    if (pending.length === 0) return;
    try {
      const customer: AnalyticsEvent['data'] = record.customerId ? { customer: record.customerId } : {};
      await stores.events.appendMany(pending.map((event) => ({ type: event.type, at, conversationId: record.id, channel: record.channel, locale: record.locale, data: maskDeep({ ...event.data, ...customer }) })));
    } catch (error) {
      logger.warn('engine.analytics.append_failed', { conversationId: record.id, error: String(error) });
    }
  };

  const variablesFor = (record: ConversationState, slots: Record<string, unknown>, now: number, extra: MessageVariables = {}): MessageVariables => {
    const variables: MessageVariables = { ...(slots as MessageVariables), ticketId: record.ticketId, agentName: record.agentName, ...extra };
    // Computed only for messages that use it: the opening-hours lookup is the costliest variable.
    Object.defineProperty(variables, 'backAt', { enumerable: true, configurable: true, get: () => handoff.nextOpening(now, record.locale).text });
    // When a callback comes: soon in opening hours, otherwise from the next opening.
    Object.defineProperty(variables, 'callbackAt', {
      enumerable: true, configurable: true,
      get: () => {
        const open = handoff.isOpen(now);
        const template = catalogOf(record).get(record.locale, open ? 'system.callback_soon' : 'system.callback_from');
        return template ? renderMessage(template, { backAt: open ? '' : handoff.nextOpening(now, record.locale).text }, record.locale).text : '';
      },
    });
    return variables;
  };

  /** Renders a message; `channel` decides which rendering counts as said (the spoken one on the phone). */
  const say = (record: ConversationState, key: string, variables: MessageVariables, quickReplies?: QuickReply[], channel: ChannelKind = record.channel): ReplyMessage => {
    const catalog = catalogOf(record);
    const template = catalog.get(record.locale, key) ?? catalog.get(options.defaultLocale, key);
    const said = (record.said ??= {});
    const occurrence = said[key] ?? 0;
    said[key] = occurrence + 1;
    if (!template) {
      logger.error('engine.message.missing', { conversationId: record.id, key, locale: record.locale });
      return { kind: 'message', text: key, key, quickReplies };
    }
    let rendered = renderMessage(template, variables, record.locale, occurrence);
    // Never the same sentence twice in a row: the next variant, when the message has one.
    // Kept masked like everything stored: compared masked too.
    const variants = channel === 'voice' && template.voice ? template.voice.length : template.text.length;
    let spoken = maskPersonalData(renderingFor(rendered, channel));
    if (spoken === record.lastBotText && variants > 1) {
      rendered = renderMessage(template, variables, record.locale, occurrence + 1);
      spoken = maskPersonalData(renderingFor(rendered, channel));
    }
    record.lastBotText = spoken;
    const message: ReplyMessage = { kind: 'message', text: rendered.text, key, from: { role: 'bot' } };
    if (rendered.voice) message.voice = rendered.voice;
    if (quickReplies && quickReplies.length > 0) message.quickReplies = quickReplies;
    return message;
  };

  /** Renders a message the dialog said (buttons labelled in the conversation's language) and adds it to the transcript. */
  const sayAndRecord = (record: ConversationState, event: Extract<DialogEmitted, { type: 'say' }>, now: number, channel: ChannelKind): ReplyMessage => {
    const quickReplies = event.quickReplies?.map((quick) => ({ label: labelFor(record, quick.label, quick.payload), payload: quick.payload }));
    const message = say(record, event.key, variablesFor(record, event.slots, now, { ticketId: event.ticketId ?? record.ticketId }), quickReplies, channel);
    // What the customer got on this channel: the spoken variant on the phone, so the agent reads the call as heard.
    addLine(record, { at: now, from: 'bot', text: maskBotLine(renderingFor(message, channel), Object.values(event.slots ?? {}), sensitiveValues(event.slots, sensitiveSlotsOf(record))), key: message.key, channel, locale: record.locale, state: record.state });
    return event.bargeIn === false ? { ...message, bargeIn: false } : message;
  };

  const labelFor = (record: ConversationState, key: string, payload: string): string => {
    const template = catalogOf(record).get(record.locale, key);
    return template ? renderMessage(template, {}, record.locale).text : payload;
  };

  const understand = (text: string, record: ConversationState, meta: WaitingStateMeta | undefined, now: number): { result: NluResult; locale: Locale } => {
    let locale = record.locale;
    const { nlu } = versionOf(record);
    let result = nlu.understand(text, { locale, expectedIntents: meta?.expectedIntents, expectedEntity: meta?.expectedEntity, now });
    // "på svenska tack", "in English please": a short utterance naming a language is a request to switch.
    const named = result.entities.find((entity) => entity.type === 'language')?.value;
    const short = text.trim().split(/\s+/).length <= 4;
    // "Voidaanko jatkaa suomeksi, laskun numero on …": naming the language the line is written in asks for it too.
    const asked = named && (result.intent === 'change_language' || result.ranking[0]?.intent === 'change_language' || short || named === result.language) ? named : undefined;
    // Switching on our own needs a real sentence; markup, codes and one-word replies keep the language.
    const wordCount = (text.match(/\p{L}{2,}/gu) ?? []).length;
    const detected = wordCount >= 3 && !/[<>{}]/.test(text) ? result.language : undefined;
    const switchTo = asked ?? detected;
    if (switchTo && isLocale(switchTo) && switchTo !== locale && options.locales.includes(switchTo)) {
      locale = switchTo;
      const again = nlu.understand(text, { locale, expectedIntents: meta?.expectedIntents, expectedEntity: meta?.expectedEntity, now });
      // "förlåt, jag talar hellre svenska. när har ni öppet på lördagar": the switch is made and said, and the question
      // that came with it is the request, answered in the new language. A line that gives the value the question waits
      // for ("voidaanko jatkaa suomeksi, laskun numero on 5512009") answers that question instead.
      // A yes or no word inside such a line ("min sambo förstår inte finska") is no answer: the dialog weighs it
      // against the request.
      const answers = meta?.expectedEntity !== undefined && meta.expectedEntity !== 'yes_no' && again.entities.some((entity) => entity.type === meta.expectedEntity);
      const request = !answers && again.intent !== 'change_language' && !NOT_A_REQUEST.has(again.intent) && again.confidence >= REQUEST_WITH_SWITCH;
      result = asked && !request ? { ...again, intent: 'change_language', confidence: Math.max(again.confidence, result.confidence), entities: result.entities } : again;
    }
    return { result, locale };
  };

  // getMeta walks every active state node; a turn asks for the same snapshot's several times.
  const metaOfSnapshot = new WeakMap<object, WaitingStateMeta | null>();
  const waitingMeta = (snapshot: { getMeta(): Record<string, unknown> } | undefined): WaitingStateMeta | undefined => {
    if (!snapshot) return undefined;
    const known = metaOfSnapshot.get(snapshot);
    if (known !== undefined) return known ?? undefined;
    const metas = Object.values(snapshot.getMeta()) as WaitingStateMeta[];
    const meta = metas.find((candidate) => candidate && typeof candidate === 'object' && 'kind' in candidate);
    metaOfSnapshot.set(snapshot, meta ?? null);
    return meta;
  };

  const stateName = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object') {
      const [flow, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
      if (!flow) return '';
      const state = typeof inner === 'string' ? inner : Object.keys((inner as Record<string, unknown>) ?? {})[0];
      return state ? `${flow}.${state}` : flow;
    }
    return '';
  };

  /** An actor's inspector reporting its state changes to onStateChange (none when nobody listens). */
  const inspectorFor = (conversationId: string, initial: string | undefined): ((event: InspectionEvent) => void) | undefined => {
    const listener = deps.onStateChange;
    if (!listener) return undefined;
    let last = initial;
    return (event) => {
      // A new dialog's first state is in its first snapshot; after that, only the dialog machine takes microsteps
      // (its invoked integrations and tickets are promises).
      if (event.type !== '@xstate.microstep' && !(event.type === '@xstate.snapshot' && last === undefined)) return;
      const to = stateName((event.snapshot as { value?: unknown }).value);
      if (!to || to === last) return;
      listener({ conversationId, from: last, to });
      last = to;
    };
  };

  const validateTurn = (turn: Turn): void => {
    if (!isValidConversationId(turn.conversationId)) {
      throw new InvalidTurnError('invalid_conversation_id', 'The conversation id may only contain letters, digits, - and _ (1–128 characters).');
    }
    if (turn.locale !== undefined && (!isLocale(turn.locale) || !options.locales.includes(turn.locale))) {
      throw new InvalidTurnError('invalid_locale', `Unsupported locale. Use one of: ${options.locales.join(', ')}.`, turn.conversationId);
    }
    const input = turn.input;
    if (input.kind === 'text') {
      if (typeof input.text !== 'string' || input.text.trim() === '') throw new InvalidTurnError('empty_text', 'The message text is empty.', turn.conversationId);
      if (input.text.length > options.maxTextLength) {
        throw new InvalidTurnError('text_too_long', `The message is longer than ${options.maxTextLength} characters.`, turn.conversationId);
      }
    }
    if (input.kind === 'payload' && (typeof input.payload !== 'string' || input.payload.length === 0 || input.payload.length > 100)) {
      throw new InvalidTurnError('invalid_payload', 'The quick-reply payload must be a non-empty string of at most 100 characters.', turn.conversationId);
    }
    if (input.kind === 'dtmf' && !/^[0-9*#]{1,32}$/.test(input.digits)) {
      throw new InvalidTurnError('invalid_digits', 'DTMF digits may only contain 0-9, * and #.', turn.conversationId);
    }
    if (input.kind === 'text' && input.sttConfidence !== undefined && !(input.sttConfidence >= 0 && input.sttConfidence <= 1)) {
      throw new InvalidTurnError('invalid_confidence', 'sttConfidence must be between 0 and 1.', turn.conversationId);
    }
  };

  /**
   * Links the conversation to a customer record by what identifies the customer: the channel's hints (the caller's
   * number, a web user id) and the contact details the customer gave or confirmed in the conversation (contact slots:
   * a callback number, an answer to "how can we reach you?", a yes to "can we use 050 123 9876?"). A number merely
   * mentioned in passing is not used until the customer has confirmed it. The customer found (or made) is returned.
   */
  const identifyCustomer = async (record: ConversationState, turn: Turn, slots: Slots = record.slots): Promise<Customer | undefined> => {
    const hints = { ...turn.customer };
    const given = contactFromSlots(slots);
    // The channel's own hints (the number a call comes from) identify first; what was given fills in the rest.
    if (given.phone && !hints.phone) hints.phone = given.phone;
    if (given.email && !hints.email) hints.email = given.email;
    if (!hints.phone && !hints.email && !hints.webUserId) return undefined;
    // Every turn of a call carries the same number: link the customer once per new set of hints, not per turn.
    const signature = [hints.phone ?? '', hints.email ?? '', hints.webUserId ?? ''].join('|');
    if (record.customerId && record.identifiedBy === signature) return undefined;
    try {
      const customer = await stores.customers.identify(hints);
      record.customerId = customer.id;
      record.identifiedBy = signature;
      record.contactKnown = customer.phones.length > 0 || customer.emails.length > 0;
      return customer;
    } catch (error) {
      logger.warn('engine.customer.identify_failed', { conversationId: record.id, error: String(error) });
      return undefined;
    }
  };

  const loadCustomer = async (record: ConversationState): Promise<Customer | undefined> => {
    if (!record.customerId) return undefined;
    try {
      return await stores.customers.get(record.customerId);
    } catch (error) {
      logger.warn('engine.customer.lookup_failed', { conversationId: record.id, error: String(error) });
      return undefined;
    }
  };

  /**
   * What the customer said that later questions may use: the latest entity of each type (identity codes, IBANs
   * and card numbers are never kept), the caller's number, and further requests made in the same message.
   */
  const remember = (record: ConversationState, turn: Turn, result: NluResult): void => {
    const heard = new Map((record.heard ?? []).map((entity) => [entity.type, entity]));
    if (turn.customer?.phone && !heard.has('phone')) heard.set('phone', { type: 'phone', value: turn.customer.phone, text: turn.customer.phone, start: 0, end: 0, sensitive: true });
    for (const entity of mostSpecific(result.entities)) {
      if (entity.sensitive && entity.type !== 'phone' && entity.type !== 'email') continue;
      if (entity.type === 'rating' || entity.type === 'yes_no' || entity.type === 'language') continue;
      heard.delete(entity.type);
      heard.set(entity.type, { type: entity.type, value: entity.value, text: entity.text, start: 0, end: 0, ...(entity.sensitive ? { sensitive: true } : {}) });
    }
    record.heard = [...heard.values()];
    const further = (result.alsoAsked ?? []).map((request) => request.intent).filter((intent) => intent !== result.intent && !(record.agenda ?? []).includes(intent));
    if (further.length > 0) record.agenda = [...(record.agenda ?? []), ...further].slice(-3);
  };

  /** The parts of a conversation its contact record shows (topic, outcome, ticket, slots): a new record when one changes. */
  const contactState = (record: ConversationState): string => JSON.stringify([record.topicIntent, record.status, record.ticketId, record.slots]);

  const rememberContact = async (record: ConversationState, outcome: string | undefined, topic: string | undefined): Promise<void> => {
    if (!record.customerId) return;
    try {
      await stores.customers.recordContact(record.customerId, {
        conversationId: record.id, channel: record.channel, at: record.updatedAt, intent: topic, outcome, ticketId: record.ticketId, slots: record.slots,
      });
    } catch (error) {
      logger.warn('engine.customer.record_failed', { conversationId: record.id, error: String(error) });
    }
  };

  /**
   * The version this turn runs on: the current one for a new conversation; otherwise the one it started on,
   * unless the designer declared the move to the current version safe for where it is (`migrate` in the flow).
   * A version no longer loaded (a restart) leaves only the current one: the conversation carries on there if
   * its state still exists, and starts over otherwise.
   */
  const pinVersion = async (record: ConversationState, fresh: boolean): Promise<BotVersion> => {
    const current = versions.current();
    if (fresh || !record.botVersion || record.botVersion === current.id) {
      record.botVersion = current.id;
      versions.touch(current.id);
      return current;
    }
    const target = migrationTarget(current, record.state);
    if (target) {
      logger.info('engine.version.migrated', { conversationId: record.id, from: record.botVersion, to: current.id, state: record.state, target });
      moveToVersion(record, current, target);
      return current;
    }
    const pinned = await versions.resolve(record.botVersion);
    if (pinned) {
      versions.touch(pinned.id);
      return pinned;
    }
    logger.warn('engine.version.unavailable', { conversationId: record.id, version: record.botVersion, current: current.id, state: record.state });
    if (current.bot.states.includes(record.state)) moveToVersion(record, current, record.state);
    else {
      record.botVersion = current.id;
      record.snapshot = undefined;
      record.waiting = undefined;
    }
    return current;
  };

  /** Puts a conversation on another version at `target` (`flow.state`); what it waits for is read again from there. */
  const moveToVersion = (record: ConversationState, version: BotVersion, target: string): void => {
    record.botVersion = version.id;
    record.waiting = undefined;
    if (target !== record.state && record.snapshot && typeof record.snapshot === 'object') {
      const [flow, state] = target.split('.');
      record.snapshot = { ...(record.snapshot as Record<string, unknown>), value: { [flow]: state } };
      record.state = target;
    }
    versions.touch(version.id);
  };

  const runTurn = async (turn: Turn): Promise<TurnResult> => {
    const started = clock.now();
    const now = turn.timestamp ?? started;
    let record = await load(turn.conversationId);
    // Only a caller that brought a token asks for an existing conversation: it may learn that it is gone.
    if (!record && turn.existingOnly) throw new ConversationNotFoundError(turn.conversationId);
    if (record && turn.accessToken !== undefined && (!record.accessToken || !turn.accessToken || !secretsEqual(record.accessToken, turn.accessToken))) {
      throw new AccessDeniedError('This conversation needs its access token.', turn.conversationId);
    }
    if (record && turn.clientMessageId) {
      const seen = record.processed.find((entry) => entry.clientMessageId === turn.clientMessageId);
      if (seen) return { ...seen.result, duplicate: true };
    }
    const isNew = !record;
    if (!record) {
      record = newRecord(turn.conversationId, turn.channel, turn.locale ?? options.defaultLocale, now);
    }
    if (turn.locale) record.locale = turn.locale;
    const restarting = record.status === 'ended';
    if (restarting) {
      record.status = 'active';
      record.snapshot = undefined;
      record.slots = {};
      record.ticketId = undefined;
      record.misunderstood = 0;
    }
    turnVersions.set(record.id, await pinVersion(record, isNew || restarting));
    currentTurns.set(record.id, { record, turn });
    try {
      const result = await dialogTurn(turn, record, now, isNew || restarting, isNew);
      return isNew && turn.accessToken !== undefined ? { ...result, accessToken: record.accessToken } : result;
    } finally {
      currentTurns.delete(record.id);
      turnVersions.delete(record.id);
    }
  };

  const dialogTurn = async (turn: Turn, record: ConversationState, now: number, fresh: boolean, isNew: boolean): Promise<TurnResult> => {
    const input = turn.input;
    if (isNew) await identifyCustomer(record, turn);

    // A human has the conversation: the bot stays quiet and the agent sees the message.
    if (record.status === 'agent' && input.kind !== 'start') {
      const text = input.kind === 'text' ? input.text : input.kind === 'payload' ? input.text ?? input.payload : input.kind === 'dtmf' ? input.digits : '';
      if (text) addLine(record, { at: now, from: 'customer', text: maskPersonalData(text), channel: turn.channel, locale: record.locale });
      const result: TurnResult = { conversationId: record.id, replies: [], locale: record.locale, state: record.state, ended: false, ticketId: record.ticketId, transcriptLength: lineCount(record) };
      rememberProcessed(record, turn, result);
      await save(record, now);
      await stores.bus.publish({ conversationId: record.id, replies: [], event: 'customer_message', at: now, agentName: record.agentName }).catch(() => undefined);
      return result;
    }

    const sink = { emitted: [] as DialogEmitted[] };
    const emitted = sink.emitted;
    const events: PendingEvent[] = [];
    const contactKnown = Boolean(turn.customer?.phone || turn.customer?.email || record.contactKnown);
    const env = (locale: Locale, sentiment: number): DialogEnv => ({ channel: turn.channel, locale, now, open: handoff.isOpen(now), sentiment, heard: record.heard ?? [], contactKnown });
    const before = { customerId: record.customerId, ticketId: record.ticketId, contact: record.ticketId !== undefined ? JSON.stringify(contactFromSlots(record.slots)) : undefined, shown: contactState(record) };
    const localeBefore = record.locale;
    // A first message in another language is no switch to confirm (unless it asks for one): the chat simply goes on in
    // the customer's language.
    const customerSpokeBefore = record.customerSpoke === true;
    const version = versionOf(record);
    const { machine, knownPayloads } = runtimeOf(version);
    const catalog = version.catalog;
    const startActor = (options: { snapshot?: Snapshot<unknown>; env: DialogEnv }) => {
      const inspect = inspectorFor(record.id, options.snapshot ? record.state : undefined);
      const created = options.snapshot
        ? createActor(machine, { snapshot: options.snapshot, input: {}, inspect })
        : createActor(machine, { input: { conversationId: record.id, env: options.env }, inspect });
      for (const type of ['say', 'handoff', 'survey', 'end'] as const) created.on(type, (event) => liveSink.emitted.push(event as DialogEmitted));
      created.start();
      return created;
    };
    // The listeners of a kept actor write to whichever turn currently holds it.
    let liveSink = sink;
    // A conversation in progress is restored only after the NLU has run, with the turn's facts (locale,
    // sentiment, opening hours) written into the snapshot: one restore, no extra event.
    let actor: ReturnType<typeof startActor> | undefined;
    let metaBefore: WaitingStateMeta | undefined;
    if (fresh || record.snapshot === undefined) {
      actor = startActor({ env: env(record.locale, 0) });
      events.push({ type: 'conversation_started', data: {} });
      // The greeting counts only when the customer opened the chat; if they already said something, answer that.
      if (input.kind !== 'start') emitted.length = 0;
      metaBefore = waitingMeta(actor.getSnapshot());
    } else if (record.waiting) {
      metaBefore = record.waiting as WaitingStateMeta;
    } else {
      actor = startActor({ snapshot: record.snapshot as Snapshot<unknown>, env: env(record.locale, 0) });
      metaBefore = waitingMeta(actor.getSnapshot());
    }

    let nluResult: NluResult | undefined;
    let customerText: string | undefined;
    let dialogEvent: DialogEvent | undefined;
    let sttConfidence: number | undefined;
    if (input.kind === 'text' || input.kind === 'dtmf') {
      customerText = input.kind === 'text' ? input.text.trim() : input.digits;
      sttConfidence = input.kind === 'text' ? input.sttConfidence : undefined;
      const understood = understand(customerText, record, metaBefore, now);
      if (understood.locale !== record.locale) {
        record.locale = understood.locale;
      }
      nluResult = followUpOfTopic(understood.result, record.topicIntent, versionOf(record).bot.followUps?.[record.topicIntent ?? ''] ?? []);
      // The dialog sees card numbers, identity codes and IBANs only as entities (a slot that asks for one gets it raw);
      // the text it keeps (free-text slots, the topic line, both saved with the conversation) has them masked.
      dialogEvent = { type: 'USER', intent: nluResult.intent, confidence: nluResult.confidence, entities: nluResult.entities, text: maskPersonalData(customerText, { keep: ['phone', 'email'] }), sentiment: nluResult.sentiment, ...(nluResult.reply ? { reply: nluResult.reply } : {}), ...(nluResult.replyParts ? { replyParts: nluResult.replyParts } : {}), ...(nluResult.requestConfidence !== undefined ? { requestConfidence: nluResult.requestConfidence } : {}), ...(nluResult.question ? { question: true } : {}), ...(nluResult.evaluative ? { evaluative: true } : {}), ...(nluResult.another ? { another: true } : {}), ...(nluResult.detailWords !== undefined ? { detailWords: nluResult.detailWords } : {}), ...(nluResult.lacksNumber ? { lacksNumber: true } : {}) };
    } else if (input.kind === 'payload') {
      const payload = input.payload;
      const allowed = knownPayloads.has(payload) || payload.startsWith('faq.') || (metaBefore?.quickReplyPayloads ?? []).includes(payload);
      if (!allowed || (payload.startsWith('faq.') && !catalog.get(record.locale, payload))) {
        actor?.stop();
        throw new InvalidTurnError('unknown_payload', `Unknown quick-reply payload "${payload.slice(0, 100)}". Send one of the payloads the bot offered.`, record.id);
      }
      customerText = input.text ?? labelFor(record, `intents.${payload}`, payload);
      if (knownPayloads.has(payload) || payload.startsWith('faq.')) {
        nluResult = { intent: payload, confidence: 1, ranking: [{ intent: payload, confidence: 1 }], entities: [], sentiment: 0 };
        dialogEvent = { type: 'USER', intent: payload, confidence: 1, entities: [], text: payload, sentiment: 0, fromButton: true };
      } else {
        const understood = version.nlu.understand(payload, { locale: record.locale, expectedEntity: metaBefore?.expectedEntity, now });
        // A button the question itself offered is its answer as it stands ("yes" on a yes/no question in any language).
        const offeredAnswer = metaBefore?.expectedEntity && metaBefore.quickReplyPayloads.includes(payload)
          ? [{ type: metaBefore.expectedEntity, value: payload, text: payload, start: 0, end: payload.length }]
          : [];
        nluResult = { ...understood, entities: [...offeredAnswer, ...understood.entities] };
        dialogEvent = { type: 'USER', intent: understood.intent, confidence: understood.confidence, entities: nluResult.entities, text: payload, sentiment: 0, fromButton: true };
      }
    } else if (input.kind === 'no_input') {
      dialogEvent = { type: 'NO_INPUT' };
    }

    // Two intents too close to call at a menu question: ask which one instead of guessing.
    if (dialogEvent?.type === 'USER' && input.kind === 'text' && nluResult?.ambiguous && metaBefore?.kind === 'ask' && nluResult.ranking.length >= 2) {
      const [first, second] = nluResult.ranking;
      const routes = new Set(metaBefore.routes ?? []);
      // Only between two answers this very question offers, and only when both have a readable label.
      const offered = (intent: string) => (routes.has(intent) || (intent.startsWith('faq.') && routes.has('faq.*'))) && catalog.get(record.locale, `intents.${intent}`) !== undefined;
      if (offered(first.intent) && offered(second.intent) && catalog.get(record.locale, 'system.did_you_mean')) {
        if (actor) {
          record.snapshot = actor.getPersistedSnapshot();
          record.waiting = metaBefore;
          actor.stop();
        }
        const clarified = await clarify(turn, record, now, customerText ?? '', nluResult, [first.intent, second.intent], metaBefore);
        await emitEvents(record, now, events);
        return clarified;
      }
    }

    const addedBefore = record.added.length;
    // The customer's line goes into the transcript before the dialog runs, so a ticket made in this turn holds it.
    if (customerText !== undefined) {
      addLine(record, {
        at: now, from: 'customer', text: maskPersonalData(customerText), channel: turn.channel, locale: record.locale,
        intent: nluResult?.intent, confidence: nluResult ? round(nluResult.confidence) : undefined, sttConfidence,
        ...(nluResult && input.kind !== 'payload' ? { sentiment: round(nluResult.sentiment) } : {}),
      });
    }
    if (nluResult) remember(record, turn, nluResult);
    const turnEnv = env(record.locale, nluResult?.sentiment ?? 0);
    if (!actor) {
      const live = takeLiveActor(record.id, record.version, version.id);
      if (live) {
        actor = live.actor as ReturnType<typeof startActor>;
        liveSink = live.sink;
        liveSink.emitted = emitted;
        // The actor is idle and ours alone: refresh the turn's facts in place instead of sending an event.
        (actor.getSnapshot().context as DialogContextShape).env = turnEnv;
      } else {
        const persisted = record.snapshot as { context: DialogContextShape };
        actor = startActor({ snapshot: { ...persisted, context: { ...persisted.context, env: turnEnv } } as unknown as Snapshot<unknown>, env: turnEnv });
      }
    } else if (dialogEvent) {
      actor.send({ type: 'ENV', env: turnEnv });
    }
    if (dialogEvent) {
      // A new language is confirmed once (not on the customer's first message); the dialog then carries on.
      if (nluResult !== undefined && record.locale !== localeBefore && (customerSpokeBefore || nluResult.intent === 'change_language')) emitted.push({ type: 'say', key: 'system.language_changed', slots: {} });
      // Nothing said is dropped silently: the customer hears that the second request is coming.
      const later = nluResult?.alsoAsked?.[0];
      if (later && record.agenda?.includes(later.intent)) emitted.push({ type: 'say', key: 'system.second_request_noted', slots: { topic: lowerFirst(intentLabel(record, later.intent)) } });
      actor.send(dialogEvent);
    }
    const settle = async () => {
      const now = actor!.getSnapshot();
      if (now.hasTag('waiting') || now.status !== 'active') return now;
      return waitFor(actor!, (s) => s.hasTag('waiting') || s.status !== 'active', { timeout: options.turnTimeoutMs });
    };
    let snapshot = await settle();
    // Several requests in one message: at a question that takes up pending topics ("anything else?"), the next one
    // is handled at once instead of the question.
    for (let taken = 0; taken < 3 && record.agenda?.length && !snapshot.hasTag('ended'); taken++) {
      const meta = waitingMeta(snapshot);
      if (!meta?.resumeTopics) break;
      // A question with a slot takes up only the topics it routes itself; the rest wait for the next such question.
      if (meta.kind === 'slot' && !(meta.routes ?? []).some((pattern) => intentMatches(pattern, record.agenda?.[0]))) break;
      const intent = record.agenda.shift() as string;
      const asked = emitted.length > 0 && emitted[emitted.length - 1].type === 'say' ? (emitted[emitted.length - 1] as { key: string }).key : undefined;
      if (asked === meta.askKey) emitted.pop();
      emitted.push({ type: 'say', key: 'system.next_topic', slots: { topic: lowerFirst(intentLabel(record, intent)) } });
      actor.send({ type: 'USER', intent, confidence: 1, entities: [], text: '', sentiment: 0, fromButton: true });
      snapshot = await settle();
    }
    // Taken up in the same turn: announcing it as coming later would only be noise.
    const announced = emitted.findIndex((event) => event.type === 'say' && event.key === 'system.second_request_noted');
    if (announced >= 0 && emitted.some((event) => event.type === 'say' && event.key === 'system.next_topic')) emitted.splice(announced, 1);
    const context = snapshot.context as { slots: Record<string, string | number | boolean | null>; ticketId?: string; outcome?: string; topicIntent?: string; misunderstood: number };
    record.snapshot = actor.getPersistedSnapshot();
    const finishedActor = actor;
    record.waiting = waitingMeta(snapshot);
    // The record's copy of the slots is what the conversation API, the customer history and agents see; the
    // dialog's own (raw) values stay in the snapshot until the conversation ends.
    record.slots = maskSlots(context.slots, sensitiveSlotsOf(record));
    const secrets = sensitiveValues(context.slots, sensitiveSlotsOf(record));
    if (secrets.length > 0) {
      // A sensitive answer is known only once the dialog took it: mask it in this turn's lines after the fact.
      for (let line = addedBefore; line < record.added.length; line++) {
        record.added[line] = { ...record.added[line], text: maskPersonalData(record.added[line].text, { values: secrets }) };
      }
    }
    if (context.ticketId) record.ticketId = context.ticketId;
    record.state = stateName(snapshot.value);
    record.misunderstood = context.misunderstood;
    if (context.topicIntent) record.topicIntent = context.topicIntent;

    const replies: Reply[] = [];
    let ended = false;
    let handedOff = false;
    for (const event of emitted) {
      if (event.type === 'say') {
        replies.push(sayAndRecord(record, event, now, turn.channel));
      } else if (event.type === 'handoff') {
        handedOff = true;
        record.status = 'handoff';
        record.ticketId = event.ticketId;
        replies.push({ kind: 'handoff', ticketId: event.ticketId, queue: event.queue, priority: event.priority, reason: event.reason, agentsAvailable: event.agentsAvailable });
        events.push({ type: 'handoff', data: { reason: event.reason, queue: event.queue, priority: event.priority, intent: context.topicIntent ?? null } });
      } else if (event.type === 'survey') {
        events.push({ type: 'survey_answer', data: { survey: event.survey, value: event.value } });
      }
    }
    // Never nothing to a customer's message: a flow path that says nothing (an `end` reached without a word, a
    // transition without a message) still gets an answer, and the designer a warning naming the state.
    if (dialogEvent?.type === 'USER' && !replies.some((reply) => reply.kind === 'message' || reply.kind === 'handoff')) {
      const waiting = snapshot.hasTag('ended') ? undefined : waitingMeta(snapshot);
      const key = silenceFallbackKey(record, snapshot.hasTag('ended'), waiting?.askKey);
      logger.warn('engine.turn.silent', { conversationId: record.id, state: stateName(snapshot.value), intent: nluResult?.intent, fallback: key });
      replies.push(sayAndRecord(record, { type: 'say', key, slots: context.slots }, now, turn.channel));
    }
    if (snapshot.hasTag('ended')) {
      ended = true;
      forgetSensitive(record);
      const outcome = context.outcome ?? (handedOff || record.ticketId ? 'handoff' : 'resolved');
      record.status = 'ended';
      replies.push({ kind: 'end', outcome: outcome as 'resolved' });
      if (outcome === 'resolved') events.push({ type: 'resolved', data: { intent: context.topicIntent ?? null } });
      events.push({ type: 'conversation_ended', data: { outcome } });
    }
    const meta = waitingMeta(snapshot);
    if (meta && !ended) {
      replies.push({ kind: 'listen', expectedIntents: meta.expectedIntents, expectedEntity: meta.expectedEntity, hints: meta.quickReplyPayloads, ...(meta.kind === 'survey' ? { dtmf: { maxDigits: 2 } } : {}) });
    }

    if (nluResult) {
      events.push({ type: 'turn', data: { intent: nluResult.intent, confidence: round(nluResult.confidence), sentiment: round(nluResult.sentiment), state: record.state } });
      if (nluResult.intent === OUT_OF_SCOPE) events.push({ type: 'fallback', data: { state: metaBefore ? `${metaBefore.flow}.${metaBefore.state}` : null, misunderstood: record.misunderstood } });
      else events.push({ type: 'intent', data: { intent: nluResult.intent } });
    }

    await identifyCustomer(record, turn);
    const newlyKnown = record.customerId !== undefined && record.customerId !== before.customerId;
    // Contact details given after the ticket was made (asked while waiting for an agent): the ticket gets them,
    // and the customer's history once they point to a customer record.
    const ticketNeedsCustomer = record.ticketId !== undefined && record.ticketId === before.ticketId
      && (newlyKnown || JSON.stringify(contactFromSlots(record.slots)) !== before.contact);
    const result: TurnResult = { conversationId: record.id, replies, locale: record.locale, state: record.state, ended, ticketId: record.ticketId, transcriptLength: lineCount(record) };
    rememberProcessed(record, turn, result, secrets);
    try {
      await save(record, now);
    } catch (error) {
      finishedActor.stop();
      throw error;
    }
    if (ended || options.liveActors === 0) finishedActor.stop();
    else keepLiveActor(record.id, { actor: finishedActor, version: record.version, botVersion: version.id, sink: liveSink });
    await emitEvents(record, now, events);
    // The customer's history follows the conversation: its topic, slots, ticket and outcome as they change.
    if (ended || handedOff || fresh || newlyKnown || contactState(record) !== before.shown) {
      await rememberContact(record, ended ? (context.outcome ?? 'resolved') : record.ticketId ? 'handoff' : 'open', context.topicIntent ?? record.topicIntent);
    }
    if (ticketNeedsCustomer && handoff.updateCustomer) {
      try {
        await handoff.updateCustomer(record.ticketId as string, { conversation: await wholeRecord(record), customer: await loadCustomer(record), hints: turn.customer });
      } catch (error) {
        logger.warn('engine.ticket.customer_update_failed', { conversationId: record.id, ticketId: record.ticketId, error: String(error) });
      }
    }
    // Every turn: debug, not info (at hundreds of turns a second the line cost more than the ops it served; the
    // turn latency and counts are in the Prometheus metrics, errors and warnings are still logged).
    logger.debug('engine.turn.handled', { conversationId: record.id, channel: turn.channel, state: record.state, intent: nluResult?.intent, ms: clock.now() - now });
    return result;
  };

  /** What to say when the dialog said nothing: an acknowledgement at the end, else the question again. */
  const silenceFallbackKey = (record: ConversationState, ended: boolean, askKey: string | undefined): string => {
    const catalog = catalogOf(record);
    const has = (key: string) => catalog.get(record.locale, key) !== undefined || catalog.get(options.defaultLocale, key) !== undefined;
    const candidates = ended ? ['system.acknowledged'] : [askKey, 'system.reprompt'];
    return candidates.find((key): key is string => key !== undefined && has(key)) ?? 'system.not_understood';
  };

  const intentLabel = (record: ConversationState, intent: string): string => {
    const template = catalogOf(record).get(record.locale, `intents.${intent}`);
    if (template) return renderMessage(template, {}, record.locale).text;
    return intent.startsWith('faq.') ? intent.slice(4).replace(/_/g, ' ') : intent.replace(/_/g, ' ');
  };

  const clarify = async (turn: Turn, record: ConversationState, now: number, text: string, nluResult: NluResult, intents: [string, string], meta: WaitingStateMeta): Promise<TurnResult> => {
    addLine(record, { at: now, from: 'customer', text: maskPersonalData(text), channel: turn.channel, locale: record.locale, intent: nluResult.intent, confidence: round(nluResult.confidence), sentiment: round(nluResult.sentiment) });
    const [first, second] = intents.map((intent) => intentLabel(record, intent));
    // Button labels are capitalised; inside the question they are words of a sentence ("Tarkoititko laskun eräpäivää…").
    const inSentence = (label: string) => (/^\p{Lu}\p{Ll}/u.test(label) ? label[0].toLocaleLowerCase(record.locale) + label.slice(1) : label);
    const message = say(record, 'system.did_you_mean', variablesFor(record, record.slots, now, { first: inSentence(first), second: inSentence(second) }), [
      { label: first, payload: intents[0] },
      { label: second, payload: intents[1] },
    ], turn.channel);
    addLine(record, { at: now, from: 'bot', text: renderingFor(message, turn.channel), key: message.key, channel: turn.channel, locale: record.locale, state: record.state });
    const replies: Reply[] = [message, { kind: 'listen', expectedIntents: meta.expectedIntents, hints: intents }];
    await emitEvent('turn', record, now, { intent: nluResult.intent, confidence: round(nluResult.confidence), sentiment: round(nluResult.sentiment), state: record.state, ambiguous: true });
    const result: TurnResult = { conversationId: record.id, replies, locale: record.locale, state: record.state, ended: false, ticketId: record.ticketId, transcriptLength: lineCount(record) };
    rememberProcessed(record, turn, result);
    await save(record, now);
    return result;
  };

  /** The dialog's own (raw) slots, from the snapshot: what the turn's messages were rendered with. */
  const currentSlots = (record: ConversationState): Record<string, unknown> =>
    (record.snapshot as { context?: { slots?: Record<string, unknown> } } | undefined)?.context?.slots ?? record.slots;

  /**
   * At the end of a conversation the raw values of sensitive slots leave the record: the snapshot's slots lose them,
   * and the customer's words kept for later questions (the topic line, remembered contact details) are masked.
   */
  const forgetSensitive = (record: ConversationState): void => {
    const snapshot = record.snapshot as { context?: { slots?: Record<string, unknown>; topicLine?: unknown; pendingEntities?: unknown; env?: { heard?: unknown } } } | undefined;
    const context = snapshot?.context;
    const values = context ? sensitiveValues(context.slots as Record<string, string>, sensitiveSlotsOf(record)) : [];
    if (context) {
      if (context.slots) for (const name of sensitiveSlotsOf(record)) if (name in context.slots) context.slots[name] = null;
      if (typeof context.topicLine === 'string') context.topicLine = maskPersonalData(context.topicLine, { values });
      if (context.pendingEntities) context.pendingEntities = [];
      if (context.env) context.env.heard = [];
    }
    record.heard = (record.heard ?? []).filter((entity) => !entity.sensitive && !values.includes(String(entity.value)) && !values.includes(entity.text));
  };

  const rememberProcessed = (record: ConversationState, turn: Turn, result: TurnResult, secrets: readonly string[] = []): void => {
    if (!turn.clientMessageId) return;
    // Stored like the transcript: masked (a retried message gets the masked copy of its replies).
    const slotValues = Object.values(currentSlots(record));
    const replies = result.replies.map((reply) => (reply.kind === 'message'
      ? { ...reply, text: reply.from?.role === 'bot' || !reply.from ? maskBotLine(reply.text, slotValues, secrets) : maskPersonalData(reply.text), ...(reply.voice ? { voice: maskBotLine(reply.voice, slotValues, secrets) } : {}) }
      : reply));
    record.processed.push({ clientMessageId: turn.clientMessageId, result: { ...result, replies } });
    if (record.processed.length > options.rememberMessages) record.processed.splice(0, record.processed.length - options.rememberMessages);
  };

  const withConversation = async <T>(conversationId: string, work: (record: ConversationState, now: number) => Promise<T>): Promise<T> =>
    stores.lock.withLock(conversationId, async () => {
      const record = await load(conversationId);
      if (!record) throw new ConversationNotFoundError(conversationId);
      return work(record, clock.now());
    });

  const systemLine = (record: ConversationState, key: string, now: number, agentName?: string): ReplyMessage => {
    const message = say(record, key, variablesFor(record, record.slots, now, { agentName }));
    addLine(record, { at: now, from: 'system', text: renderingFor(message, record.channel), key, agentName });
    return message;
  };

  /** Marks the latest bot lines (back to the customer's last line) that were not heard to the end, matching keys from the end. */
  const markUnheard = (transcript: TranscriptEntry[], unheard: NonNullable<ChannelSpeech['unheard']>): void => {
    const left = new Map<string, number>();
    for (const key of unheard.keys) if (typeof key === 'string') left.set(key, (left.get(key) ?? 0) + 1);
    for (let line = transcript.length - 1; line >= 0 && left.size > 0; line--) {
      const entry = transcript[line];
      if (entry.from === 'customer' || entry.from === 'agent') break;
      const count = entry.from === 'bot' && entry.key && !entry.interrupted ? left.get(entry.key) : undefined;
      if (!count || !entry.key) continue;
      transcript[line] = { ...entry, interrupted: unheard.why };
      if (count === 1) left.delete(entry.key);
      else left.set(entry.key, count - 1);
    }
  };

  return {
    async handleTurn(turn) {
      validateTurn(turn);
      return stores.lock.withLock(turn.conversationId, () => runTurn(turn));
    },

    versions,

    getConversation: (id) => stores.conversations.get(id),

    async authorize(conversationId, token) {
      const record = isValidConversationId(conversationId) ? await stores.conversations.get(conversationId) : undefined;
      if (!record || !record.accessToken || !token || !secretsEqual(record.accessToken, token)) {
        throw new AccessDeniedError('This conversation needs its access token.', conversationId);
      }
      return record;
    },

    async agentJoin(conversationId, agentName) {
      const message = await withConversation(conversationId, async (record, now) => {
        record.status = 'agent';
        record.agentName = agentName;
        const line = systemLine(record, 'system.agent_joined', now, agentName);
        await save(record, now);
        return line;
      });
      await stores.bus.publish({ conversationId, replies: [message], event: 'agent_joined', agentName, at: clock.now() });
    },

    async agentSay(conversationId, agentName, text) {
      const trimmed = typeof text === 'string' ? text.trim() : '';
      if (!trimmed) throw new InvalidTurnError('empty_text', 'The message text is empty.', conversationId);
      if (trimmed.length > options.maxTextLength) throw new InvalidTurnError('text_too_long', `The message is longer than ${options.maxTextLength} characters.`, conversationId);
      const reply: ReplyMessage = { kind: 'message', text: trimmed, from: { role: 'agent', name: agentName } };
      await withConversation(conversationId, async (record, now) => {
        addLine(record, { at: now, from: 'agent', text: maskPersonalData(trimmed), agentName, channel: record.channel });
        await save(record, now);
        await emitEvent('agent_reply', record, now, { ticketId: record.ticketId ?? null });
      });
      await stores.bus.publish({ conversationId, replies: [reply], event: 'agent_message', agentName, at: clock.now() });
      return reply;
    },

    async releaseToBot(conversationId, agentName) {
      const result = await stores.lock.withLock(conversationId, async () => {
        const record = await load(conversationId);
        if (!record) throw new ConversationNotFoundError(conversationId);
        const now = clock.now();
        const left = systemLine(record, 'system.agent_left', now, agentName);
        record.status = 'active';
        record.agentName = undefined;
        const emitted: DialogEmitted[] = [];
        const { machine } = runtimeOf(versionOf(record));
        const actor = createActor(machine, record.snapshot ? { snapshot: record.snapshot as Snapshot<unknown>, input: {} } : { input: { conversationId, env: { channel: record.channel, locale: record.locale, now, open: true, sentiment: 0 } } });
        actor.on('say', (event) => emitted.push(event as DialogEmitted));
        actor.start();
        actor.send({ type: 'ENV', env: { channel: record.channel, locale: record.locale, now, open: handoff.isOpen(now), sentiment: 0 } });
        actor.send({ type: 'AGENT_RELEASED' });
        const snapshot = actor.getSnapshot();
        record.snapshot = actor.getPersistedSnapshot();
        actor.stop();
        record.state = stateName(snapshot.value);
        record.waiting = waitingMeta(snapshot);
        const replies: Reply[] = [left];
        for (const event of emitted) {
          if (event.type === 'say') replies.push(sayAndRecord(record, event, now, record.channel));
        }
        await save(record, now);
        return { conversationId, replies, locale: record.locale, state: record.state, ended: false, ticketId: record.ticketId } satisfies TurnResult;
      });
      await stores.bus.publish({ conversationId, replies: result.replies, event: 'agent_left', agentName, at: clock.now() });
      return result;
    },

    async recordChannelSpeech(conversationId, speech) {
      const said = (speech.said ?? []).filter((line) => typeof line.text === 'string' && line.text.trim() !== '' && CHANNEL_LINE_KEY.test(line.key)).slice(0, MAX_CHANNEL_LINES);
      const why = speech.unheard?.why;
      if (said.length === 0 && !(why === 'barge_in' || why === 'not_played')) return;
      const lines = (record: { locale: Locale; state: string }, now: number): TranscriptEntry[] => said.map((line) => (
        { at: now, from: 'bot', text: maskPersonalData(line.text.slice(0, options.maxTextLength)), key: line.key, channel: speech.channel, locale: record.locale, state: record.state }));
      if (!speech.unheard || !(why === 'barge_in' || why === 'not_played')) {
        await withConversation(conversationId, async (record, now) => {
          for (const line of lines(record, now)) addLine(record, line);
          await save(record, now);
        });
        return;
      }
      // Marking lines already stored rewrites them: the whole record, read and saved (only when a prompt was cut).
      const unheard = { keys: speech.unheard.keys.slice(0, MAX_CHANNEL_LINES), why };
      await stores.lock.withLock(conversationId, async () => {
        const record = await stores.conversations.get(conversationId);
        if (!record) throw new ConversationNotFoundError(conversationId);
        const now = clock.now();
        markUnheard(record.transcript, unheard);
        record.transcript.push(...lines(record, now));
        record.version += 1;
        record.updatedAt = now;
        await stores.conversations.save(record, ttl);
      });
    },

    async agentClose(conversationId, agentName) {
      await withConversation(conversationId, async (record, now) => {
        record.status = 'ended';
        record.agentName = undefined;
        addLine(record, { at: now, from: 'system', text: `closed by ${agentName}`, agentName });
        await save(record, now);
        await emitEvent('conversation_ended', record, now, { outcome: 'handoff' });
      });
      await stores.bus.publish({ conversationId, replies: [{ kind: 'end', outcome: 'handoff' }], event: 'closed', agentName, at: clock.now() });
    },
  };
}

/** A channel's own message key, e.g. `voice.reprompt`; anything else is not recorded. */
const CHANNEL_LINE_KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
/** More lines than any prompt has: a bound on what one call may append. */
const MAX_CHANNEL_LINES = 20;

/** Below this an intent is no better than the conversation's own topic for a question that points back at it. */
const FOLLOW_UP_CONFIDENCE = 0.5;

/**
 * "So when do I get it?" after the order status: a question that points back ("it", "se", "den") and is not
 * confidently about anything else, or is about an intent the topic's flow claims (`follow_ups`), continues the topic.
 */
function followUpOfTopic(result: NluResult, topic: string | undefined, followUps: string[]): NluResult {
  if (!topic || !result.refersBack || !result.question || result.reply) return result;
  // The topic's flow may claim intents whose general answer is weaker than its own ("när kommer det fram?" after the
  // order status is that order's delivery date, not delivery times in general).
  const claimed = followUps.includes(result.intent);
  const unsure = claimed || result.intent === OUT_OF_SCOPE || result.intent === 'off_topic' || result.confidence < FOLLOW_UP_CONFIDENCE;
  if (!unsure || result.intent === topic) return result;
  return { ...result, intent: topic, confidence: Math.max(result.confidence, FOLLOW_UP_CONFIDENCE), ambiguous: false };
}

/** How many times each message key appears in a transcript (for conversations saved before `said` existed). */
function countSaid(transcript: TranscriptEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of transcript) if (entry.key) counts[entry.key] = (counts[entry.key] ?? 0) + 1;
  return counts;
}

/** Entity types from the most to the least specific: the same digits as an invoice number are no order number. */
const SPECIFICITY = ['card_number', 'hetu', 'iban', 'phone', 'email', 'invoice_number', 'postcode', 'address', 'order_number', 'date', 'time', 'money', 'number'];

/** Of entities covering the same characters, only the most specific (custom entities are kept as they are). */
function mostSpecific(entities: EntityMatch[]): EntityMatch[] {
  const rank = (entity: EntityMatch): number => {
    const index = SPECIFICITY.indexOf(entity.type);
    return index < 0 ? -1 : index;
  };
  return entities.filter((entity) => !entities.some((other) => other !== entity && rank(other) >= 0 && rank(entity) >= 0
    && rank(other) < rank(entity) && other.start < entity.end && entity.start < other.end));
}

/** A label inside a sentence ("Aukioloajat" → "aukioloajat"); acronyms such as "IBAN" stay as they are. */
function lowerFirst(text: string): string {
  return /^\p{Lu}\p{Ll}/u.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}


export type { TranscriptEntry };

/** How sure of a request the NLU must be for it, not the language switch it came with, to be the message's intent. */
const REQUEST_WITH_SWITCH = 0.6;
