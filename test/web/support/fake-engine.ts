import { AccessDeniedError, ConversationNotFoundError } from '../../../src/core/errors';
import { createAccessToken, secretsEqual } from '../../../src/core/secrets';
import type { ConversationRecord } from '../../../src/core/conversation';
import type { Clock, Stores } from '../../../src/core/ports';
import type { Reply, TurnResult } from '../../../src/core/reply';
import type { ConversationEngine } from '../../../src/core/services';
import type { Turn } from '../../../src/core/turn';

/**
 * A tiny stand-in for the engine with the same contract: records in the store, transcript, dedupe by
 * client message id, tickets on `human_agent`, a quiet bot while an agent talks, agent events on the bus.
 */
export function createFakeEngine(stores: Stores, clock: Clock, options: { reportTranscriptLength?: boolean } = {}): ConversationEngine & { lastTurns: Turn[] } {
  const lastTurns: Turn[] = [];

  async function update(id: string, change: (record: ConversationRecord) => void): Promise<ConversationRecord> {
    const record = await stores.conversations.get(id);
    if (!record) throw new Error(`no conversation ${id}`);
    change(record);
    record.version += 1;
    record.updatedAt = clock.now();
    await stores.conversations.save(record);
    return record;
  }

  function bot(text: string, extra: Partial<Extract<Reply, { kind: 'message' }>> = {}): Extract<Reply, { kind: 'message' }> {
    return { kind: 'message', text, from: { role: 'bot' }, ...extra };
  }

  const engine: ConversationEngine & { lastTurns: Turn[] } = {
    lastTurns,
    async handleTurn(turn) {
      lastTurns.push(turn);
      return stores.lock.withLock(turn.conversationId, async () => {
        const now = clock.now();
        let record = await stores.conversations.get(turn.conversationId);
        // Like the engine: a token opens only its own conversation, and `existingOnly` creates none.
        if (!record && turn.existingOnly) throw new ConversationNotFoundError(turn.conversationId);
        if (record && turn.accessToken !== undefined && (!record.accessToken || !turn.accessToken || !secretsEqual(record.accessToken, turn.accessToken))) {
          throw new AccessDeniedError('This conversation needs its access token.', turn.conversationId);
        }
        let created = false;
        if (!record) {
          // Like the engine: a new conversation gets its access token, handed out when the turn asks for it.
          record = {
            id: turn.conversationId, version: 0, createdAt: now, updatedAt: now, channel: turn.channel, locale: turn.locale ?? 'fi',
            status: 'active', snapshot: null, state: 'main.start', slots: {}, transcript: [], processed: [], misunderstood: 0,
            accessToken: createAccessToken(),
          };
          created = turn.accessToken !== undefined;
        }
        const seen = record.processed.find((p) => p.clientMessageId === turn.clientMessageId);
        if (turn.clientMessageId && seen) return { ...seen.result, duplicate: true, ...(options.reportTranscriptLength ? { transcriptLength: record.transcript.length } : {}) };
        const replies: Reply[] = [];
        const input = turn.input;
        const said = input.kind === 'text' ? input.text : input.kind === 'payload' ? (input.text ?? input.payload) : '';
        if (input.kind !== 'start') record.transcript.push({ at: now, from: 'customer', text: said });
        if (record.status === 'agent') {
          // The bot stays quiet while a human talks.
        } else if (input.kind === 'start') {
          replies.push(bot('Hei! Olen Aspa. Miten voin auttaa?', { quickReplies: [{ label: 'Aukioloajat', payload: 'faq.opening_hours' }, { label: 'Puhu ihmiselle', payload: 'human_agent' }] }));
        } else if (input.kind === 'payload' && input.payload === 'human_agent') {
          const id = await stores.tickets.nextId();
          await stores.tickets.create({
            id, conversationId: record.id, createdAt: now, channel: record.channel, locale: record.locale, reason: 'customer_request',
            priority: 'normal', queue: 'general', dueAt: now + 4 * 3600_000, contact: {}, summary: `Asiakas pyysi ihmistä. ${said}`,
            slots: {}, transcript: [...record.transcript], history: [], status: 'open',
          });
          record.status = 'handoff';
          record.ticketId = id;
          replies.push(bot(`Välitin asiasi asiakaspalvelijalle. Tikettisi on ${id}.`));
          replies.push({ kind: 'handoff', ticketId: id, queue: 'general', priority: 'normal', reason: 'customer_request', agentsAvailable: true });
        } else if (input.kind === 'payload' && /^[1-5]$/.test(input.payload) && record.state === 'main.survey') {
          replies.push(bot('Kiitos arviostasi!'));
          replies.push({ kind: 'end', outcome: 'resolved' });
          record.status = 'ended';
        } else if (/auki/i.test(said)) {
          replies.push(bot('Asiakaspalvelumme on auki arkisin klo 8–18.', { links: [{ title: 'Yhteystiedot', url: 'https://example.com/yhteystiedot' }, { title: 'bad', url: 'javascript:alert(1)' }] }));
        } else {
          replies.push(bot(`Sanoit: ${said}`));
        }
        for (const reply of replies) if (reply.kind === 'message') record.transcript.push({ at: now, from: 'bot', text: reply.text });
        const result: TurnResult = { conversationId: record.id, replies, locale: record.locale, state: record.state, ended: record.status === 'ended', ...(record.ticketId ? { ticketId: record.ticketId } : {}) };
        if (turn.clientMessageId) record.processed.push({ clientMessageId: turn.clientMessageId, result });
        record.version += 1;
        record.updatedAt = now;
        await stores.conversations.save(record);
        const withToken = created ? { ...result, accessToken: record.accessToken } : result;
        return options.reportTranscriptLength ? { ...withToken, transcriptLength: record.transcript.length } : withToken;
      });
    },
    getConversation: (id) => stores.conversations.get(id),
    async agentJoin(id, agentName) {
      await stores.lock.withLock(id, () => update(id, (r) => { r.status = 'agent'; r.agentName = agentName; r.transcript.push({ at: clock.now(), from: 'system', text: `${agentName} joined` }); }));
      await stores.bus.publish({ conversationId: id, event: 'agent_joined', agentName, replies: [], at: clock.now() });
    },
    async agentSay(id, agentName, text) {
      const reply: Reply = { kind: 'message', text, from: { role: 'agent', name: agentName } };
      await stores.lock.withLock(id, () => update(id, (r) => { r.transcript.push({ at: clock.now(), from: 'agent', text, agentName }); }));
      await stores.bus.publish({ conversationId: id, event: 'agent_message', agentName, replies: [reply], at: clock.now() });
      return reply;
    },
    async releaseToBot(id, agentName) {
      const survey = bot('Miten onnistuimme? Arvioi 1–5.', { quickReplies: ['1', '2', '3', '4', '5'].map((n) => ({ label: n, payload: n })) });
      const record = await stores.lock.withLock(id, () => update(id, (r) => { r.status = 'active'; delete r.agentName; r.state = 'main.survey'; r.transcript.push({ at: clock.now(), from: 'bot', text: survey.text }); }));
      await stores.bus.publish({ conversationId: id, event: 'agent_left', agentName, replies: [survey], at: clock.now() });
      return { conversationId: id, replies: [survey], locale: record.locale, state: record.state, ended: false };
    },
    async agentClose(id, agentName) {
      await stores.lock.withLock(id, () => update(id, (r) => { r.status = 'ended'; }));
      await stores.bus.publish({ conversationId: id, event: 'closed', agentName, replies: [], at: clock.now() });
    },
  };
  return engine;
}
