import type { Clock, CustomerStore, TicketStore } from '../../core/ports';
import type { ContactRecord } from '../../core/ticket';
import type { Reply, ReplyHandoff, ReplyListen, ReplyMessage, TurnResult } from '../../core/reply';
import type { ConversationEngine } from '../../core/services';
import type { ChannelKind, Locale, TurnInput } from '../../core/turn';
import type { CallState, CallStateStore, MenuOption } from './call-state';
import type { VoiceConfig } from './voice-config';
import type { VoiceLogger } from './voice-logger';
import { readYesNo, yesNoHints, type MessageLookup, type VoiceMessages } from './voice-messages';
import { toSpeechSafeText } from './speech-safe-text';
import { createVoiceTransfers } from './voice-transfers';

/** What the caller did, as either Twilio mode reports it. */
export type VoiceInput =
  | { kind: 'speech'; text: string; confidence?: number }
  | { kind: 'digits'; digits: string }
  | { kind: 'silence' };

/** One thing to play to the caller: speech-safe text, or a configured audio file; `bargeIn: false` must be heard in full. */
export type Spoken = { say: string; key?: string; bargeIn?: false } | { play: string; key?: string; bargeIn?: false };

export interface TransferPlan {
  kind: 'transfer';
  ticketId: string;
  queue: string;
  emergency: boolean;
}

export interface ListenPlan {
  kind: 'listen';
  hints: string[];
  /** Keys the keypad answer may have; 1 for menus and yes/no. */
  maxDigits?: number;
}

/** What to do next on the call; `render-twiml.ts` turns it into TwiML for either mode. */
export interface VoicePlan {
  locale: Locale;
  spoken: Spoken[];
  next: ListenPlan | TransferPlan | { kind: 'hangup' };
  /** Keys of the engine's messages of this turn that are not played (a transfer or the channel's own line comes first): the transcript marks them. */
  unplayed?: string[];
}

export interface VoiceDialogDeps {
  engine: ConversationEngine;
  config: VoiceConfig;
  calls: CallStateStore;
  messages: VoiceMessages;
  clock: Clock;
  logger: VoiceLogger;
  /** Cross-channel memory: lets the greeting offer to continue a recent chat. */
  customers?: CustomerStore;
  /** When no person can take the call, its ticket becomes a callback request the agent sees as such. */
  tickets?: TicketStore;
  /** Raw locale texts (`intents.<topic>` names the topic in the agent's whisper). */
  lookup?: MessageLookup;
}

/** Intents that are no topic worth continuing. */
const NOT_A_TOPIC = new Set(['greeting', 'goodbye', 'help', 'restart', 'change_language', 'oos']);

const CHANNEL_WORDS: Record<Locale, Partial<Record<ChannelKind, string>>> = {
  fi: { web: 'chat', api: 'chat', botframework: 'Teams', cli: 'chat', voice: 'puhelu' },
  sv: { web: 'chatt', api: 'chatt', botframework: 'Teams', cli: 'chatt', voice: 'samtal' },
  en: { web: 'chat', api: 'chat', botframework: 'Teams', cli: 'chat', voice: 'phone' },
};

/** Entity types a caller says as a run of digits: Google's digit-sequence class improves them. */
const DIGIT_ENTITIES = new Set(['order_number', 'phone', 'number', 'iban', 'hetu', 'money']);
/** Entities a caller can type on the keypad in full (an IBAN or henkilötunnus has letters). */
const KEYPAD_ENTITIES = new Set(['order_number', 'phone', 'number']);

/**
 * The phone dialog around the engine: the channel's own steps (reprompt on silence, keypad menu,
 * "did I hear right?" on low STT confidence, goodbye with a ticket) and the mapping of engine replies to
 * what is spoken next. Shared by Gather and Media Streams mode, so both behave the same.
 */
export function createVoiceDialog(deps: VoiceDialogDeps) {
  const { engine, config, messages, clock, logger } = deps;
  const { canTransfer, markCallback, whisperFor } = createVoiceTransfers(deps);

  async function runTurn(state: CallState, input: TurnInput, locale?: Locale): Promise<VoicePlan> {
    state.turn += 1;
    let result: TurnResult;
    try {
      result = await engine.handleTurn({
        conversationId: state.conversationId,
        channel: 'voice',
        input,
        clientMessageId: `${state.callSid}:${state.turn}`,
        customer: state.from ? { phone: state.from } : undefined,
        ...(locale ? { locale } : {}),
        timestamp: clock.now(),
      });
    } catch (error) {
      logger.error('voice.turn.failed', { callSid: state.callSid, conversationId: state.conversationId, err: (error as Error).message });
      state.phase = 'ended';
      // Only promise a person when there is somewhere to put the call through.
      const target = config.transfer.number || config.transfer.sip || config.transfer.enqueue;
      return target
        ? { locale: state.locale, spoken: [{ say: messages('voice.error', state.locale), key: 'voice.error' }], next: { kind: 'transfer', ticketId: '', queue: 'general', emergency: false } }
        : { locale: state.locale, spoken: [{ say: messages('voice.error_no_transfer', state.locale), key: 'voice.error_no_transfer' }], next: { kind: 'hangup' } };
    }
    state.noInputs = 0;
    state.locale = result.locale;
    return planFromResult(state, result);
  }

  function spokenFor(message: ReplyMessage, locale: Locale): Spoken {
    const audio = message.key ? config.audio[message.key] : undefined;
    const bargeIn = message.bargeIn === false ? { bargeIn: false as const } : {};
    if (audio) return { play: audio, key: message.key, ...bargeIn };
    return { say: toSpeechSafeText(message.voice ?? message.text, locale), key: message.key, ...bargeIn };
  }

  async function planFromResult(state: CallState, result: TurnResult): Promise<VoicePlan> {
    const locale = result.locale;
    const handoffIndex = result.replies.findIndex((reply) => reply.kind === 'handoff');
    const handoff = handoffIndex >= 0 ? (result.replies[handoffIndex] as ReplyHandoff) : undefined;
    if (handoff) state.ticketId = handoff.ticketId;
    if (handoff && handoff.agentsAvailable && !canTransfer(handoff)) {
      // The engine would connect the caller, but the phone line has no one to put them through to: say so once,
      // without the chat's "I'm connecting you", and leave a callback ticket.
      const before = result.replies.slice(0, handoffIndex).filter(isMessage).map((message) => spokenFor(message, locale));
      // No callback promise to a number nobody knows (a withheld caller id): the caller keeps the ticket id instead.
      const callbackTo = await markCallback(state, handoff);
      const key = callbackTo ? 'voice.no_agent_callback' : 'voice.no_agent_no_number';
      state.phase = 'ended';
      state.outcome = callbackTo ? 'callback_ticket' : 'ticket_no_number';
      logger.info(callbackTo ? 'voice.transfer.no_target_callback' : 'voice.transfer.no_target_no_number', { callSid: state.callSid, ticketId: handoff.ticketId });
      return {
        locale,
        spoken: [...before, { say: messages(key, locale, { ticketId: toSpeechSafeText(handoff.ticketId, locale) }), key }],
        next: { kind: 'hangup' },
        unplayed: keysOf(result.replies.slice(handoffIndex + 1)),
      };
    }
    if (handoff && canTransfer(handoff)) {
      state.summary = await whisperFor(handoff, state);
      // Transfer now: speak what led to the handoff and its own confirmation, not the next question
      // (the agent takes it from there). An emergency goes through without any extra words.
      const before = result.replies.slice(0, handoffIndex).filter(isMessage);
      const after = result.replies.slice(handoffIndex + 1).filter(isMessage).slice(0, 1);
      const spoken = [...before, ...after].map((message) => spokenFor(message, locale));
      if (after.length === 0 && handoff.reason !== 'emergency') spoken.push({ say: messages('voice.transferring', locale), key: 'voice.transferring' });
      state.phase = 'transferring';
      return {
        locale, spoken, next: { kind: 'transfer', ticketId: handoff.ticketId, queue: handoff.queue, emergency: handoff.reason === 'emergency' },
        unplayed: keysOf(result.replies.slice(handoffIndex + 1).filter(isMessage).slice(1)),
      };
    }
    const messagesSaid = result.replies.filter(isMessage);
    const spoken = messagesSaid.map((message) => spokenFor(message, locale));
    if (result.ended || result.replies.some((reply) => reply.kind === 'end')) {
      state.phase = 'ended';
      return { locale, spoken, next: { kind: 'hangup' } };
    }
    const listen = result.replies.find((reply): reply is ReplyListen => reply.kind === 'listen');
    const last = messagesSaid[messagesSaid.length - 1];
    state.listen = listen;
    state.lastPrompt = last ? [toSpeechSafeText(last.voice ?? last.text, locale)] : state.lastPrompt;
    // 0 is always the person: a "talk to a person" button is not offered again as a numbered key.
    state.menu = (last?.quickReplies ?? []).filter((quickReply) => quickReply.payload !== config.humanPayload).slice(0, 8).map((quickReply, index) => ({
      digit: String(index + 1), payload: quickReply.payload, label: quickReply.label,
    }));
    return { locale, spoken, next: listenPlan(listen, state.menu) };
  }

  /**
   * Phrase hints: the words on the offered buttons (what callers actually say) and the engine's hints
   * that are phrases; identifiers such as `order_status` or `faq.opening_hours` would only mislead the recogniser.
   */
  function listenPlan(listen: ReplyListen | undefined, menu: MenuOption[]): ListenPlan {
    const payloads = new Set(menu.map((option) => option.payload));
    const phrases = (listen?.hints ?? []).filter((hint) => !payloads.has(hint) && !/^[a-z0-9]+([_.][a-z0-9]+)+$/.test(hint));
    const hints = [...menu.map((option) => option.label), ...phrases];
    if (listen?.expectedEntity && DIGIT_ENTITIES.has(listen.expectedEntity)) hints.push('$OOV_CLASS_DIGIT_SEQUENCE');
    return { kind: 'listen', hints, ...(listen?.dtmf ? { maxDigits: listen.dtmf.maxDigits } : {}) };
  }

  function menuPlan(state: CallState): VoicePlan {
    const locale = state.locale;
    const expected = state.listen?.expectedEntity;
    if (state.menu.length === 0 && expected && KEYPAD_ENTITIES.has(expected)) {
      // A number is asked: the keypad help is "type the digits", with no one-key limit and no "press 0" (a phone
      // number starts with 0) or "press star for the options" (there are none).
      const typeDigits: Spoken = { say: messages('voice.dtmf_digits', locale), key: 'voice.dtmf_digits' };
      return { locale, spoken: [typeDigits], next: listenPlan(state.listen, state.menu) };
    }
    const lines: Spoken[] = [{ say: messages('voice.dtmf_menu_intro', locale), key: 'voice.dtmf_menu_intro' }];
    if (state.listen?.dtmf) {
      lines.push({ say: messages('voice.dtmf_digits', locale), key: 'voice.dtmf_digits' });
      return { locale, spoken: lines, next: { ...listenPlan(state.listen, state.menu), maxDigits: state.listen.dtmf.maxDigits } };
    }
    for (const option of state.menu) {
      lines.push({ say: messages('voice.dtmf_option', locale, { digit: option.digit, label: option.label }), key: 'voice.dtmf_option' });
    }
    lines.push({ say: messages('voice.dtmf_human', locale), key: 'voice.dtmf_human' });
    lines.push({ say: messages('voice.dtmf_repeat', locale), key: 'voice.dtmf_repeat' });
    return { locale, spoken: lines, next: { ...listenPlan(state.listen, state.menu), maxDigits: 1 } };
  }

  async function onSilence(state: CallState): Promise<VoicePlan> {
    state.noInputs += 1;
    const locale = state.locale;
    if (state.noInputs >= config.maxNoInputs) {
      // A silent line: leave a callback ticket for the team, then hang up politely.
      const plan = await runTurn(state, { kind: 'payload', payload: config.humanPayload });
      state.phase = 'ended';
      state.outcome = 'no_input';
      // A callback is promised only to a number we can see.
      const spoken: Spoken[] = state.ticketId && state.from
        ? [{ say: messages('voice.goodbye_ticket', locale, { ticketId: toSpeechSafeText(state.ticketId, locale) }), key: 'voice.goodbye_ticket' }]
        : [{ say: messages('voice.goodbye_no_input', locale), key: 'voice.goodbye_no_input' }];
      return { locale: plan.locale, spoken, next: { kind: 'hangup' }, unplayed: [...(plan.unplayed ?? []), ...keysOf(plan.spoken)] };
    }
    if (state.noInputs === 1 || state.pendingConfirm) {
      const prompt = state.pendingConfirm
        ? messages('voice.confirm', locale, { text: state.pendingConfirm.text })
        : state.lastPrompt.join(' ');
      return {
        locale,
        spoken: [{ say: messages('voice.reprompt', locale, { prompt }).trim(), key: 'voice.reprompt' }],
        next: state.pendingConfirm ? { kind: 'listen', hints: yesNoHints(locale), maxDigits: 1 } : listenPlan(state.listen, state.menu),
      };
    }
    return menuPlan(state);
  }

  async function onDigits(state: CallState, digits: string): Promise<VoicePlan> {
    if (state.pendingConfirm) {
      const answer = digits === '1' ? 'yes' : digits === '2' ? 'no' : undefined;
      if (answer) return answerConfirm(state, answer);
    }
    const menuActive = state.noInputs > 0 || state.menu.length > 0;
    if (!state.listen?.dtmf && menuActive && digits.length === 1) {
      if (digits === '*') return menuPlan(state);
      if (digits === '0') return runTurn(state, { kind: 'payload', payload: config.humanPayload });
      const option: MenuOption | undefined = state.menu.find((entry) => entry.digit === digits);
      if (option) return runTurn(state, { kind: 'payload', payload: option.payload, text: option.label });
    }
    state.pendingConfirm = undefined;
    return runTurn(state, { kind: 'dtmf', digits });
  }

  async function answerConfirm(state: CallState, answer: 'yes' | 'no'): Promise<VoicePlan> {
    const pending = state.pendingConfirm;
    state.pendingConfirm = undefined;
    if (!pending) return onSilence(state);
    state.lastHeard = pending.text;
    if (answer === 'yes') return runTurn(state, { kind: 'text', text: pending.text, sttConfidence: pending.confidence });
    return {
      locale: state.locale,
      spoken: [{ say: messages('voice.confirm_retry', state.locale), key: 'voice.confirm_retry' }],
      next: listenPlan(state.listen, state.menu),
    };
  }

  async function onSpeech(state: CallState, text: string, confidence: number | undefined): Promise<VoicePlan> {
    if (state.pendingConfirm) {
      const answer = readYesNo(text, state.locale);
      if (answer) return answerConfirm(state, answer);
      state.pendingConfirm = undefined; // something else: a fresh utterance
    }
    if (confidence !== undefined && confidence < config.sttConfidenceThreshold) {
      state.pendingConfirm = { text, confidence };
      logger.info('voice.stt.low_confidence_confirm', { callSid: state.callSid, confidence });
      return {
        locale: state.locale,
        spoken: [{ say: messages('voice.confirm', state.locale, { text: toSpeechSafeText(text, state.locale) }), key: 'voice.confirm' }],
        next: { kind: 'listen', hints: yesNoHints(state.locale), maxDigits: 1 },
      };
    }
    state.lastHeard = text;
    return runTurn(state, { kind: 'text', text, ...(confidence !== undefined ? { sttConfidence: confidence } : {}) });
  }

  /** A recent matter from another channel, found by the caller's number. */
  async function recentContact(state: CallState): Promise<{ contact: ContactRecord; name?: string } | undefined> {
    if (!deps.customers || !state.from || state.phase !== 'bot') return undefined;
    try {
      const customer = await deps.customers.find({ phone: state.from });
      const since = clock.now() - config.recentContactHours * 3_600_000;
      const contact = [...(customer?.contacts ?? [])]
        .filter((entry) => entry.conversationId !== state.conversationId && entry.at >= since)
        .map((entry) => ({ ...entry, intent: topicOf(entry) }))
        .filter((entry) => entry.intent !== undefined)
        .sort((a, b) => b.at - a.at)[0];
      return contact ? { contact, name: customer?.name } : undefined;
    } catch (error) {
      logger.warn('voice.customer.lookup_failed', { callSid: state.callSid, err: (error as Error).message });
      return undefined;
    }
  }

  /** The matter of a contact: its intent when that is a topic, else what its slots show (an order number → order status). */
  function topicOf(contact: ContactRecord): string | undefined {
    if (contact.intent && !NOT_A_TOPIC.has(contact.intent)) return contact.intent;
    if (contact.slots?.order_number) return 'order_status';
    return undefined;
  }

  async function offerToContinue(state: CallState, plan: VoicePlan): Promise<VoicePlan> {
    if (plan.next.kind !== 'listen') return plan;
    const recent = await recentContact(state);
    if (!recent) return plan;
    const { contact, name } = recent;
    const locale = plan.locale;
    const slots = contact.slots ?? {};
    const vars = Object.fromEntries(Object.entries(slots).map(([key, value]) => [key, toSpeechSafeText(String(value ?? ''), locale)]));
    const topicKey = contact.intent === 'order_status' && slots.order_number ? 'voice.topic.order_status'
      : contact.intent === 'billing_dispute' ? 'voice.topic.billing_dispute' : 'voice.topic.other';
    const offer = messages('voice.continue_offer', locale, {
      channel: CHANNEL_WORDS[locale][contact.channel] ?? contact.channel,
      topic: messages(topicKey, locale, vars),
    });
    state.pendingContinue = { intent: contact.intent as string, slots };
    logger.info('voice.customer.offered_continue', { callSid: state.callSid, intent: contact.intent, channel: contact.channel });
    // Keep the greeting, replace the open question with the offer; greet only once ("Hei!" is in the greeting already).
    const greeting = plan.spoken.slice(0, Math.max(1, plan.spoken.length - 1)).filter((item) => item.key !== undefined && item.key.endsWith('greeting'));
    const hello: Spoken[] = greeting.length > 0 ? [] : [{ say: messages('voice.continue_hello', locale, { name: name ? ` ${name}` : '' }), key: 'voice.continue_hello' }];
    const dropped = plan.spoken.filter((item) => !greeting.includes(item));
    return {
      locale, spoken: [...greeting, ...hello, { say: offer, key: 'voice.continue_offer' }], next: { kind: 'listen', hints: yesNoHints(locale), maxDigits: 1 },
      unplayed: [...(plan.unplayed ?? []), ...keysOf(dropped)],
    };
  }

  async function answerContinue(state: CallState, answer: 'yes' | 'no'): Promise<VoicePlan> {
    const pending = state.pendingContinue;
    state.pendingContinue = undefined;
    if (!pending || answer === 'no') {
      return { locale: state.locale, spoken: state.lastPrompt.map((say) => ({ say })), next: listenPlan(state.listen, state.menu) };
    }
    const topic = await runTurn(state, { kind: 'payload', payload: pending.intent });
    // The topic asks for what the caller already told us on the other channel: answer it for them.
    const entity = state.listen?.expectedEntity;
    const known = entity ? pending.slots[entity] : undefined;
    if (state.phase === 'bot' && (typeof known === 'string' || typeof known === 'number')) return runTurn(state, { kind: 'text', text: String(known) });
    return topic;
  }

  return {
    /** A call arrives: the engine greets (and may recognise the caller by the number). */
    async startCall(call: { callSid: string; from?: string; to?: string }): Promise<{ state: CallState; plan: VoicePlan }> {
      const existing = await deps.calls.get(call.callSid);
      const now = clock.now();
      const state: CallState = existing ?? {
        callSid: call.callSid,
        conversationId: `voice-${call.callSid}`,
        from: call.from,
        locale: (call.to && config.localeByNumber[call.to]) || config.defaultLocale,
        turn: 0,
        step: 0,
        noInputs: 0,
        lastPrompt: [],
        menu: [],
        phase: 'bot',
        startedAt: now,
        updatedAt: now,
      };
      // A repeated "incoming" for the same call is answered from the engine's stored turn 1.
      state.turn = 0;
      const plan = await runTurn(state, { kind: 'start' }, state.locale);
      return { state, plan: await offerToContinue(state, plan) };
    },

    /** One caller input on a live call. */
    async handleInput(state: CallState, input: VoiceInput): Promise<VoicePlan> {
      if (state.pendingContinue && input.kind !== 'silence') {
        const answer = input.kind === 'digits' ? (input.digits === '1' ? 'yes' : input.digits === '2' ? 'no' : undefined) : readYesNo(input.text, state.locale);
        if (answer) return answerContinue(state, answer);
        state.pendingContinue = undefined;
      }
      if (input.kind === 'silence') return onSilence(state);
      if (input.kind === 'digits') return onDigits(state, input.digits);
      return onSpeech(state, input.text, input.confidence);
    },
  };
}

export type VoiceDialog = ReturnType<typeof createVoiceDialog>;

function isMessage(reply: Reply): reply is ReplyMessage {
  return reply.kind === 'message';
}

/** The message keys of engine replies or spoken lines (the channel's own `voice.*` lines are not the engine's). */
function keysOf(items: ReadonlyArray<Reply | Spoken>): string[] {
  return items.flatMap((item) => {
    const key = 'kind' in item ? (item.kind === 'message' ? item.key : undefined) : item.key;
    return key && !key.startsWith('voice.') ? [key] : [];
  });
}
