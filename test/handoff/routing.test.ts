import { HandoffConfigError } from '../../src/handoff/handoff-config-error';
import { createRouting, validateRoutingConfig } from '../../src/handoff/routing';

const MINUTE = 60_000;

describe('queueFor', () => {
  const routing = createRouting();
  test.each([
    [{ intent: 'billing_dispute' }, 'billing'],
    [{ intent: 'invoice_copy' }, 'billing'],
    [{ intent: 'outage_report' }, 'technical'],
    [{ intent: 'emergency' }, 'technical'],
    [{ intent: 'technical_problem' }, 'technical'],
    [{ intent: 'order_status' }, 'general'],
    [{ intent: 'outage' }, 'technical'],
    [{ intent: 'faq.invoice_due_date' }, 'billing'],
    [{ intent: 'faq.returns' }, 'general'],
    [{}, 'general'],
    [{ intent: 'order_status', reason: 'billing_dispute' as const }, 'billing'],
    [{ reason: 'emergency' as const }, 'technical'],
    [{ intent: 'order_status', reason: 'customer_request' as const }, 'general'],
    [{ intent: 'billing_dispute', queue: 'vip' }, 'vip'],
  ])('%j → %s', (request, queue) => {
    expect(routing.queueFor(request)).toBe(queue);
  });

  test('configured intents: exact beats prefix, longer prefix beats shorter, defaults kept', () => {
    const custom = createRouting({
      queues: { 'billing_dispute': 'disputes', 'billing_refund*': 'refunds', 'order*': 'logistics' },
      defaultQueue: 'front_desk',
    });
    expect(custom.queueFor({ intent: 'billing_dispute' })).toBe('disputes');
    expect(custom.queueFor({ intent: 'billing_refund_status' })).toBe('refunds');
    expect(custom.queueFor({ intent: 'billing_other' })).toBe('billing');
    expect(custom.queueFor({ intent: 'order_status' })).toBe('logistics');
    expect(custom.queueFor({ intent: 'greeting' })).toBe('front_desk');
    expect(custom.queues()).toEqual(expect.arrayContaining(['disputes', 'refunds', 'logistics', 'front_desk', 'billing', 'technical']));
  });

  test('replaceDefaultQueues drops the built-in table', () => {
    const custom = createRouting({ queues: { order_status: 'logistics' }, replaceDefaultQueues: true });
    expect(custom.queueFor({ intent: 'billing_dispute' })).toBe('general');
    expect(custom.queueFor({ intent: 'order_status' })).toBe('logistics');
  });
});

describe('dueAt (wall-clock SLA)', () => {
  const created = Date.parse('2026-03-06T15:50:00Z'); // Friday 17:50 in Helsinki
  test.each([
    ['urgent', 15], ['high', 120], ['normal', 480], ['low', 1440],
  ] as const)('%s → +%i min', (priority, minutes) => {
    expect(createRouting().dueAt(priority, created)).toBe(created + minutes * MINUTE);
  });

  test('configured minutes override per priority', () => {
    const routing = createRouting({ slaMinutes: { urgent: 5 } });
    expect(routing.dueAt('urgent', created)).toBe(created + 5 * MINUTE);
    expect(routing.dueAt('high', created)).toBe(created + 120 * MINUTE);
  });
});

describe('validation', () => {
  test.each([
    [{ slaMinutes: { urgent: -1 } }, /positive number/],
    [{ slaMinutes: { critical: 5 } }, /not a priority/],
    [{ queues: { 'Billing!': 'billing' } }, /not an intent name/],
    [{ queues: { billing: 'Billing Team' } }, /not a queue name/],
    [{ defaultQueue: '' }, /not a queue name/],
    [{ sla: {} }, /unknown setting "sla"/],
    [[], /must be an object/],
  ])('%j', (config, message) => {
    expect(validateRoutingConfig(config).join('\n')).toMatch(message);
  });

  test('createRouting throws a HandoffConfigError', () => {
    expect(() => createRouting({ slaMinutes: { urgent: 0 } })).toThrow(HandoffConfigError);
  });
});
