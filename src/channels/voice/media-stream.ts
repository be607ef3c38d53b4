import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import type { SpeechResult, SpeechStream, SpeechToText } from '../../speech/speech-to-text';
import type { SynthesisRequest, TextToSpeech } from '../../speech/text-to-speech';
import type { CallState } from './call-state';
import { toSpeechSsml } from './speech-safe-text';
import { toLanguageCode, type VoiceConfig } from './voice-config';
import type { VoiceInput } from './voice-dialog';
import type { VoiceLogger } from './voice-logger';

/** Twilio Media Streams messages we read (all JSON text frames). */
interface StreamMessage {
  event?: string;
  streamSid?: string;
  start?: { callSid?: string; streamSid?: string; customParameters?: Record<string, string> };
  media?: { payload?: string; track?: string };
  dtmf?: { digit?: string };
  mark?: { name?: string };
}

/** A prompt the caller talked over. `reactionMs`: from the speech result (or voice-activity event) arriving to `clear` sent. */
export interface BargeInEvent {
  callSid: string;
  trigger: 'interim' | 'voice_activity' | 'dtmf';
  reactionMs: number;
  /** The prompt lines that were still playing or queued when Twilio was told to drop them. */
  cutKeys: string[];
}

export interface MediaStreamDeps {
  config: VoiceConfig;
  speech: SpeechToText;
  /** With it, the call's pending prompt is played over this socket and can be interrupted; without, `<Say>` spoke it already. */
  tts?: TextToSpeech;
  logger: VoiceLogger;
  loadCall(callSid: string): Promise<CallState | undefined>;
  /** Runs one caller input on the call (serialised per call) and speaks the reply on the live call. */
  onInput(callSid: string, input: VoiceInput): Promise<void>;
  onBargeIn?(event: BargeInEvent): void;
}

/** The synthesis request for one prompt line; the same for the early start and the playback, so a caching adapter answers once. */
export function synthesisRequest(say: string, locale: CallState['locale'], config: VoiceConfig): SynthesisRequest {
  const languageCode = toLanguageCode(locale);
  const voice = config.ttsVoices[locale];
  return config.ttsSsml ? { ssml: toSpeechSsml(say), languageCode, voice } : { text: say, languageCode, voice };
}

const BYTES_PER_SECOND = 8000;
const FRAME_BYTES = 160; // 20 ms of 8 kHz μ-law, Twilio's own frame size
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

/** One prompt line sent to Twilio, waiting for its mark to come back (= played, or dropped by `clear`). */
interface QueuedLine {
  mark: string;
  key?: string;
  bargeIn: boolean;
}

/**
 * One Media Streams WebSocket. With text-to-speech, the call's pending prompt is synthesised and sent as μ-law
 * media frames, each line followed by a mark. Meanwhile the caller's audio goes to speech-to-text: when an
 * interim result is stable enough (or speech begins, if configured) while a prompt is still queued, Twilio
 * gets `clear` and drops the rest of the prompt, and the caller's utterance is taken as usual. Lines a flow
 * state marked `barge_in: false` are never cut. The first final transcript (or a DTMF key, or a silence as
 * long as the no-input timeout, counted in audio after the prompt ended) becomes the caller's input. The
 * reply is spoken by a call update, which ends this socket; the next `<Connect><Stream>` opens a new one.
 */
export function attachMediaStream(socket: WebSocket, deps: MediaStreamDeps): void {
  const { config, logger } = deps;
  let callSid: string | undefined;
  let streamSid: string | undefined;
  let recognition: SpeechStream | undefined;
  let heardSomething = false;
  let silentBytes = 0;
  let done = false;
  /** Prompt lines Twilio has (or will soon have) in its buffer; empty = the caller hears nothing from us. */
  const queued: QueuedLine[] = [];
  let cut = false;
  /** The caller's input, held until a prompt that must be heard in full has played (a call update would cut it). */
  let held: (() => void) | undefined;
  /** Frames that arrive while the call state is still loading; Twilio does not wait for us. */
  let early: Buffer[] | undefined;

  const speaking = () => queued.length > 0;
  const interruptible = () => config.bargeIn.enabled && queued.every((line) => line.bargeIn);
  const send = (message: object) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };

  const bargeIn = (trigger: BargeInEvent['trigger'], arrivedAt: number) => {
    if (!callSid || cut || !speaking() || !interruptible()) return; // a line that must be heard in full is still queued
    cut = true;
    send({ event: 'clear', streamSid });
    const reactionMs = performance.now() - arrivedAt;
    const cutKeys = queued.flatMap((line) => (line.key ? [line.key] : []));
    queued.length = 0;
    logger.info('voice.stream.barge_in', { callSid, trigger, reactionMs: Math.round(reactionMs * 100) / 100 });
    deps.onBargeIn?.({ callSid, trigger, reactionMs, cutKeys });
  };

  const finish = (input: VoiceInput) => {
    if (done || !callSid) return;
    done = true;
    recognition?.close();
    recognition = undefined;
    const sid = callSid;
    const run = () => {
      deps.onInput(sid, input).catch((error: Error) => logger.error('voice.stream.turn_failed', { callSid: sid, err: error.message }));
    };
    if (speaking() && !interruptible()) held = run;
    else run();
  };

  const play = async (state: CallState) => {
    const prompt = state.prompt;
    if (!deps.tts || !prompt || prompt.step !== state.step) return;
    // Every line is queued before the first is synthesised, so "may the caller cut this?" covers the lines still to come.
    const lines = prompt.spoken.map((line, index) => ({ line, queuedLine: { mark: `prompt-${prompt.step}-${index}`, key: line.key, bargeIn: line.bargeIn !== false } }));
    queued.push(...lines.map((entry) => entry.queuedLine));
    try {
      for (const { line, queuedLine } of lines) {
        const audio = await deps.tts.synthesize(synthesisRequest(line.say, state.locale, config));
        if (cut || (done && !held) || !queued.includes(queuedLine)) return;
        const mark = queuedLine.mark;
        for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) {
          send({ event: 'media', streamSid, media: { payload: audio.subarray(offset, offset + FRAME_BYTES).toString('base64') } });
        }
        send({ event: 'mark', streamSid, mark: { name: mark } });
      }
    } catch (error) {
      // The caller would hear dead air: say it with Twilio instead by treating the turn as a silence (a reprompt).
      logger.error('voice.stream.tts_failed', { callSid: state.callSid, err: (error as Error).message });
      queued.length = 0;
      finish({ kind: 'silence' });
      releaseHeld();
    }
  };

  /** A line that had to be heard in full has played: the caller's held input goes ahead (cutting what may be cut). */
  const releaseHeld = () => {
    if (!held || (speaking() && !interruptible())) return;
    if (speaking()) bargeIn('interim', performance.now());
    const run = held;
    held = undefined;
    run();
  };

  const onInterim = (result: SpeechResult) => {
    const arrivedAt = performance.now();
    heardSomething = true;
    silentBytes = 0;
    if ((result.stability ?? 0) >= config.bargeIn.minStability) bargeIn('interim', arrivedAt);
  };

  const start = async (message: StreamMessage) => {
    const sid = message.start?.callSid ?? message.start?.customParameters?.callSid;
    if (!sid || !CALL_SID.test(sid)) {
      logger.warn('voice.stream.start_without_call_sid', {});
      socket.close(1008, 'start without a valid callSid');
      return;
    }
    callSid = sid;
    streamSid = message.streamSid ?? message.start?.streamSid;
    early = [];
    const state = await deps.loadCall(sid);
    if (!state) {
      logger.warn('voice.stream.unknown_call', { callSid: sid });
      socket.close(1008, 'unknown call');
      return;
    }
    recognition = deps.speech.startStream({
      languageCode: toLanguageCode(state.locale),
      hints: state.hints ?? [],
      model: config.speechModels[state.locale],
      sampleRateHertz: 8000,
      encoding: 'MULAW',
      ...(config.bargeIn.onVoiceActivity ? { voiceActivityEvents: true } : {}),
    });
    recognition.on('interim', onInterim);
    recognition.on('activity', () => {
      if (config.bargeIn.onVoiceActivity) bargeIn('voice_activity', performance.now());
    });
    recognition.on('final', (result) => finish({ kind: 'speech', text: result.transcript, confidence: result.confidence }));
    recognition.on('error', (error) => {
      logger.error('voice.stream.stt_failed', { callSid: sid, err: error.message });
      finish({ kind: 'silence' }); // the caller hears a reprompt instead of dead air
    });
    logger.info('voice.stream.started', { callSid: sid });
    void play(state);
    const buffered = early;
    early = undefined;
    for (const payload of buffered) onAudio(payload);
  };

  const onAudio = (payload: Buffer) => {
    if (!recognition || done) return;
    recognition.write(payload);
    // The no-input wait starts when the prompt has finished playing.
    if (!heardSomething && !speaking()) {
      silentBytes += payload.length;
      if (silentBytes >= config.noInputTimeoutSeconds * BYTES_PER_SECOND) finish({ kind: 'silence' });
    }
  };

  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    let message: StreamMessage;
    try {
      message = JSON.parse(data.toString()) as StreamMessage;
    } catch {
      logger.warn('voice.stream.bad_json', { callSid });
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    switch (message.event) {
      case 'start':
        start(message).catch((error: Error) => logger.error('voice.stream.start_failed', { err: error.message }));
        break;
      case 'media': {
        if (done || (message.media?.track && message.media.track !== 'inbound')) return;
        const payload = typeof message.media?.payload === 'string' ? Buffer.from(message.media.payload, 'base64') : undefined;
        if (!payload || payload.length === 0) return;
        if (early) {
          if (early.length < 500) early.push(payload); // at most 10 s while the call state loads
        }
        else onAudio(payload);
        break;
      }
      case 'mark': {
        // Twilio played this line (or dropped it on `clear`): everything up to it is no longer in its buffer.
        const index = queued.findIndex((line) => line.mark === message.mark?.name);
        if (index >= 0) queued.splice(0, index + 1);
        releaseHeld();
        break;
      }
      case 'dtmf': {
        const digit = message.dtmf?.digit;
        if (typeof digit === 'string' && /^[0-9*#]$/.test(digit)) {
          bargeIn('dtmf', performance.now());
          finish({ kind: 'digits', digits: digit });
        }
        break;
      }
      case 'stop':
        recognition?.end();
        break;
      default:
        break; // `connected`
    }
  });

  const cleanUp = () => {
    recognition?.close();
    recognition = undefined;
  };
  socket.on('close', () => {
    if (!done && callSid) logger.info('voice.stream.closed_without_input', { callSid });
    cleanUp();
  });
  socket.on('error', (error) => {
    logger.warn('voice.stream.socket_error', { callSid, err: error.message });
    cleanUp();
  });
}
