import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import twilio from 'twilio';
import type { ReplyMessage, TurnResult } from '../../core/reply';
import type { ConversationEngine } from '../../core/services';
import type { ConversationScript, ExpectedMessage, ScriptStep } from '../../testing/conversation-script';
import { checkIntentAndTicket, type ScriptHarness, type ScriptResult } from '../../testing/run-conversation-script';
import { createVoiceChannel } from './voice-channel';
import { defaultVoiceConfig, type VoiceConfig } from './voice-config';
import { toSpeechSafeText } from './speech-safe-text';
import { DEFAULT_VOICE_MESSAGES, type MessageLookup, type VoiceMessageKey } from './voice-messages';
import type { VoiceTransferConfig } from './voice-config';

const SCRIPT_TOKEN = 'voice-script-auth-token';
const SCRIPT_URL = 'https://voice.script.test';

/** What a voice script run leaves behind for further checks (the ticket, the transfer target). */
export interface VoiceScriptResult extends ScriptResult {
  callSid: string;
  conversationId: string;
  /** The TwiML answered at each step, in order. */
  twiml: string[];
  /** Every engine turn result, in order. */
  results: TurnResult[];
}

/** Transfer targets a script can pick with `voice: { transfer }`; emergencies always have the on-call line. */
const TRANSFER_TARGETS: Record<'number' | 'sip' | 'queue' | 'none', VoiceTransferConfig> = {
  number: { number: '+358290000000', emergencyNumber: '+358290000112' },
  sip: { sip: 'sip:asiakaspalvelu@pbx.example.com', emergencyNumber: '+358290000112' },
  queue: { enqueue: true, workflowSid: `WW${'0'.repeat(32)}`, emergencyNumber: '+358290000112' },
  none: {},
};

/** What the agent who answers receives with the call: the whisper they hear, the SIP headers or the task attributes. */
async function agentReceives(twiml: string, post: (path: string, params: Record<string, string>) => Promise<string>): Promise<{ kind: string; text: string; ticketId?: string }> {
  const unescape = (value: string) => value.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const whisperOf = async (attributes: string) => {
    const url = /url="([^"]+)"/.exec(attributes)?.[1];
    if (!url) return '';
    const parsed = new URL(unescape(url));
    return says(await post(parsed.pathname + parsed.search, { CallSid: `CA${'f'.repeat(32)}`, AccountSid: `AC${'0'.repeat(32)}` })).join(' ');
  };
  const sip = /<Sip([^>]*)>([^<]*)<\/Sip>/.exec(twiml);
  if (sip) {
    const uri = unescape(sip[2]);
    return { kind: 'sip', text: `${uri} ${await whisperOf(sip[1])}`, ticketId: /X-Ticket-Id=([^&]+)/.exec(uri)?.[1] };
  }
  const number = /<Number([^>]*)>([^<]*)<\/Number>/.exec(twiml);
  if (number) {
    const text = await whisperOf(number[1]);
    return { kind: 'number', text, ticketId: /([A-Z](?: [A-Z])+), ((?:\d ?)+)/.exec(text)?.slice(1).map((part) => part.replace(/ /g, '')).join('-') };
  }
  const task = /<Task[^>]*>([^<]*)<\/Task>/.exec(twiml);
  if (task) {
    const attributes = JSON.parse(unescape(task[1])) as { ticketId?: string };
    return { kind: 'queue', text: unescape(task[1]), ticketId: attributes.ticketId };
  }
  if (/<Enqueue/.test(twiml)) return { kind: 'queue', text: '' };
  return { kind: 'none', text: '' };
}

/** The call id a script uses: stable per script name, so reruns are identical. */
export function scriptCallSid(name: string): string {
  return `CA${createHash('sha1').update(name).digest('hex').slice(0, 32)}`;
}

function says(twiml: string): string[] {
  return [...twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((match) =>
    match[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'));
}

/** The `call:` expectations of a step: listening, the transfer kind, the ticket as the agent receives it, no repeated line. */
async function checkCall(
  expected: NonNullable<ScriptStep['call']>,
  where: string,
  twiml: string,
  spoken: string[],
  post: (path: string, params: Record<string, string>) => Promise<string>,
  harness: ScriptHarness,
  conversationId: string,
  log: string[],
): Promise<string[]> {
  const failures: string[] = [];
  const listens = /<Gather/.test(twiml);
  if (expected.listens !== undefined && listens !== expected.listens) failures.push(`${where}: expected the call ${expected.listens ? 'to listen' : 'not to listen'} again`);
  const agent = await agentReceives(twiml, post);
  if (agent.kind !== 'none') log.push(`  agent gets (${agent.kind}): ${agent.text}`);
  if (expected.transfer && agent.kind !== expected.transfer) failures.push(`${where}: expected a ${expected.transfer} transfer, got ${agent.kind}`);
  if (agent.kind !== 'none') {
    const ticketId = (await harness.engine.getConversation(conversationId))?.ticketId;
    if (!ticketId || agent.ticketId !== ticketId) failures.push(`${where}: the agent does not get the ticket id ${ticketId ?? '(none)'} (got ${agent.ticketId ?? 'nothing'})`);
  }
  if (expected.agent_gets && !agent.text.toLowerCase().includes(expected.agent_gets.toLowerCase())) failures.push(`${where}: the agent should get "${expected.agent_gets}"; got: ${agent.text || 'nothing'}`);
  for (const text of expected.not_heard ?? []) {
    if (spoken.join(' ').toLowerCase().includes(text.toLowerCase())) failures.push(`${where}: the caller must not hear "${text}" as written: ${spoken.join(' | ')}`);
  }
  if (expected.said_once) {
    const heard = spoken.join(' ').toLowerCase();
    const count = heard.split(expected.said_once.toLowerCase()).length - 1;
    if (count !== 1) failures.push(`${where}: "${expected.said_once}" should be heard once, heard ${count} times: ${spoken.join(' | ')}`);
  }
  return failures;
}

/** The template text before its first placeholder: enough to recognise a channel prompt in what was said. */
function voicePromptStem(key: string, locale: ConversationScript['locale']): string | undefined {
  const template = DEFAULT_VOICE_MESSAGES[locale][key as VoiceMessageKey];
  return template?.split('{')[0].trim().toLowerCase() || undefined;
}

/**
 * Replays a scripted phone call (`channel: voice`) through the voice channel: every step is a signed
 * Twilio webhook (incoming call, Gather results with speech + confidence, DTMF, silence) against the real
 * HTTP router, so the call runs exactly as Twilio would drive it. Expectations use the same fields as chat
 * scripts: `key` matches the engine's message keys or the channel's own `voice.*` prompts, `text` matches
 * what was spoken (or the engine's text); `barge_in` checks the caller could interrupt the previous prompt.
 */
export async function runVoiceConversationScript(
  script: ConversationScript,
  harness: ScriptHarness,
  overrides: Partial<VoiceConfig> = {},
  options: { messages?: MessageLookup } = {},
): Promise<VoiceScriptResult> {
  const results: TurnResult[] = [];
  const engine = harness.engine;
  const spy: ConversationEngine = {
    handleTurn: async (turn) => {
      const result = await engine.handleTurn(turn);
      results.push(result);
      return result;
    },
    getConversation: (id) => engine.getConversation(id),
    agentJoin: (id, name) => engine.agentJoin(id, name),
    agentSay: (id, name, text) => engine.agentSay(id, name, text),
    releaseToBot: (id, name) => engine.releaseToBot(id, name),
    agentClose: (id, name) => engine.agentClose(id, name),
    recordChannelSpeech: async (id, speech) => engine.recordChannelSpeech?.(id, speech),
  };
  const config: VoiceConfig = {
    ...defaultVoiceConfig, authToken: SCRIPT_TOKEN, publicUrl: SCRIPT_URL, defaultLocale: script.locale,
    transfer: { number: '+358290000000' }, ...overrides,
    ...(script.voice?.transfer ? { transfer: TRANSFER_TARGETS[script.voice.transfer] } : {}),
    ...(script.voice?.barge_in === false ? { bargeIn: { ...defaultVoiceConfig.bargeIn, enabled: false } } : {}),
  };
  const channel = createVoiceChannel({
    engine: spy, config, clock: harness.clock, customers: harness.stores.customers, tickets: harness.stores.tickets, messages: options.messages,
  });
  const app = express();
  app.use('/voice', channel.router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const callSid = scriptCallSid(script.name);
  const from = script.customer?.phone ?? '+358500000000';
  const failures: string[] = [];
  const log: string[] = [];
  const twimls: string[] = [];
  let actionPath = '';

  const post = async (path: string, params: Record<string, string>): Promise<string> => {
    const signature = twilio.getExpectedTwilioSignature(SCRIPT_TOKEN, SCRIPT_URL + path, params);
    const response = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`POST ${path} answered ${response.status}: ${body}`);
    return body;
  };

  const paramsFor = (step: ScriptStep): Record<string, string> | undefined => {
    const common = { CallSid: callSid, From: from, AccountSid: `AC${'0'.repeat(32)}` };
    if (step.speech !== undefined || step.user !== undefined) {
      return { ...common, SpeechResult: step.speech ?? step.user ?? '', Confidence: String(step.confidence ?? 0.9) };
    }
    if (step.dtmf !== undefined) return { ...common, Digits: step.dtmf };
    if (step.silence) return { ...common };
    return undefined;
  };

  try {
    let index = 0;
    for (const step of script.steps) {
      index += 1;
      const where = `step ${index}`;
      if (step.wait_minutes) harness.clock.advance(step.wait_minutes * 60_000);
      harness.clock.advance(1000);
      const before = results.length;
      const previous = twimls[twimls.length - 1] ?? '';
      let twiml: string;
      if (step.start) {
        twiml = await post('/voice/incoming', { CallSid: callSid, From: from, To: '+358290000001', CallStatus: 'ringing' });
        log.push('> call');
      } else {
        const params = paramsFor(step);
        if (!params) {
          failures.push(`${where}: a phone call step needs speech, silence, dtmf or start`);
          continue;
        }
        if (!actionPath) {
          failures.push(`${where}: the call is not listening (the previous step hung up or transferred)`);
          break;
        }
        // Barge-in: the previous prompt was inside a Gather that lets speech cut it (lines outside it must be heard in full).
        if (step.barge_in && !/<Gather[^>]*bargeIn="true"[^>]*>\s*<(Say|Play)/.test(previous)) failures.push(`${where}: the caller could not interrupt the previous prompt (no barge-in)`);
        twiml = await post(actionPath, params);
        log.push(`> ${JSON.stringify(params.SpeechResult !== undefined ? { speech: params.SpeechResult, confidence: params.Confidence } : params.Digits ? { dtmf: params.Digits } : { silence: true })}`);
      }
      twimls.push(twiml);
      const action = /<Gather[^>]*action="([^"]+)"/.exec(twiml)?.[1]?.replace(/&amp;/g, '&');
      actionPath = action ? new URL(action).pathname + new URL(action).search : '';
      const spoken = says(twiml);
      const stepResults = results.slice(before);
      const messages = stepResults.flatMap((result) => result.replies.filter((reply): reply is ReplyMessage => reply.kind === 'message'));
      for (const line of spoken) log.push(`< ${line}`);
      const last = stepResults[stepResults.length - 1];
      if (last) log.push(`  state=${last.state} locale=${last.locale}${last.ticketId ? ` ticket=${last.ticketId}` : ''}${last.ended ? ' ended' : ''}`);
      if (/<Dial|<Enqueue/.test(twiml)) log.push(`  transfer: ${/<(Number|Sip|Enqueue)[^>]*>([^<]*)</.exec(twiml)?.[2] ?? ''}`);

      const heard = spoken.join(' ').toLowerCase();
      const matches = (expected: ExpectedMessage): boolean => {
        // A key counts when the caller heard that message, not merely when the engine produced it.
        const keyOk = !('key' in expected)
          || messages.some((message) => message.key === expected.key
            && heard.includes(toSpeechSafeText(message.voice ?? message.text, last?.locale ?? script.locale).toLowerCase().slice(0, 40)))
          || (expected.key.startsWith('voice.') && Boolean(voicePromptStem(expected.key, last?.locale ?? script.locale)) && heard.includes(voicePromptStem(expected.key, last?.locale ?? script.locale) as string));
        const textOk = !('text' in expected)
          || heard.includes(expected.text.toLowerCase())
          || messages.some((message) => `${message.text} ${message.voice ?? ''}`.toLowerCase().includes(expected.text.toLowerCase()));
        return keyOk && textOk;
      };
      for (const expected of step.bot ?? []) {
        if (!matches(expected)) failures.push(`${where}: expected the caller to hear ${JSON.stringify(expected)}; heard: ${spoken.join(' | ') || 'nothing'}`);
      }
      for (const unexpected of step.not_bot ?? []) {
        if (matches(unexpected)) failures.push(`${where}: the caller must not hear ${JSON.stringify(unexpected)}`);
      }
      if (step.state && last?.state !== step.state) failures.push(`${where}: expected state ${step.state}, got ${last?.state ?? 'no turn'}`);
      if (step.locale && index > 1 && last && last.locale !== step.locale) failures.push(`${where}: expected locale ${step.locale}, got ${last.locale}`);
      const hungUp = /<Hangup\/>/.test(twiml);
      if (step.ended !== undefined && (hungUp || Boolean(last?.ended)) !== step.ended) failures.push(`${where}: expected ended=${step.ended}, the call ${hungUp ? 'hung up' : 'goes on'}`);
      failures.push(...(await checkIntentAndTicket(step, where, harness, `voice-${callSid}`, stepResults.flatMap((result) => result.replies))));
      if (step.call) failures.push(...(await checkCall(step.call, where, twiml, spoken, post, harness, `voice-${callSid}`, log)));
    }
  } catch (error) {
    failures.push(`the call failed: ${(error as Error).message}`);
  } finally {
    await channel.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return {
    name: script.name, file: script.file, passed: failures.length === 0, failures, log,
    callSid, conversationId: `voice-${callSid}`, twiml: twimls, results,
  };
}
