import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Request, type Response } from 'express';
import twilio from 'twilio';
import { WebSocketServer } from 'ws';
import type { Clock, CustomerStore, TicketStore } from '../../core/ports';
import { systemClock } from '../../core/ports';
import type { ChannelSpeech, ConversationEngine } from '../../core/services';
import type { SpeechToText } from '../../speech/speech-to-text';
import type { TextToSpeech } from '../../speech/text-to-speech';
import { createMemoryCallStateStore, type CallOutcome, type CallState, type CallStateStore } from './call-state';
import { attachMediaStream, synthesisRequest, type BargeInEvent } from './media-stream';
import { publicUrl, renderAfterDial, renderRedirect, renderTwiml, renderWhisper, streamUrl, transferFailedLine, type RenderContext } from './render-twiml';
import type { TwilioCallUpdater } from './twilio-call-updater';
import { toLanguageCode, validateVoiceConfig, type VoiceConfig } from './voice-config';
import { createVoiceDialog, type VoiceInput, type VoicePlan } from './voice-dialog';
import { silentVoiceLogger, type VoiceLogger } from './voice-logger';
import { createVoiceMessages, type MessageLookup } from './voice-messages';

/** How a finished call is reported to the rest of the system (analytics, the lead's event log). */
export interface CallEndedEvent {
  callSid: string;
  conversationId: string;
  outcome: CallOutcome;
  callStatus: string;
  durationSeconds?: number;
  ticketId?: string;
}

export interface VoiceChannelDeps {
  engine: ConversationEngine;
  config: VoiceConfig;
  /** Needed in `stream` mode. */
  speech?: SpeechToText;
  /** Stream mode: prompts are synthesised and played over the Media Stream, so the caller can interrupt them (barge-in). */
  tts?: TextToSpeech;
  /** The deployment's ticket store: a call no person can take turns its ticket into a callback request. */
  tickets?: TicketStore;
  /** Stream mode: called for each prompt the caller interrupted, with the time from the speech result to `clear`. */
  onBargeIn?: (event: BargeInEvent) => void;
  /** Needed in `stream` mode: replies are spoken by updating the live call. */
  twilioClient?: TwilioCallUpdater;
  logger?: VoiceLogger;
  clock?: Clock;
  /** Defaults to an in-process store. */
  calls?: CallStateStore;
  /** `voice.*` texts from the locale files; built-in texts otherwise. */
  messages?: MessageLookup;
  onCallEnded?: (event: CallEndedEvent) => void;
  /** Cross-channel memory (the deployment's `stores.customers`): recognised callers are offered to continue a recent chat. */
  customers?: CustomerStore;
}

export interface VoiceChannel {
  /** Mount at `/voice`. */
  router: express.Router;
  /** Forward HTTP upgrades here; true when the request was for `/voice/stream` (handled or refused). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
}

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const ENDED_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/**
 * The Twilio voice channel: signed webhooks (`/incoming`, `/gather`, `/status`, `/dial-status`,
 * `/whisper`, `/next`, `/stream-ended`) and the Media Streams socket (`/stream`).
 */
export function createVoiceChannel(deps: VoiceChannelDeps): VoiceChannel {
  const problems = validateVoiceConfig(deps.config);
  if (problems.length > 0) throw new Error(`Voice channel configuration: ${problems.join(' ')}`);
  const config = deps.config;
  if (config.mode === 'stream' && (!deps.speech || !deps.twilioClient)) {
    throw new Error('Voice channel configuration: stream mode needs a speech-to-text service (Google) and a twilio REST client (TWILIO_ACCOUNT_SID).');
  }
  const logger = deps.logger ?? silentVoiceLogger;
  const clock = deps.clock ?? systemClock;
  const calls = deps.calls ?? createMemoryCallStateStore();
  const messages = createVoiceMessages(deps.messages);
  const dialog = createVoiceDialog({
    engine: deps.engine, config, calls, messages, clock, logger, customers: deps.customers, tickets: deps.tickets, lookup: deps.messages,
  });
  const streamPrompts = config.mode === 'stream' && Boolean(deps.tts);
  const renderContext = (state: CallState): RenderContext => ({ config, state, messages, streamPrompts });

  /** Webhooks of one call run one at a time, so a status callback never overwrites a turn's state. */
  const queues = new Map<string, Promise<unknown>>();
  function serial<T>(callSid: string, work: () => Promise<T>): Promise<T> {
    const previous = queues.get(callSid) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    queues.set(callSid, tail);
    void tail.then(() => { if (queues.get(callSid) === tail) queues.delete(callSid); });
    return next;
  }

  /** The transcript holds what the caller heard; a failed write costs the agent a line, never the call. */
  async function recordSpeech(state: CallState, speech: Omit<ChannelSpeech, 'channel'>): Promise<void> {
    if (!deps.engine.recordChannelSpeech || !state.conversationId) return;
    try {
      await deps.engine.recordChannelSpeech(state.conversationId, { channel: 'voice', ...speech });
    } catch (error) {
      logger.warn('voice.transcript.record_failed', { callSid: state.callSid, err: (error as Error).message });
    }
  }

  /** The channel's own lines of a plan (its `voice.*` prompts, as spoken) and the engine's lines it does not play. */
  function heardIn(plan: VoicePlan): Omit<ChannelSpeech, 'channel'> {
    const said = plan.spoken.flatMap((item) => ('say' in item && item.key?.startsWith('voice.') ? [{ key: item.key, text: item.say }] : []));
    return { said, ...(plan.unplayed?.length ? { unheard: { keys: plan.unplayed, why: 'not_played' as const } } : {}) };
  }

  async function serve(state: CallState, plan: VoicePlan): Promise<string> {
    const heard = heardIn(plan);
    if (heard.said?.length || heard.unheard) await recordSpeech(state, heard);
    state.step += 1;
    state.updatedAt = clock.now();
    if (plan.next.kind === 'listen') state.hints = plan.next.hints;
    const said = plan.spoken.filter((item): item is Extract<typeof item, { say: string }> => 'say' in item);
    state.prompt = streamPrompts && plan.next.kind === 'listen' && said.length > 0 ? { step: state.step, spoken: said } : undefined;
    // Synthesis starts now, while Twilio is still being told to open the next stream: the socket finds it done.
    for (const line of state.prompt?.spoken ?? []) {
      deps.tts?.synthesize(synthesisRequest(line.say, state.locale, config)).catch((error: Error) => {
        logger.warn('voice.tts.early_synthesis_failed', { callSid: state.callSid, err: error.message });
      });
    }
    const twiml = renderTwiml(plan, renderContext(state));
    state.lastTwiml = twiml;
    await calls.set(state);
    return twiml;
  }

  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  router.use((req, res, next) => {
    const signature = req.get('x-twilio-signature');
    const url = config.publicUrl.replace(/\/+$/, '') + req.originalUrl;
    const params = req.method === 'POST' && req.body && typeof req.body === 'object' ? (req.body as Record<string, string>) : {};
    if (!signature || !twilio.validateRequest(config.authToken, signature, url, params)) {
      logger.warn('voice.twilio.signature_rejected', { path: req.path });
      res.status(403).type('text/plain').send('Twilio signature missing or invalid.');
      return;
    }
    next();
  });

  const sendTwiml = (res: Response, twiml: string) => res.status(200).type('text/xml').send(twiml);
  const field = (req: Request, name: string): string | undefined => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name] ?? req.query[name];
    return typeof value === 'string' ? value : undefined;
  };
  const callSidOf = (req: Request, res: Response): string | undefined => {
    const callSid = field(req, 'CallSid');
    if (!callSid || !CALL_SID.test(callSid)) {
      res.status(400).type('text/plain').send('CallSid is missing or not a Twilio call id (CA + 32 hex digits).');
      return undefined;
    }
    return callSid;
  };
  /** Any failure still gives the caller words and a clean end, never Twilio's "application error". */
  const failSafe = (res: Response, callSid: string, error: unknown) => {
    logger.error('voice.webhook.failed', { callSid, err: (error as Error).message });
    const response = new twilio.twiml.VoiceResponse();
    response.say({ language: toLanguageCode(config.defaultLocale), voice: config.voices[config.defaultLocale] as never }, messages('voice.error', config.defaultLocale));
    response.hangup();
    sendTwiml(res, response.toString());
  };

  router.post('/incoming', async (req, res) => {
    const callSid = callSidOf(req, res);
    if (!callSid) return;
    const from = field(req, 'From');
    try {
      const twiml = await serial(callSid, async () => {
        const existing = await calls.get(callSid);
        if (existing?.lastTwiml && existing.step === 1) return existing.lastTwiml; // Twilio retried the webhook
        const to = field(req, 'To');
        const { state, plan } = await dialog.startCall({ callSid, from: from && /^\+?[0-9]{3,20}$/.test(from) ? from : undefined, to });
        logger.info('voice.call.started', { callSid, conversationId: state.conversationId, mode: config.mode });
        return serve(state, plan);
      });
      sendTwiml(res, twiml);
    } catch (error) {
      failSafe(res, callSid, error);
    }
  });

  router.post('/gather', async (req, res) => {
    const callSid = callSidOf(req, res);
    if (!callSid) return;
    const step = Number(field(req, 't'));
    try {
      const twiml = await serial(callSid, async () => {
        const state = await calls.get(callSid);
        if (!state) {
          const started = await dialog.startCall({ callSid, from: field(req, 'From') });
          return serve(started.state, started.plan);
        }
        if (Number.isInteger(step) && step < state.step && state.lastTwiml) return state.lastTwiml; // a retry
        const input = gatherInput(req);
        const plan = await dialog.handleInput(state, input);
        return serve(state, plan);
      });
      sendTwiml(res, twiml);
    } catch (error) {
      failSafe(res, callSid, error);
    }
  });

  const gatherInput = (req: Request): VoiceInput => {
    const digits = field(req, 'Digits')?.replace(/[^0-9*#]/g, '');
    if (digits) return { kind: 'digits', digits: digits.slice(0, 32) };
    const text = field(req, 'SpeechResult')?.trim().slice(0, 1000);
    if (!text) return { kind: 'silence' };
    const confidence = Number.parseFloat(field(req, 'Confidence') ?? '');
    // Twilio's Confidence is "not guaranteed"; missing or 0 means unknown, not certainly wrong.
    return { kind: 'speech', text, ...(Number.isFinite(confidence) && confidence > 0 && confidence <= 1 ? { confidence } : {}) };
  };

  /**
   * Gather's partial results (`partialResultCallback`), while the caller is still talking. Checked (signature,
   * call id, fields) and acknowledged, but nothing starts early: the NLU of a whole turn takes a fraction of a
   * millisecond (bench:voice), and the reply must wait for the final result anyway, so there is nothing to win
   * (the reasoning in full: docs/voice.md, "Partial results").
   */
  router.post('/partial', async (req, res) => {
    const callSid = callSidOf(req, res);
    if (!callSid) return;
    const sequence = Number.parseInt(field(req, 'SequenceNumber') ?? '', 10);
    const stability = Number.parseFloat(field(req, 'Stability') ?? '');
    const text = field(req, 'UnstableSpeechResult') ?? field(req, 'StableSpeechResult');
    if (!Number.isInteger(sequence) || sequence < 0 || typeof text !== 'string' || text.length > 1000) {
      res.status(400).type('text/plain').send('A partial result needs SequenceNumber and UnstableSpeechResult (at most 1000 characters).');
      return;
    }
    // Ids and sizes only: what the caller says is personal data.
    logger.debug('voice.gather.partial_ignored', { callSid, sequence, ...(Number.isFinite(stability) ? { stability } : {}), chars: text.length });
    res.status(204).end();
  });

  router.post('/status', async (req, res) => {
    const callSid = callSidOf(req, res);
    if (!callSid) return;
    const callStatus = field(req, 'CallStatus') ?? '';
    if (!ENDED_STATUSES.has(callStatus)) {
      res.status(204).end();
      return;
    }
    await serial(callSid, async () => {
      const state = await calls.get(callSid);
      if (!state) return;
      const outcome: CallOutcome = state.outcome
        ?? (callStatus === 'completed'
          ? state.phase === 'transferring' ? 'transferred' : state.phase === 'ended' ? 'completed' : 'caller_hung_up'
          : (callStatus.replace('-', '_') as CallOutcome));
      state.outcome = outcome;
      state.phase = 'ended';
      state.updatedAt = clock.now();
      await calls.set(state);
      const duration = Number.parseInt(field(req, 'CallDuration') ?? '', 10);
      const event: CallEndedEvent = {
        callSid, conversationId: state.conversationId, outcome, callStatus,
        ...(Number.isFinite(duration) ? { durationSeconds: duration } : {}),
        ...(state.ticketId ? { ticketId: state.ticketId } : {}),
      };
      logger.info('voice.call.ended', { ...event });
      deps.onCallEnded?.(event);
    }).catch((error: Error) => logger.error('voice.status.failed', { callSid, err: error.message }));
    res.status(204).end();
  });

  router.post('/dial-status', async (req, res) => {
    const callSid = callSidOf(req, res);
    if (!callSid) return;
    const dialStatus = field(req, 'DialCallStatus') ?? field(req, 'QueueResult') ?? '';
    try {
      const twiml = await serial(callSid, async () => {
        const state = await calls.get(callSid);
        if (!state) return renderAfterDial(true, renderContext({ callSid, conversationId: '', locale: config.defaultLocale, turn: 0, step: 0, noInputs: 0, lastPrompt: [], menu: [], phase: 'ended', startedAt: 0, updatedAt: 0 }));
        const connected = ['completed', 'answered', 'bridged', 'hangup'].includes(dialStatus);
        state.outcome = connected ? 'transferred' : 'transfer_failed';
        state.phase = 'ended';
        await calls.set(state);
        logger.info(connected ? 'voice.transfer.completed' : 'voice.transfer.failed', { callSid, dialStatus, ticketId: state.ticketId });
        if (!connected) await recordSpeech(state, { said: [{ key: 'voice.transfer_failed', text: transferFailedLine(renderContext(state)) }] });
        return renderAfterDial(connected, renderContext(state));
      });
      sendTwiml(res, twiml);
    } catch (error) {
      failSafe(res, callSid, error);
    }
  });

  router.post('/whisper', async (req, res) => {
    // The agent leg has its own CallSid; the customer's call is named in the query.
    const customerCall = typeof req.query.c === 'string' && CALL_SID.test(req.query.c) ? req.query.c : undefined;
    const state = customerCall ? await calls.get(customerCall) : undefined;
    if (!state) {
      sendTwiml(res, new twilio.twiml.VoiceResponse().toString());
      return;
    }
    const line = state.summary ?? messages('voice.whisper', state.locale, { ticketId: state.ticketId ?? '', topic: '', heard: '' });
    sendTwiml(res, renderWhisper(line, renderContext(state)));
  });

  /** Stream mode: the reply was too long for an inline call update, so the call fetches it here. */
  router.post('/next', async (req, res) => {
    const callSid = callSidOf(req, res);
    if (!callSid) return;
    const state = await calls.get(callSid);
    if (!state?.lastTwiml) {
      res.status(404).type('text/plain').send('No pending TwiML for this call.');
      return;
    }
    sendTwiml(res, state.lastTwiml);
  });

  /** Stream mode: the socket ended without an update (e.g. it dropped). Listen again instead of ending the call. */
  router.post('/stream-ended', async (req, res) => {
    const callSid = callSidOf(req, res);
    if (!callSid) return;
    try {
      const twiml = await serial(callSid, async () => {
        const state = await calls.get(callSid);
        if (!state || state.phase !== 'bot') return new twilio.twiml.VoiceResponse().hangup().toString();
        logger.info('voice.stream.reconnect', { callSid });
        return serve(state, { locale: state.locale, spoken: [], next: { kind: 'listen', hints: state.hints ?? [] } });
      });
      sendTwiml(res, twiml);
    } catch (error) {
      failSafe(res, callSid, error);
    }
  });

  /** Stream mode: one input from the socket → a turn → the reply spoken by updating the live call. */
  async function onStreamInput(callSid: string, input: VoiceInput): Promise<void> {
    const twiml = await serial(callSid, async () => {
      const state = await calls.get(callSid);
      if (!state || state.phase === 'ended') return undefined;
      const plan = await dialog.handleInput(state, input);
      return serve(state, plan);
    });
    if (!twiml || !deps.twilioClient) return;
    const state = await calls.get(callSid);
    const inline = twiml.length <= config.maxInlineTwimlChars
      ? twiml
      : renderRedirect(publicUrl(config, '/voice/next', { c: callSid, t: state?.step ?? 0 }));
    await deps.twilioClient.calls(callSid).update({ twiml: inline });
    logger.info('voice.stream.reply_sent', { callSid, redirected: inline !== twiml });
  }

  const sockets = new WebSocketServer({ noServer: true });
  const streamPath = new URL(streamUrl(config)).pathname;

  return {
    router,
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://local');
      if (url.pathname !== streamPath) return false;
      const signature = request.headers['x-twilio-signature'];
      const signedUrl = streamUrl(config) + url.search;
      if (config.mode !== 'stream' || !deps.speech || typeof signature !== 'string'
        || !twilio.validateRequest(config.authToken, signature, signedUrl, {})) {
        logger.warn('voice.twilio.signature_rejected', { path: url.pathname });
        socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.destroy();
        return true;
      }
      const speech = deps.speech;
      sockets.handleUpgrade(request, socket, head, (ws) => {
        attachMediaStream(ws, {
          config, speech, tts: streamPrompts ? deps.tts : undefined, logger, loadCall: (sid) => calls.get(sid), onInput: onStreamInput,
          onBargeIn: (event) => {
            // In the call's queue, so the mark lands before the caller's next turn is recorded.
            void serial(event.callSid, async () => {
              const state = await calls.get(event.callSid);
              if (!state) return;
              await calls.set({ ...state, bargeIns: (state.bargeIns ?? 0) + 1 });
              if (event.cutKeys.length > 0) await recordSpeech(state, { unheard: { keys: event.cutKeys, why: 'barge_in' } });
            });
            deps.onBargeIn?.(event);
          },
        });
      });
      return true;
    },
    async close() {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}

