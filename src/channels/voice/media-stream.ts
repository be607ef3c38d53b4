import type { WebSocket } from 'ws';
import type { SpeechStream, SpeechToText } from '../../speech/speech-to-text';
import type { CallState } from './call-state';
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
}

export interface MediaStreamDeps {
  config: VoiceConfig;
  speech: SpeechToText;
  logger: VoiceLogger;
  loadCall(callSid: string): Promise<CallState | undefined>;
  /** Runs one caller input on the call (serialised per call) and speaks the reply on the live call. */
  onInput(callSid: string, input: VoiceInput): Promise<void>;
}

const BYTES_PER_SECOND = 8000;
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

/**
 * One Media Streams WebSocket: μ-law frames go to a speech-to-text stream; the first final transcript
 * (or a DTMF key, or a silence as long as the no-input timeout, counted in audio so it needs no timer)
 * becomes the caller's input. The reply is spoken by a call update, which ends this socket; the next
 * `<Connect><Stream>` opens a new one. A dropped socket only ends this listener: the call state is kept.
 */
export function attachMediaStream(socket: WebSocket, deps: MediaStreamDeps): void {
  const { config, logger } = deps;
  let callSid: string | undefined;
  let recognition: SpeechStream | undefined;
  let heardSomething = false;
  let silentBytes = 0;
  let done = false;
  /** Frames that arrive while the call state is still loading; Twilio does not wait for us. */
  let early: Buffer[] | undefined;

  const finish = (input: VoiceInput) => {
    if (done || !callSid) return;
    done = true;
    recognition?.close();
    recognition = undefined;
    const sid = callSid;
    deps.onInput(sid, input).catch((error: Error) => logger.error('voice.stream.turn_failed', { callSid: sid, err: error.message }));
  };

  const start = async (message: StreamMessage) => {
    const sid = message.start?.callSid ?? message.start?.customParameters?.callSid;
    if (!sid || !CALL_SID.test(sid)) {
      logger.warn('voice.stream.start_without_call_sid', {});
      socket.close(1008, 'start without a valid callSid');
      return;
    }
    callSid = sid;
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
    });
    recognition.on('interim', () => { heardSomething = true; silentBytes = 0; });
    recognition.on('final', (result) => finish({ kind: 'speech', text: result.transcript, confidence: result.confidence }));
    recognition.on('error', (error) => {
      logger.error('voice.stream.stt_failed', { callSid: sid, err: error.message });
      finish({ kind: 'silence' }); // the caller hears a reprompt instead of dead air
    });
    logger.info('voice.stream.started', { callSid: sid });
    const buffered = early;
    early = undefined;
    for (const payload of buffered) onAudio(payload);
  };

  const onAudio = (payload: Buffer) => {
    if (!recognition || done) return;
    recognition.write(payload);
    if (!heardSomething) {
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
      case 'dtmf': {
        const digit = message.dtmf?.digit;
        if (typeof digit === 'string' && /^[0-9*#]$/.test(digit)) finish({ kind: 'digits', digits: digit });
        break;
      }
      case 'stop':
        recognition?.end();
        break;
      default:
        break; // `connected`, `mark`
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
