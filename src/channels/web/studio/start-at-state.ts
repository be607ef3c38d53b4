import type { BotVersionRegistry } from '../../../core/bot-versions';
import type { ConversationLock, ConversationStore } from '../../../core/ports';
import type { ConversationEngine } from '../../../core/services';
import type { Slots } from '../../../core/ticket';
import type { ChannelKind, Locale } from '../../../core/turn';
import type { FlowFile } from '../../../flows/flow-schema';
import { renderMessage } from '../../../i18n/render-message';
import { MessageEditError } from './locale-file-edit';

export interface StartAtState {
  conversationId: string;
  locale: Locale;
  channel: ChannelKind;
  /** `flow.state` */
  state: string;
  slots: Slots;
}

/** The parts of the engine's persisted dialog snapshot that say where the dialog is (see engine.ts moveToVersion). */
interface DialogSnapshotShape {
  value?: unknown;
  context?: { slots?: Slots; stack?: string[]; retries?: number; confirming?: unknown; pendingEntities?: unknown; topicLine?: unknown } & Record<string, unknown>;
}

/**
 * Starts a studio try-it conversation at a chosen state with chosen slot values, for designers only (the studio's
 * API, conversations named studio-*): the conversation is started as usual, then its dialog snapshot is moved to
 * the state, the way the engine moves a conversation between bot versions (the snapshot's value is the state, the
 * slots are in its context), and saved as the next version of the record so no cached actor of the old one is used.
 * A subflow's state gets the flow's first caller on its return stack, so `return` goes back where the flow is used.
 * The state's entry is not run again: the reply is its question (or messages) rendered with the slots.
 */
export async function startConversationAt(
  deps: { engine: ConversationEngine; conversations: ConversationStore; lock: ConversationLock; versions: BotVersionRegistry; flows: FlowFile[]; ttlMs: number; now: () => number },
  request: StartAtState,
): Promise<{ state: string; slots: Slots; replies: { kind: 'message'; key: string; text: string; voice?: string }[] }> {
  const [flowId, stateId] = request.state.split('.');
  const flow = deps.flows.find((candidate) => candidate.id === flowId);
  const state = flow?.states[stateId ?? ''];
  if (!flow || !state || !deps.versions.current().bot.states.includes(request.state)) {
    throw new MessageEditError('unknown_state', `There is no state ${request.state} in the bot serving now: give flow.state, e.g. order.ask_number.`);
  }
  // A restored snapshot does not run the state's entry again: only a state that waits for the customer can go on from there.
  if (!state.ask && !state.survey) throw new MessageEditError('not_a_waiting_state', `${request.state} does not wait for the customer: start at a state with ask: or survey:.`);
  await deps.engine.handleTurn({ conversationId: request.conversationId, channel: request.channel, locale: request.locale, input: { kind: 'start' }, ...(request.channel === 'voice' ? { customer: { phone: '+358401234567' } } : {}) } as Parameters<ConversationEngine['handleTurn']>[0]);
  const caller = flowId === 'main' ? undefined : deps.flows.flatMap((other) => Object.entries(other.states).filter(([, candidate]) => candidate.flow === flowId).map(([id]) => `${other.id}.${id}`))[0];
  const moved = await deps.lock.withLock(request.conversationId, async () => {
    const record = await deps.conversations.get(request.conversationId);
    const snapshot = record?.snapshot as DialogSnapshotShape | undefined;
    if (!record || !snapshot?.context) throw new MessageEditError('not_started', 'The conversation could not be started; try again.');
    const slots = { ...(snapshot.context.slots ?? {}), ...request.slots };
    record.snapshot = {
      ...snapshot,
      value: { [flowId]: stateId },
      context: { ...snapshot.context, slots, stack: caller ? [caller] : [], retries: 0, confirming: undefined, pendingEntities: undefined, topicLine: undefined },
    };
    record.state = request.state;
    record.slots = { ...record.slots, ...request.slots };
    // What the conversation waits for is read again from the snapshot at its new state.
    record.waiting = undefined;
    record.version += 1;
    record.updatedAt = deps.now();
    await deps.conversations.save(record, { ttlMs: deps.ttlMs });
    return { record, slots };
  });
  const catalog = deps.versions.get(moved.record.botVersion ?? '')?.catalog ?? deps.versions.current().catalog;
  const keys = [...[state.say ?? []].flat(), ...(state.ask ? [state.ask] : [])].filter((key): key is string => typeof key === 'string');
  const replies = keys.flatMap((key) => {
    const template = catalog.get(request.locale, key);
    return template ? [{ kind: 'message' as const, key, ...renderMessage(template, moved.slots, request.locale) }] : [];
  });
  return { state: request.state, slots: moved.slots, replies };
}
