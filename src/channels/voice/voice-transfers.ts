import type { ReplyHandoff } from '../../core/reply';
import type { CallState } from './call-state';
import { toSpeechSafeText } from './speech-safe-text';
import type { VoiceDialogDeps } from './voice-dialog';

/**
 * What decides a handoff on the phone: whether a person can take the call now, the line the answering agent
 * hears first (the whisper), and turning the ticket into a callback request when nobody can.
 */
export function createVoiceTransfers(deps: VoiceDialogDeps) {
  const { engine, config, messages, logger } = deps;

  /** A person can take this call now: a target is configured, and the engine found agents in opening hours (emergencies: the on-call line, any hour). */
  function canTransfer(handoff: ReplyHandoff): boolean {
    const transfer = config.transfer;
    if (handoff.reason === 'emergency' && transfer.emergencyNumber) return true;
    return handoff.agentsAvailable && Boolean(transfer.number || transfer.sip || transfer.enqueue);
  }

  /**
   * The ticket of a call nobody can take becomes a callback request to the number the caller rang from (or gave).
   * Returns that number; `undefined` when none is known (a withheld number), and the ticket then says so instead.
   */
  async function markCallback(state: CallState, handoff: ReplyHandoff): Promise<string | undefined> {
    if (!deps.tickets) return state.from;
    try {
      const ticket = await deps.tickets.get(handoff.ticketId);
      if (!ticket) return state.from;
      const phone = state.from ?? ticket.contact.phone;
      // In Finnish like the rest of the summary (the agents' language), on a line of its own above it.
      const note = phone ? messages('voice.no_agent_ticket_note', 'fi', { phone }) : messages('voice.no_agent_no_number_note', 'fi');
      await deps.tickets.update({
        ...ticket,
        ...(phone ? { reason: 'callback' as const } : {}),
        summary: ticket.summary.startsWith(note) ? ticket.summary : `${note}\n${ticket.summary}`.trim(),
        contact: { ...ticket.contact, ...(phone && !ticket.contact.phone ? { phone } : {}) },
      });
      return phone;
    } catch (error) {
      logger.warn('voice.ticket.callback_update_failed', { callSid: state.callSid, ticketId: handoff.ticketId, err: (error as Error).message });
      return state.from;
    }
  }

  /** The agent's whisper: ticket id read out, the topic in words, and what the caller last said. */
  async function whisperFor(handoff: ReplyHandoff, state: CallState): Promise<string> {
    const locale = state.locale;
    let topic: string | undefined;
    try {
      const intent = (await engine.getConversation(state.conversationId))?.topicIntent;
      topic = intent ? deps.lookup?.(`intents.${intent}`, locale) ?? intent.replace(/_/g, ' ') : undefined;
    } catch {
      topic = undefined;
    }
    const heard = state.lastHeard ? messages('voice.whisper_heard', locale, { text: state.lastHeard.slice(0, 120) }) : '';
    return messages('voice.whisper', locale, {
      ticketId: toSpeechSafeText(handoff.ticketId, locale),
      topic: topic ?? handoff.queue,
      heard,
    }).trim();
  }

  return { canTransfer, markCallback, whisperFor };
}
