import type { EntityMatch } from '../../src/core/nlu';
import { evaluateCondition, slotValueFrom } from '../../src/flows/compile-flow';
import type { DialogContext, DialogEvent } from '../../src/flows/dialog-types';
import type { SlotSpec } from '../../src/flows/flow-schema';
import { check, MAIN, ORDER_STATUS, summary } from './flow-test-helpers';
import { testKnowledge } from './test-knowledge';

// The pieces of the contact step (flows/contact.yaml): the `contact` entity, the `confirm` option of a slot and the
// `contact_known` / `queue_waiting_above` conditions. The step itself runs in test/conversations/contact_*.yaml.

const user = (entities: EntityMatch[], text = ''): Extract<DialogEvent, { type: 'USER' }> => ({ type: 'USER', intent: 'oos', confidence: 0, entities, text, sentiment: 0 });
const contactSlot: SlotSpec = { name: 'contact', entity: 'contact', retries: 1, skip_if_filled: false };

function context(overrides: Partial<DialogContext> = {}, env: Partial<DialogContext['env']> = {}): DialogContext {
  return {
    conversationId: 'c', slots: {}, stack: [], retries: 0, misunderstood: 0,
    env: { channel: 'web', locale: 'fi', now: 0, open: true, sentiment: 0, ...env },
    ...overrides,
  };
}

describe('the contact entity', () => {
  it('takes a phone number or an e-mail address, as the extractors normalised it', () => {
    expect(slotValueFrom(contactSlot, user([{ type: 'phone', value: '+358501239876', text: '050 123 9876', start: 0, end: 12 }]))).toBe('+358501239876');
    expect(slotValueFrom(contactSlot, user([{ type: 'email', value: 'maija@example.fi', text: 'Maija@example.fi', start: 0, end: 16 }]))).toBe('maija@example.fi');
    expect(slotValueFrom(contactSlot, user([{ type: 'order_number', value: '05012', text: '050 12', start: 0, end: 6 }], '050 12'))).toBeUndefined();
  });
});

describe('conditions', () => {
  it('contact_known: the caller id or customer record (env), or a valid contact slot', () => {
    expect(evaluateCondition({ contact_known: false }, context())).toBe(true);
    expect(evaluateCondition({ contact_known: true }, context({}, { contactKnown: true }))).toBe(true);
    expect(evaluateCondition({ contact_known: true }, context({ slots: { phone: '040 123 4567' } }))).toBe(true);
    expect(evaluateCondition({ contact_known: true }, context({ slots: { contact: 'maija@example.fi' } }))).toBe(true);
    expect(evaluateCondition({ contact_known: true }, context({ slots: { phone: 'ei ole', contact: null } }))).toBe(false);
    // A value waiting for the customer's yes is not known yet.
    expect(evaluateCondition({ contact_known: true }, context({ confirming: { name: 'contact', value: '+358501239876' } }))).toBe(false);
  });

  it('reply: the short reply of the line that led here; false without a line', () => {
    const done = { ...user([], "no that's it"), reply: 'done' };
    expect(evaluateCondition({ reply: 'done' }, context(), done)).toBe(true);
    expect(evaluateCondition({ reply: ['thanks', 'done'] }, context(), done)).toBe(true);
    expect(evaluateCondition({ reply: 'deny' }, context(), done)).toBe(false);
    expect(evaluateCondition({ reply: 'done' }, context(), user([], 'ei kiitos'))).toBe(false);
    expect(evaluateCondition({ not: { reply: 'done' } }, context())).toBe(true);
  });

  it('queue_waiting_above: tickets waiting ahead of the conversation\'s ticket when it was made', () => {
    expect(evaluateCondition({ queue_waiting_above: 3 }, context())).toBe(false);
    expect(evaluateCondition({ queue_waiting_above: 3 }, context({ queueWaiting: 3 }))).toBe(false);
    expect(evaluateCondition({ queue_waiting_above: 3 }, context({ queueWaiting: 4 }))).toBe(true);
  });
});

describe('validation', () => {
  const sub = (slot: string) => ORDER_STATUS.replace('slot: { name: order_number, entity: order_number }', slot);

  it('knows the contact entity and the new conditions', () => {
    const main = MAIN.replace('  orders:\n    flow: order_status', '  orders:\n    branch:\n      - if: { all: [{ contact_known: false }, { queue_waiting_above: 3 }] }\n        goto: run\n      - else: run\n  run:\n    flow: order_status');
    expect(check({ 'main.yaml': main, 'order_status.yaml': sub('slot: { name: contact, entity: contact }') })).toEqual([]);
  });

  it('confirm: its message and the yes/no button labels must exist in every locale', () => {
    const found = check({ 'main.yaml': MAIN, 'order_status.yaml': sub('slot: { name: contact, entity: contact, confirm: contact.confirm }') });
    expect(found.filter((d) => d.rule === 'missing-message').map((d) => d.message.split(' is missing')[0])).toEqual([
      'Message "contact.confirm" (the confirmation question in state "ask_number")',
      'Message "buttons.yes" (the confirmation\'s yes button in state "ask_number")',
      'Message "buttons.no" (the confirmation\'s no button in state "ask_number")',
    ]);
    const known = testKnowledge((k) => { for (const keys of Object.values(k.messageKeys)) ['contact.confirm', 'buttons.yes', 'buttons.no'].forEach((key) => keys.add(key)); });
    expect(check({ 'main.yaml': MAIN, 'order_status.yaml': sub('slot: { name: contact, entity: contact, confirm: contact.confirm }') }, known)).toEqual([]);
  });

  it('confirm on a slot that has nothing earlier to confirm is a conflict', () => {
    const known = testKnowledge((k) => { for (const keys of Object.values(k.messageKeys)) ['contact.confirm', 'buttons.yes', 'buttons.no'].forEach((key) => keys.add(key)); });
    const yesNo = check({ 'main.yaml': MAIN, 'order_status.yaml': sub('slot: { name: ok, entity: yes_no, confirm: contact.confirm }') }, known);
    expect(summary(yesNo).filter((entry) => entry.startsWith('state-kind-conflict'))).toHaveLength(1);
    expect(yesNo.find((d) => d.rule === 'state-kind-conflict')?.message).toContain('has no earlier value to confirm');
  });
});
