import { v1 } from '@google-cloud/speech';
import type { ClientOptions } from 'google-gax';
import type { Duplex } from 'node:stream';
import type {
  SpeechResult, SpeechStream, SpeechStreamEvents, SpeechStreamOptions, SpeechToText,
} from './speech-to-text';

/** The slice of the core logging port (`src/core/logger.ts`) this adapter uses. */
export interface SpeechLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

/** The slice of `v1.SpeechClient` this adapter uses (tests may pass the real client built for a local server). */
export interface StreamingSpeechClient {
  streamingRecognize(config: object): Duplex;
  close(): Promise<void>;
}

export interface GoogleSpeechToTextOptions {
  /**
   * Passed to `new v1.SpeechClient(...)`. Production: empty (credentials from the standard Google
   * environment). Tests: `apiEndpoint`, `port`, `sslCreds: grpc.credentials.createInsecure()` and
   * `universeDomain: 'googleapis.com'`, so nothing probes the cloud metadata server.
   */
  clientOptions?: ClientOptions;
  /** A ready client instead of `clientOptions`. */
  client?: StreamingSpeechClient;
  /**
   * Reopen the provider stream after this many seconds of audio. Google ends a stream at 305 s
   * (OUT_OF_RANGE); counting audio bytes (8000 per second) instead of wall time keeps this testable.
   */
  reopenAfterSeconds?: number;
  /** speechContexts boost for phrase hints. */
  hintBoost?: number;
  logger?: SpeechLogger;
}

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_OUT_OF_RANGE = 11;
const BYTES_PER_SECOND = 8000; // 8 kHz, 1 byte per μ-law sample
/** Audio kept for a replay when the provider refuses the model right after the stream opens. */
const REPLAY_LIMIT_BYTES = 10 * BYTES_PER_SECOND;
/** Google: at most 500 phrases per context, 100 characters each. */
const MAX_HINTS = 500;
const MAX_HINT_LENGTH = 100;

const silentLogger: SpeechLogger = { info: () => undefined, warn: () => undefined };

interface RecognizeResponse {
  results?: Array<{
    alternatives?: Array<{ transcript?: string | null; confidence?: number | null }> | null;
    isFinal?: boolean | null;
    stability?: number | null;
  }> | null;
  speechEventType?: string | number | null;
}

/** `SPEECH_ACTIVITY_BEGIN` in the v1 proto (the client decodes enums as names; numbers are accepted too). */
const SPEECH_ACTIVITY_BEGIN = new Set<string | number>(['SPEECH_ACTIVITY_BEGIN', 2]);

/**
 * Google Cloud Speech-to-Text v1 streaming recognition behind the `SpeechToText` port.
 * Build it only when Google is configured: a client built without options looks for credentials,
 * which on a non-Google machine means probing the metadata server.
 */
export function createGoogleSpeechToText(options: GoogleSpeechToTextOptions = {}): SpeechToText {
  const client: StreamingSpeechClient = options.client
    ?? (new v1.SpeechClient(options.clientOptions ?? {}) as unknown as StreamingSpeechClient);
  const logger = options.logger ?? silentLogger;
  const limitBytes = Math.max(1, options.reopenAfterSeconds ?? 280) * BYTES_PER_SECOND;
  /** `language/model` pairs the API refused; later streams skip the model at once. */
  const refusedModels = new Set<string>();

  return {
    startStream(streamOptions: SpeechStreamOptions): SpeechStream {
      return new GoogleSpeechStream(client, streamOptions, {
        limitBytes, boost: options.hintBoost ?? 15, logger, refusedModels,
      });
    },
    close: () => client.close(),
  };
}

interface StreamSettings {
  limitBytes: number;
  boost: number;
  logger: SpeechLogger;
  refusedModels: Set<string>;
}

class GoogleSpeechStream implements SpeechStream {
  private readonly listeners: { [E in keyof SpeechStreamEvents]: SpeechStreamEvents[E][] } = { interim: [], final: [], activity: [], error: [] };
  private current?: Duplex;
  private segmentBytes = 0;
  private replay: Buffer[] = [];
  private replayBytes = 0;
  private answered = false;
  private ended = false;
  private closed = false;
  private model?: string;

  constructor(
    private readonly client: StreamingSpeechClient,
    private readonly options: SpeechStreamOptions,
    private readonly settings: StreamSettings,
  ) {
    const model = options.model?.trim();
    this.model = model && !settings.refusedModels.has(`${options.languageCode}/${model}`) ? model : undefined;
    this.open();
  }

  on<E extends keyof SpeechStreamEvents>(event: E, listener: SpeechStreamEvents[E]): void {
    this.listeners[event].push(listener);
  }

  write(chunk: Buffer): void {
    if (this.closed || this.ended || chunk.length === 0) return;
    if (this.segmentBytes + chunk.length > this.settings.limitBytes) {
      this.settings.logger.info('speech.google.stream.reopen_at_limit', { seconds: this.segmentBytes / BYTES_PER_SECOND });
      this.reopen();
    }
    this.segmentBytes += chunk.length;
    if (!this.answered && this.replayBytes < REPLAY_LIMIT_BYTES) {
      this.replay.push(chunk);
      this.replayBytes += chunk.length;
    }
    this.current?.write(chunk);
  }

  end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.current?.end();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const stream = this.current;
    this.current = undefined;
    if (stream) {
      stream.removeAllListeners('data');
      stream.on('error', () => undefined); // a cancelled call reports CANCELLED; nobody listens any more
      stream.destroy();
    }
  }

  private open(): void {
    const speechContexts = this.hintList().length > 0 ? [{ phrases: this.hintList(), boost: this.settings.boost }] : undefined;
    const stream = this.client.streamingRecognize({
      config: {
        encoding: this.options.encoding,
        sampleRateHertz: this.options.sampleRateHertz,
        languageCode: this.options.languageCode,
        ...(this.model ? { model: this.model } : {}),
        ...(speechContexts ? { speechContexts } : {}),
        maxAlternatives: 1,
      },
      interimResults: true,
      ...(this.options.voiceActivityEvents ? { enableVoiceActivityEvents: true } : {}),
    });
    this.current = stream;
    this.segmentBytes = 0;
    this.replay = [];
    this.replayBytes = 0;
    this.answered = false;
    stream.on('data', (response: RecognizeResponse) => this.onData(stream, response));
    stream.on('error', (error: Error & { code?: number }) => this.onError(stream, error));
  }

  private hintList(): string[] {
    return this.options.hints
      .map((hint) => hint.trim())
      .filter((hint) => hint.length > 0 && hint.length <= MAX_HINT_LENGTH)
      .slice(0, MAX_HINTS);
  }

  /** Ends the provider stream gracefully (its last final result still arrives) and opens a fresh one. */
  private reopen(): void {
    const old = this.current;
    old?.end();
    this.open();
  }

  private onData(stream: Duplex, response: RecognizeResponse): void {
    if (this.closed) return;
    if (stream === this.current) this.answered = true;
    if (response.speechEventType !== undefined && response.speechEventType !== null && SPEECH_ACTIVITY_BEGIN.has(response.speechEventType)) {
      for (const listener of this.listeners.activity) listener();
    }
    for (const result of response.results ?? []) {
      const alternative = result.alternatives?.[0];
      const transcript = (alternative?.transcript ?? '').trim();
      if (!transcript) continue;
      const isFinal = result.isFinal === true;
      const confidence = typeof alternative?.confidence === 'number' && alternative.confidence > 0
        ? Math.round(alternative.confidence * 1000) / 1000 // float32 on the wire: 0.91 arrives as 0.9100000262
        : undefined;
      const stability = !isFinal && typeof result.stability === 'number' ? Math.round(result.stability * 1000) / 1000 : undefined;
      const speech: SpeechResult = {
        transcript, isFinal, ...(confidence !== undefined ? { confidence } : {}), ...(stability !== undefined ? { stability } : {}),
      };
      for (const listener of isFinal ? this.listeners.final : this.listeners.interim) listener(speech);
    }
  }

  private onError(stream: Duplex, error: Error & { code?: number }): void {
    if (this.closed) return;
    if (stream !== this.current) {
      // An old stream that was being retired: its loss costs at most the last partial result.
      this.settings.logger.warn('speech.google.retired_stream.error', { code: error.code });
      return;
    }
    if (error.code === GRPC_OUT_OF_RANGE && !this.ended) {
      this.settings.logger.info('speech.google.stream.reopen_out_of_range', { code: error.code });
      this.open();
      return;
    }
    if (error.code === GRPC_INVALID_ARGUMENT && this.model && !this.ended) {
      this.settings.logger.warn('speech.google.model.refused_fallback_to_default', { model: this.model, languageCode: this.options.languageCode });
      this.settings.refusedModels.add(`${this.options.languageCode}/${this.model}`);
      this.model = undefined;
      const audio = this.replay;
      this.open();
      for (const chunk of audio) this.write(chunk);
      return;
    }
    const wrapped = new Error(`Google speech-to-text stream failed (${error.code ?? 'no code'}): ${error.message}`, { cause: error });
    for (const listener of this.listeners.error) listener(wrapped);
  }
}
