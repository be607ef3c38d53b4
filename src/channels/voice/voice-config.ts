import type { Locale } from '../../core/turn';

/** How a handoff leaves the bot: a phone number, a SIP address, or a Twilio queue named after the ticket's queue. */
export interface VoiceTransferConfig {
  /** E.164 number of the contact centre, e.g. `+358401234567`. */
  number?: string;
  /** SIP URI of the contact centre, e.g. `sip:agents@pbx.example.com`; the ticket id rides as an `X-Ticket-Id` header. */
  sip?: string;
  /** Put the caller into the Twilio queue named after the ticket's queue (`<Enqueue>`). */
  enqueue?: boolean;
  /** TaskRouter workflow for `<Enqueue>`; the ticket id and queue go along as task attributes. */
  workflowSid?: string;
  /** Where emergencies go; defaults to the normal target. */
  emergencyNumber?: string;
  /** Caller id shown to the agent on `<Dial>`. */
  callerId?: string;
  /** Speak the ticket id and topic to the agent before the calls are bridged (number and SIP targets); on unless false. */
  whisper?: boolean;
}

/** When a caller may interrupt a prompt by talking (a flow state can still turn it off for its messages). */
export interface VoiceBargeInConfig {
  /** Off: every prompt plays to the end (Gather `bargeIn="false"`, no `clear` on the stream). */
  enabled: boolean;
  /** Stream mode: an interim result at least this stable (Google's 0..1 `stability`) means the caller is talking. */
  minStability: number;
  /** Stream mode: Google's speech-begin event interrupts too (faster, but a cough or a noisy line also cuts the prompt). */
  onVoiceActivity: boolean;
}

/** Voice channel settings. The lead's config module fills these from the environment. */
export interface VoiceConfig {
  /** `TWILIO_AUTH_TOKEN`: the signature key of every webhook. */
  authToken: string;
  /** `PUBLIC_URL`: the https base URL Twilio calls, e.g. `https://bot.example.com` (the signature covers it). */
  publicUrl: string;
  /** `gather`: Twilio's own speech recognition; `stream`: Media Streams with our speech-to-text. */
  mode: 'gather' | 'stream';
  /** The language of a call before the caller switches; the engine may change it. */
  defaultLocale: Locale;
  /** `<Say>` voice per language. */
  voices: Record<Locale, string>;
  /** Gather `speechModel` (gather mode) or Google model (stream mode) per language; unset = the provider picks. */
  speechModels: Partial<Record<Locale, string>>;
  /** Whole seconds of silence that end speech when a model is set (Twilio refuses `auto` with some models). */
  speechTimeoutSeconds: number;
  /** Seconds to wait for the caller to start speaking before a no-input. */
  noInputTimeoutSeconds: number;
  transfer: VoiceTransferConfig;
  /** Below this STT confidence the bot asks "did I hear right?" before acting. */
  sttConfidenceThreshold: number;
  /** Audio played instead of speaking a message with this key (`main.greeting` → https URL of an mp3/wav). */
  audio: Record<string, string>;
  /** Intent payload sent to the engine when the caller asks for a person by keypad or stays silent. */
  humanPayload: string;
  /** The caller stayed silent this many times in a row: goodbye with a callback ticket. */
  maxNoInputs: number;
  /** A contact on another channel this recent (hours) is offered for continuing ("Soitatko äskeisen chat-keskustelun…?"). */
  recentContactHours: number;
  /** The dialled number (`To`) decides the call's language, e.g. `{ "+46812345678": "sv" }`; otherwise `defaultLocale`. */
  localeByNumber: Record<string, Locale>;
  /** Inline TwiML for live-call updates is capped by Twilio at 4000 characters. */
  maxInlineTwimlChars: number;
  bargeIn: VoiceBargeInConfig;
  /** Stream mode with a text-to-speech service: its voice per language (unset: the provider's default for the language). */
  ttsVoices: Partial<Record<Locale, string>>;
  /** Stream mode: the text-to-speech voices read SSML (pauses between messages, digits as characters). */
  ttsSsml: boolean;
  /**
   * Gather mode: ask Twilio for partial results (`partialResultCallback` → `/voice/partial`). They are checked and
   * acknowledged, never acted on: `npm run bench:voice` found nothing worth starting early (docs/voice.md).
   */
  partialResults: boolean;
}

/** Defaults that work for a Finnish deployment; `authToken` and `publicUrl` must be set. */
export const defaultVoiceConfig: VoiceConfig = {
  authToken: '',
  publicUrl: '',
  mode: 'gather',
  defaultLocale: 'fi',
  voices: { fi: 'Polly.Suvi-Neural', sv: 'Polly.Elin-Neural', en: 'Polly.Joanna-Neural' },
  // Twilio's `phone_call` model does not support fi-FI; the experimental models list fi-FI but not sv-SE.
  speechModels: {},
  speechTimeoutSeconds: 1,
  noInputTimeoutSeconds: 5,
  transfer: {},
  sttConfidenceThreshold: 0.5,
  audio: {},
  humanPayload: 'human_agent',
  maxNoInputs: 3,
  maxInlineTwimlChars: 4000,
  recentContactHours: 72,
  localeByNumber: {},
  bargeIn: { enabled: true, minStability: 0.3, onVoiceActivity: false },
  ttsVoices: { fi: 'fi-FI-Wavenet-A', sv: 'sv-SE-Wavenet-A', en: 'en-US-Wavenet-F' },
  ttsSsml: true,
  partialResults: false,
};

const LANGUAGE_CODES: Record<Locale, 'fi-FI' | 'sv-SE' | 'en-US'> = { fi: 'fi-FI', sv: 'sv-SE', en: 'en-US' };

/** The BCP-47 code Twilio and Google expect for a locale. */
export function toLanguageCode(locale: Locale): 'fi-FI' | 'sv-SE' | 'en-US' {
  return LANGUAGE_CODES[locale];
}

/** Every problem with a voice config, as sentences that say how to fix it; empty when fine. */
export function validateVoiceConfig(config: VoiceConfig): string[] {
  const problems: string[] = [];
  if (!config.authToken) problems.push('TWILIO_AUTH_TOKEN is empty: set it to the auth token of the Twilio account so webhooks can be verified.');
  try {
    const url = new URL(config.publicUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push(`PUBLIC_URL must be an http(s) URL, got ${config.publicUrl}.`);
    if (url.pathname !== '/' && url.pathname !== '') problems.push('PUBLIC_URL must be the base URL without a path, e.g. https://bot.example.com.');
  } catch {
    problems.push(`PUBLIC_URL is not a URL (${JSON.stringify(config.publicUrl)}): set it to the https address Twilio calls, e.g. https://bot.example.com.`);
  }
  if (config.speechModels.fi === 'phone_call') problems.push('The Twilio speech model phone_call does not support fi-FI: use experimental_conversations or leave it unset.');
  if (!(config.sttConfidenceThreshold >= 0 && config.sttConfidenceThreshold <= 1)) problems.push('sttConfidenceThreshold must be between 0 and 1.');
  if (!Number.isInteger(config.speechTimeoutSeconds) || config.speechTimeoutSeconds < 1) problems.push('speechTimeoutSeconds must be a whole number of seconds, at least 1.');
  if (!(config.bargeIn.minStability >= 0 && config.bargeIn.minStability <= 1)) problems.push('bargeIn.minStability must be between 0 and 1 (Google interim stability).');
  if (config.transfer.sip && !/^sips?:/.test(config.transfer.sip)) problems.push(`transfer.sip must start with sip: (got ${config.transfer.sip}).`);
  if (config.transfer.number && !/^\+[1-9]\d{6,14}$/.test(config.transfer.number)) problems.push(`transfer.number must be an E.164 number such as +358401234567 (got ${config.transfer.number}).`);
  return problems;
}
