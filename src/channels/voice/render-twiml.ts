import twilio from 'twilio';
import type { CallState } from './call-state';
import { toLanguageCode, type VoiceConfig } from './voice-config';
import type { VoicePlan } from './voice-dialog';
import type { VoiceMessages } from './voice-messages';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type SayAttributes = Parameters<VoiceResponse['say']>[0];
type SayVoice = Exclude<SayAttributes, undefined>['voice'];

/** Twilio allows at most 500 hints of up to 100 characters each. */
const MAX_HINTS = 500;

export interface RenderContext {
  config: VoiceConfig;
  state: CallState;
  messages: VoiceMessages;
  /** Stream mode with text-to-speech: prompts are played over the Media Stream (so they can be cut), not by `<Say>`. */
  streamPrompts?: boolean;
}

/** Absolute URL under the public base; query values are ASCII ids only, so signatures stay verifiable. */
export function publicUrl(config: VoiceConfig, path: string, query: Record<string, string | number> = {}): string {
  const base = config.publicUrl.replace(/\/+$/, '');
  const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)])).toString();
  return `${base}${path}${search ? `?${search}` : ''}`;
}

/** The `wss://` address of the Media Streams endpoint. */
export function streamUrl(config: VoiceConfig): string {
  return publicUrl(config, '/voice/stream').replace(/^http/, 'ws');
}

/**
 * Renders a voice plan as TwiML. Gather mode nests the prompts inside `<Gather>` so the caller can
 * interrupt them (barge-in); stream mode speaks, then reconnects the Media Stream for the next utterance.
 */
export function renderTwiml(plan: VoicePlan, context: RenderContext): string {
  const { config, state } = context;
  const response = new twilio.twiml.VoiceResponse();
  const language = toLanguageCode(plan.locale);
  const voice = config.voices[plan.locale] as SayVoice;
  const query = { c: state.callSid, t: state.step };

  const speak = (target: { say: VoiceResponse['say']; play: VoiceResponse['play'] }, items = plan.spoken) => {
    for (const item of items) {
      if ('play' in item) target.play.call(target, {}, item.play);
      else if (item.say) target.say.call(target, { language, voice }, item.say);
    }
  };

  const next = plan.next;
  if (next.kind === 'listen' && config.mode === 'gather') {
    // What must be heard in full plays before the Gather (Twilio ignores speech then); the rest can be interrupted.
    const lastFixed = plan.spoken.map((item) => item.bargeIn === false).lastIndexOf(true);
    speak(response, plan.spoken.slice(0, lastFixed + 1));
    const model = config.speechModels[plan.locale];
    const hints = dedupe(next.hints).filter((hint) => hint.length <= 100).slice(0, MAX_HINTS);
    const gather = response.gather({
      input: ['speech', 'dtmf'],
      language,
      // Twilio rejects `auto` together with an explicit model; whole seconds work with every model.
      speechTimeout: model ? String(config.speechTimeoutSeconds) : 'auto',
      ...(model ? { speechModel: model } : {}),
      ...(hints.length > 0 ? { hints: hints.join(', ') } : {}),
      ...(next.maxDigits ? { numDigits: next.maxDigits, finishOnKey: '#' } : {}),
      timeout: config.noInputTimeoutSeconds,
      bargeIn: config.bargeIn.enabled,
      actionOnEmptyResult: true,
      profanityFilter: false,
      action: publicUrl(config, '/voice/gather', query),
      method: 'POST',
      ...(config.partialResults ? { partialResultCallback: publicUrl(config, '/voice/partial', query), partialResultCallbackMethod: 'POST' } : {}),
    });
    speak(gather, plan.spoken.slice(lastFixed + 1));
  } else if (next.kind === 'listen') {
    // With text-to-speech the socket plays the spoken lines itself (see media-stream.ts); audio files stay `<Play>`.
    speak(response, context.streamPrompts ? plan.spoken.filter((item) => 'play' in item) : plan.spoken);
    // If the socket drops, Twilio requests the action and we listen again rather than ending the call.
    const stream = response.connect({ action: publicUrl(config, '/voice/stream-ended', query) }).stream({ url: streamUrl(config) });
    stream.parameter({ name: 'callSid', value: state.callSid });
    stream.parameter({ name: 'step', value: String(state.step) });
  } else if (next.kind === 'transfer') {
    speak(response);
    renderTransfer(response, next, context, language, voice);
  } else {
    speak(response);
    response.hangup();
  }
  return response.toString();
}

function renderTransfer(
  response: VoiceResponse,
  next: Extract<VoicePlan['next'], { kind: 'transfer' }>,
  context: RenderContext,
  language: ReturnType<typeof toLanguageCode>,
  voice: SayVoice,
): void {
  const { config, state, messages } = context;
  const transfer = config.transfer;
  const query = { c: state.callSid, t: state.step };
  const dialAction = publicUrl(config, '/voice/dial-status', query);
  // The agent who answers hears the ticket id and topic first, unless the contact centre turned the whisper off.
  const whisperUrl = transfer.whisper !== false ? publicUrl(config, '/voice/whisper', query) : undefined;
  const emergencyNumber = next.emergency ? transfer.emergencyNumber : undefined;

  if (emergencyNumber || (transfer.number && !transfer.sip && !transfer.enqueue)) {
    const dial = response.dial({ answerOnBridge: true, action: dialAction, ...(transfer.callerId ? { callerId: transfer.callerId } : {}) });
    dial.number(whisperUrl ? { url: whisperUrl } : {}, (emergencyNumber ?? transfer.number) as string);
    return;
  }
  if (transfer.sip) {
    const dial = response.dial({ answerOnBridge: true, action: dialAction, ...(transfer.callerId ? { callerId: transfer.callerId } : {}) });
    dial.sip(whisperUrl ? { url: whisperUrl } : {}, sipWithHeaders(transfer.sip, {
      'X-Ticket-Id': next.ticketId,
      'X-Conversation-Id': state.conversationId,
      'X-Queue': next.queue,
      'X-Locale': state.locale,
    }));
    return;
  }
  if (transfer.enqueue) {
    const enqueueAction = publicUrl(config, '/voice/dial-status', { ...query, ticket: next.ticketId });
    if (transfer.workflowSid) {
      const enqueue = response.enqueue({ workflowSid: transfer.workflowSid, action: enqueueAction });
      enqueue.task({}, JSON.stringify({
        ticketId: next.ticketId, queue: next.queue, conversationId: state.conversationId, locale: state.locale,
        callSid: state.callSid, ...(state.from ? { from: state.from } : {}), ...(state.summary ? { summary: state.summary } : {}),
      }));
    } else {
      response.enqueue({ action: enqueueAction }, next.queue);
    }
    return;
  }
  // No transfer target configured: the ticket stands and the team calls back.
  response.say({ language, voice }, messages('voice.transfer_failed', state.locale, { ticketId: spell(next.ticketId) }));
  response.hangup();
}

/** SIP custom headers ride in the URI query as `X-Name=value`; values are ids, URL-encoded. */
function sipWithHeaders(uri: string, headers: Record<string, string>): string {
  const query = Object.entries(headers)
    .filter(([, value]) => value.length > 0)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
  return query ? `${uri}${uri.includes('?') ? '&' : '?'}${query}` : uri;
}

function spell(ticketId: string): string {
  return ticketId.replace(/^([A-Z]+)-(\d+)$/, (_m, prefix: string, digits: string) => `${prefix.split('').join(' ')}, ${digits.split('').join(' ')}`);
}

function dedupe(values: string[]): string[] {
  return [...new Set(values.map((value) => value.trim()).filter((value) => value.length > 0))];
}

/** TwiML that only speaks a line, for the whisper to the agent. */
export function renderWhisper(text: string, context: RenderContext): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say({ language: toLanguageCode(context.state.locale), voice: context.config.voices[context.state.locale] as SayVoice }, text);
  return response.toString();
}

/** The callback goodbye after a transfer nobody answered, as the caller hears it. */
export function transferFailedLine(context: RenderContext): string {
  return context.messages('voice.transfer_failed', context.state.locale, { ticketId: spell(context.state.ticketId ?? '') });
}

/** TwiML after a transfer attempt: hang up when the agent talked, otherwise a callback goodbye. */
export function renderAfterDial(connected: boolean, context: RenderContext): string {
  const response = new twilio.twiml.VoiceResponse();
  if (!connected) {
    const locale = context.state.locale;
    response.say({ language: toLanguageCode(locale), voice: context.config.voices[locale] as SayVoice }, transferFailedLine(context));
  }
  response.hangup();
  return response.toString();
}

/** A minimal document that sends the call to a URL; used when inline TwiML would be too long. */
export function renderRedirect(url: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.redirect({ method: 'POST' }, url);
  return response.toString();
}
