import type { Engine } from '../core/engine';
import { createEngine } from '../core/engine';
import type { Clock, Stores } from '../core/ports';
import type { Reply, ReplyMessage, TurnResult } from '../core/reply';
import type { Turn, TurnInput } from '../core/turn';
import { silentLogger } from '../core/logger';
import { createHandoffService } from '../handoff/create-handoff-service';
import { createMemoryStores } from '../stores/memory/create-memory-stores';
import type { LoadedBot } from '../server/load-bot';
import type { Integration, StateChange } from '../core/engine';
import type { ConversationScript, ExpectedMessage, ScriptStep } from './conversation-script';

/** Wednesday 2 December 2026, 10:00 in Helsinki: inside opening hours. */
export const DEFAULT_SCRIPT_TIME = '2026-12-02T10:00:00+02:00';

export interface ScriptResult {
  name: string;
  file: string;
  passed: boolean;
  failures: string[];
  /** The conversation as it happened, for reading a failure. */
  log: string[];
}

export interface ScriptHarness {
  engine: Engine;
  stores: Stores;
  clock: Clock & { advance(ms: number): void };
}

export function createScriptHarness(loaded: LoadedBot, integrations: Record<string, Integration>, startAt: number, onStateChange?: (change: StateChange) => void): ScriptHarness {
  let now = startAt;
  const clock = { now: () => now, advance: (ms: number) => { now += ms; } };
  const stores = createMemoryStores({ clock });
  const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: {} });
  const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, integrations, clock, logger: silentLogger, onStateChange });
  return { engine, stores, clock };
}

function messagesOf(replies: Reply[]): ReplyMessage[] {
  return replies.filter((reply): reply is ReplyMessage => reply.kind === 'message');
}

function matches(expected: ExpectedMessage, message: ReplyMessage): boolean {
  if ('key' in expected && expected.key !== message.key) return false;
  if ('text' in expected) {
    const fragment = expected.text.toLowerCase();
    if (!message.text.toLowerCase().includes(fragment) && !(message.voice ?? '').toLowerCase().includes(fragment)) return false;
  }
  return true;
}

function describe(expected: ExpectedMessage): string {
  return 'key' in expected ? `key ${expected.key}${'text' in expected ? ` with "${expected.text}"` : ''}` : `text "${expected.text}"`;
}

function inputOf(step: ScriptStep): TurnInput | undefined {
  if (step.start) return { kind: 'start' };
  if (step.user !== undefined) return { kind: 'text', text: step.user };
  if (step.speech !== undefined) return { kind: 'text', text: step.speech, sttConfidence: step.confidence ?? 0.9 };
  if (step.payload !== undefined) return { kind: 'payload', payload: step.payload };
  if (step.dtmf !== undefined) return { kind: 'dtmf', digits: step.dtmf };
  if (step.silence) return { kind: 'no_input' };
  return undefined;
}

/** `waiting_tickets`: open tickets of other customers already in the agent queues, as the script says. */
export async function seedWaitingTickets(script: Pick<ConversationScript, 'waiting_tickets'>, harness: ScriptHarness): Promise<void> {
  for (const [queue, count] of Object.entries(script.waiting_tickets ?? {})) {
    for (let index = 0; index < count; index += 1) {
      const now = harness.clock.now();
      await harness.stores.tickets.create({
        id: await harness.stores.tickets.nextId(), conversationId: `waiting-${queue}-${index}`, createdAt: now - (count - index) * 60_000,
        channel: 'web', locale: 'fi', reason: 'customer_request', priority: 'normal', queue, dueAt: now + 3_600_000,
        contact: {}, summary: 'waiting', slots: {}, transcript: [], history: [], status: 'open',
      });
    }
  }
}

/** Replays one scripted conversation through the real engine and checks every expectation. */
export async function runConversationScript(script: ConversationScript, harness: ScriptHarness): Promise<ScriptResult> {
  const failures: string[] = [];
  const log: string[] = [];
  const conversationId = `test-${script.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60)}`;
  await seedWaitingTickets(script, harness);
  let index = 0;
  for (const step of script.steps) {
    index += 1;
    const where = `step ${index}`;
    if (step.wait_minutes) harness.clock.advance(step.wait_minutes * 60_000);
    harness.clock.advance(1000);
    const input = inputOf(step);
    if (!input) {
      failures.push(`${where}: says nothing (use start, user, payload, speech, silence or dtmf)`);
      continue;
    }
    const turn: Turn = {
      conversationId,
      channel: script.channel === 'voice' ? 'voice' : script.channel === 'api' ? 'api' : 'web',
      input,
      // A later step's `locale` is what the bot must have switched to, not a hint the client sends.
      locale: index === 1 ? script.locale : undefined,
      customer: script.customer,
      clientMessageId: `m${index}`,
    };
    log.push(`> ${JSON.stringify(input)}`);
    let result: TurnResult;
    try {
      result = await harness.engine.handleTurn(turn);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (step.error && code === step.error) continue;
      failures.push(`${where}: the engine failed: ${(error as Error).message}`);
      break;
    }
    if (step.error) failures.push(`${where}: expected error ${step.error}, but the turn succeeded`);
    const messages = messagesOf(result.replies);
    for (const message of messages) log.push(`< [${message.key ?? message.from?.role}] ${message.text}${message.quickReplies ? `  {${message.quickReplies.map((q) => q.payload).join(', ')}}` : ''}`);
    log.push(`  state=${result.state} locale=${result.locale}${result.ticketId ? ` ticket=${result.ticketId}` : ''}${result.ended ? ' ended' : ''}`);

    let position = 0;
    for (const expected of step.bot ?? []) {
      const found = messages.findIndex((message, at) => at >= position && matches(expected, message));
      if (found === -1) failures.push(`${where}: expected the bot to say ${describe(expected)}; it said: ${messages.map((m) => `[${m.key}] ${m.text}`).join(' | ') || 'nothing'}`);
      // Several expectations may match one message (its key and a fragment of its text).
      else position = found;
    }
    for (const unexpected of step.not_bot ?? []) {
      if (messages.some((message) => matches(unexpected, message))) failures.push(`${where}: the bot must not say ${describe(unexpected)}`);
    }
    if (step.state && result.state !== step.state) failures.push(`${where}: expected state ${step.state}, got ${result.state}`);
    if (step.locale && index > 1 && result.locale !== step.locale) failures.push(`${where}: expected locale ${step.locale}, got ${result.locale}`);
    if (step.ended !== undefined && result.ended !== step.ended) failures.push(`${where}: expected ended=${step.ended}, got ${result.ended}`);
    failures.push(...(await checkIntentAndTicket(step, where, harness, conversationId, result.replies)));
  }
  return { name: script.name, file: script.file, passed: failures.length === 0, failures, log };
}

/**
 * The expectations every channel's script checks the same way: the NLU's reading of the customer's last line and the
 * ticket a step created (from the step's replies). Returns the failures.
 */
export async function checkIntentAndTicket(step: ScriptStep, where: string, harness: ScriptHarness, conversationId: string, replies: Reply[]): Promise<string[]> {
  const failures: string[] = [];
  if (step.intent) {
    const record = await harness.engine.getConversation(conversationId);
    const line = [...(record?.transcript ?? [])].reverse().find((entry) => entry.from === 'customer');
    if (line?.intent !== step.intent) failures.push(`${where}: expected intent ${step.intent}, got ${line?.intent ?? 'none'} (confidence ${line?.confidence ?? '-'})`);
  }
  if (step.ticket !== undefined) {
    const handoff = replies.find((reply) => reply.kind === 'handoff');
    if (step.ticket === false) {
      if (handoff) failures.push(`${where}: no ticket expected, got ${handoff.ticketId}`);
    } else if (!handoff) {
      failures.push(`${where}: expected a ticket to be created`);
    } else if (step.ticket !== true) {
      const ticket = await harness.stores.tickets.get(handoff.ticketId);
      for (const [field, value] of Object.entries(step.ticket)) {
        const actual = (ticket as unknown as Record<string, unknown> | undefined)?.[field];
        if (actual !== value) failures.push(`${where}: expected ticket ${field}=${value}, got ${String(actual)}`);
      }
    }
  }
  return failures;
}
