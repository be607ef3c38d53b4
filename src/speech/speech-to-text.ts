/**
 * The speech-to-text port: streaming recognition of one caller's audio. The voice channel knows only
 * this interface; the Google adapter (`google-speech-to-text.ts`) is one implementation, tests use others.
 */

/** Options for one recognition stream. Telephony audio is 8 kHz μ-law and is sent as is (no resampling). */
export interface SpeechStreamOptions {
  /** BCP-47 code such as `fi-FI`, `sv-SE`, `en-US`. */
  languageCode: string;
  /** Phrase hints from the current state (expected intents' phrases, entity values). */
  hints: string[];
  /** Provider model name (e.g. `latest_short`); the adapter falls back to none when the provider refuses it. */
  model?: string;
  sampleRateHertz: 8000;
  encoding: 'MULAW';
  /** Ask the provider to report when speech begins (`activity`), for barge-in on voice activity. */
  voiceActivityEvents?: boolean;
}

/** One recognition hypothesis. `isFinal` marks the end of an utterance. */
export interface SpeechResult {
  transcript: string;
  /** 0..1; providers give it for final results only, and not always. */
  confidence?: number;
  /** 0..1, interim results only: how unlikely the provider is to change this hypothesis. */
  stability?: number;
  isFinal: boolean;
}

export interface SpeechStreamEvents {
  interim: (result: SpeechResult) => void;
  final: (result: SpeechResult) => void;
  /** The provider heard speech begin (only with `voiceActivityEvents`). */
  activity: () => void;
  error: (error: Error) => void;
}

/**
 * An open recognition stream. It outlives the provider's own stream limits: adapters reopen
 * the underlying stream (e.g. Google's ~5-minute cap) without the caller noticing.
 */
export interface SpeechStream {
  /** Raw μ-law bytes, any chunk size (Twilio sends 160-byte / 20 ms frames). */
  write(chunk: Buffer): void;
  /** No more audio: the provider delivers the remaining final result, then the stream is done. */
  end(): void;
  on<E extends keyof SpeechStreamEvents>(event: E, listener: SpeechStreamEvents[E]): void;
  /** Stops at once and drops pending results. Safe to call twice. */
  close(): void;
}

export interface SpeechToText {
  startStream(options: SpeechStreamOptions): SpeechStream;
  /** Releases connections. */
  close(): Promise<void>;
}
