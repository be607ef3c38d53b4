import type { ConversationRecord } from '../../../src/core/conversation';
import type { Reply, ReplyMessage, TurnResult } from '../../../src/core/reply';
import type { ConversationEngine } from '../../../src/core/services';
import type { Locale, Turn } from '../../../src/core/turn';

const TEXTS: Record<Locale, Record<string, string>> = {
  fi: {
    greeting: 'Hei! Olen Revontulen asiakaspalvelubotti.',
    welcome_back: 'Hei Maija! Soitatko äskeisen chat-keskustelun tilauksesta 12345?',
    how: 'Miten voin auttaa?',
    ask_number: 'Kerrotko tilausnumerosi?',
    status: 'Tilauksesi 12345 on lähetetty. Lisätietoja osoitteesta https://revontuli.fi/tilaukset.',
    anything: 'Voinko auttaa vielä jossain muussa?',
    handoff: 'Yhdistän sinut asiakaspalvelijalle. Asiasi tunnus on {ticketId}.',
    call_112: 'Jos joku on vaarassa, soita heti hätänumeroon yksi yksi kaksi.',
    closed: 'Asiakaspalvelumme on nyt kiinni. Tein takaisinsoittopyynnön, tunnus {ticketId}.',
    bye: 'Mukavaa päivänjatkoa!',
    not_understood: 'Anteeksi, en ymmärtänyt.',
  },
  sv: {
    greeting: 'Hej! Jag är Revontulis kundtjänstbot.', welcome_back: 'Hej Maija!', how: 'Hur kan jag hjälpa till?',
    ask_number: 'Vad är ditt ordernummer?', status: 'Din beställning 12345 har skickats.', anything: 'Kan jag hjälpa till med något annat?',
    handoff: 'Jag kopplar dig till en medarbetare. Ditt ärende har nummer {ticketId}.', call_112: 'Ring 112.', closed: 'Stängt. {ticketId}.',
    bye: 'Ha en trevlig dag!', not_understood: 'Förlåt, jag förstod inte.',
  },
  en: {
    greeting: "Hi! I'm Revontuli's customer service bot.", welcome_back: 'Hi Maija!', how: 'How can I help?',
    ask_number: 'What is your order number?', status: 'Your order 12345 has been shipped.', anything: 'Can I help with anything else?',
    handoff: "I'm connecting you to a person. Your reference is {ticketId}.", call_112: 'Call 112.', closed: 'Closed. {ticketId}.',
    bye: 'Have a nice day!', not_understood: "Sorry, I didn't get that.",
  },
};

export interface FakeEngineOptions {
  locale?: Locale;
  agentsAvailable?: boolean;
  /** Phone numbers that chatted on the web earlier. */
  knownPhones?: string[];
  /** The greeting must be heard in full (as a flow state with `barge_in: false` marks it). */
  fixedGreeting?: boolean;
}

/**
 * A scripted stand-in for the engine: greeting → order status (by number) → handoff, plus emergency,
 * goodbye and the recognition of a known phone number. It dedupes by client message id like the real one.
 */
export function createFakeEngine(options: FakeEngineOptions = {}) {
  const turns: Turn[] = [];
  const processed = new Map<string, TurnResult>();
  const states = new Map<string, { locale: Locale; state: string; tickets: number }>();
  let ticketCounter = 0;

  const message = (locale: Locale, key: string, vars: Record<string, string> = {}, quickReplies?: { label: string; payload: string }[]): Reply => ({
    kind: 'message', key: `fake.${key}`, text: TEXTS[locale][key].replace(/\{(\w+)\}/g, (_m, name: string) => vars[name] ?? ''),
    ...(quickReplies ? { quickReplies } : {}),
  });
  const menuReplies = [{ label: 'Tilauksen tila', payload: 'order_status' }, { label: 'Laskussa on virhe', payload: 'billing_dispute' }];

  const engine: ConversationEngine & { turns: Turn[] } = {
    turns,
    async handleTurn(turn) {
      if (turn.clientMessageId && processed.has(turn.clientMessageId)) return { ...processed.get(turn.clientMessageId)!, duplicate: true };
      turns.push(turn);
      const conversation = states.get(turn.conversationId) ?? { locale: options.locale ?? 'fi', state: 'menu', tickets: 0 };
      states.set(turn.conversationId, conversation);
      const locale = conversation.locale;
      const replies: Reply[] = [];
      let ended = false;
      let ticketId: string | undefined;
      const input = turn.input;
      const text = input.kind === 'text' ? input.text.toLowerCase() : input.kind === 'payload' ? input.payload : input.kind === 'dtmf' ? input.digits : '';
      const handoff = (reason: 'customer_request' | 'emergency', queue: string) => {
        ticketCounter += 1;
        ticketId = `ASPA-${String(ticketCounter).padStart(6, '0')}`;
        const available = reason === 'emergency' || options.agentsAvailable !== false;
        if (reason === 'emergency') replies.push(message(locale, 'call_112'));
        replies.push({ kind: 'handoff', ticketId, queue, priority: reason === 'emergency' ? 'urgent' : 'normal', reason, agentsAvailable: available });
        replies.push(message(locale, available ? 'handoff' : 'closed', { ticketId }));
        conversation.state = 'wait_agent';
        if (!available) ended = true;
      };

      if (input.kind === 'start') {
        const known = turn.customer?.phone && options.knownPhones?.includes(turn.customer.phone);
        const greeting = message(locale, known ? 'welcome_back' : 'greeting');
        replies.push(options.fixedGreeting ? { ...(greeting as ReplyMessage), bargeIn: false } : greeting);
        if (!known) replies.push(message(locale, 'how', {}, menuReplies));
        replies.push({ kind: 'listen', expectedIntents: ['order_status', 'billing_dispute'], hints: ['tilaus', 'lasku', 'asiakaspalvelija'] });
        conversation.state = 'menu';
      } else if (/ihmi|human_agent|asiakaspalvelija|person|människa/.test(text)) {
        handoff('customer_request', 'general');
      } else if (/hätä|emergency|kipinö/.test(text)) {
        handoff('emergency', 'technical');
      } else if (/\d{5}/.test(text.replace(/\s/g, ''))) {
        replies.push(message(locale, 'status'), message(locale, 'anything', {}, menuReplies));
        replies.push({ kind: 'listen', expectedIntents: ['order_status', 'goodbye'], hints: ['ei muuta'] });
        conversation.state = 'anything_else';
      } else if (/tilau|order|beställ|order_status/.test(text)) {
        replies.push(message(locale, 'ask_number'));
        replies.push({ kind: 'listen', expectedIntents: [], expectedEntity: 'order_number', hints: [], dtmf: { maxDigits: 8 } });
        conversation.state = 'ask_number';
      } else if (/ei muuta|hei hei|goodbye|nothing/.test(text)) {
        replies.push(message(locale, 'bye'), { kind: 'end', outcome: 'resolved' });
        ended = true;
      } else {
        replies.push(message(locale, 'not_understood'), message(locale, 'how', {}, menuReplies));
        replies.push({ kind: 'listen', expectedIntents: ['order_status'], hints: ['tilaus'] });
      }
      const result: TurnResult = { conversationId: turn.conversationId, replies, locale, state: `main.${conversation.state}`, ended, ...(ticketId ? { ticketId } : {}) };
      if (turn.clientMessageId) processed.set(turn.clientMessageId, result);
      return result;
    },
    async getConversation(): Promise<ConversationRecord | undefined> { return undefined; },
    async agentJoin() { /* not used by the voice channel */ },
    async agentSay(): Promise<Reply> { return { kind: 'message', text: '' }; },
    async releaseToBot(conversationId): Promise<TurnResult> { return { conversationId, replies: [], locale: 'fi', state: '', ended: false }; },
    async agentClose() { /* not used by the voice channel */ },
  };
  return engine;
}
