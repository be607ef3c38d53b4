import type { ConversationRecord } from '../../../src/core/conversation';
import type { Clock } from '../../../src/core/ports';

/** A clock the test moves by hand. */
export interface FakeClock extends Clock {
  set(at: number): void;
  advance(ms: number): void;
}

export function createFakeClock(start: number): FakeClock {
  let now = start;
  return {
    now: () => now,
    set: (at) => { now = at; },
    advance: (ms) => { now += ms; },
  };
}

export const SECRET = 'test-secret-0123456789abcdef';

/** A web conversation about a double-charged invoice, in Finnish. */
export function billingConversation(id: string, at: number, overrides: Partial<ConversationRecord> = {}): ConversationRecord {
  return {
    id, version: 4, createdAt: at, updatedAt: at, channel: 'web', locale: 'fi', status: 'active', snapshot: null,
    state: 'billing_dispute.handoff', misunderstood: 0, processed: [],
    slots: { invoiceNumber: '12345678', phone: '040 123 4567' },
    transcript: [
      { at, from: 'bot', text: 'Hei! Miten voin auttaa?', key: 'main.greeting' },
      { at: at + 1000, from: 'customer', text: 'Minua on laskutettu kahdesti', intent: 'billing_dispute', confidence: 0.93 },
      { at: at + 2000, from: 'bot', text: 'Mikä on laskun numero?', key: 'billing_dispute.ask_invoice' },
      { at: at + 3000, from: 'customer', text: '12345678' },
    ],
    ...overrides,
  };
}
