import { check, MAIN, ORDER_STATUS, summary } from './flow-test-helpers';
import { testKnowledge } from './test-knowledge';

/** MAIN with extra states appended (indented as states). */
function mainWith(states: string, replace: [string, string][] = []): string {
  let text = MAIN;
  for (const [from, to] of replace) {
    if (!text.includes(from)) throw new Error(`test setup: "${from}" is not in MAIN`);
    text = text.replace(from, to);
  }
  return text + states;
}

const subflowWith = (states: string, replace: [string, string][] = []): string => {
  let text = ORDER_STATUS;
  for (const [from, to] of replace) text = text.replace(from, to);
  return text + states;
};

describe('validateFlows: the base fixtures', () => {
  it('passes MAIN + ORDER_STATUS without diagnostics', () => {
    expect(check({ 'main.yaml': MAIN, 'order_status.yaml': ORDER_STATUS })).toEqual([]);
  });
});

describe('validateFlows: one rule at a time', () => {
  const both = (main: string, sub = ORDER_STATUS) => check({ 'main.yaml': main, 'order_status.yaml': sub });

  it('flow-id-mismatch: the id is not the file name', () => {
    const found = check({ 'main.yaml': MAIN, 'order-status.yaml': ORDER_STATUS });
    expect(summary(found)).toEqual(['flow-id-mismatch@1:5']);
    expect(found[0].hint).toContain('id: order-status');
  });

  it('missing-main-flow: no flow has id main', () => {
    const found = check({ 'order_status.yaml': ORDER_STATUS });
    expect(summary(found)).toEqual(['missing-main-flow@1:1']);
    expect(found[0].file).toBe('flows/main.yaml');
  });

  it('duplicate-flow-id: two files claim the same id', () => {
    const found = check({ 'main.yaml': MAIN, 'order_status.yaml': ORDER_STATUS, 'order_status_copy.yaml': ORDER_STATUS });
    expect(found.map((d) => d.rule).sort()).toEqual(['duplicate-flow-id', 'flow-id-mismatch']);
    expect(found.find((d) => d.rule === 'duplicate-flow-id')?.message).toContain('flows/order_status.yaml');
  });

  it('unknown-start: start names no state', () => {
    const found = both(MAIN.replace('start: menu', 'start: menuu'));
    expect(summary(found)).toEqual(['unknown-start@2:8']);
    expect(found[0].message).toContain('Did you mean "menu"?');
  });

  it('unknown-target: a transition to a state that does not exist', () => {
    const found = both(MAIN.replace('next: bye', 'next: byee'));
    expect(summary(found)).toEqual(['unknown-target@11:11']);
    expect(found[0].hint).toMatch(/^use one of: bye, /);
  });

  it('cross-flow-target: a state goes to flow.state instead of running the flow', () => {
    const found = both(MAIN.replace('order_status: orders', 'order_status: order_status.ask_number'));
    expect(summary(found)).toEqual(['cross-flow-target@7:21']);
    expect(found[0].hint).toContain('flow: order_status');
  });

  it('unknown-target in global: an unknown flow or state', () => {
    const found = both(MAIN.replace('states:\n', 'global:\n  intents:\n    human_agent: main.humna\n    goodbye: nosuch.bye\n    help: repeat\nstates:\n'));
    expect(summary(found)).toEqual(['unknown-target@5:18', 'unknown-target@6:14']);
    expect(found[0].message).toContain('flow "main" has no state "humna"');
    expect(found[1].message).toContain('there is no flow "nosuch"');
  });

  it('unknown-target in global on_reply: the reading of a short reply must lead somewhere', () => {
    const found = both(MAIN.replace('states:\n', 'global:\n  on_reply: { withdraw: main.dropd }\nstates:\n'));
    expect(found.map((d) => d.rule)).toContain('unknown-target');
    expect(found.find((d) => d.rule === 'unknown-target')?.message).toContain('short reply "withdraw"');
  });

  it('unknown-entity: a `given` condition names an entity type the NLU does not know', () => {
    const found = both(MAIN, ORDER_STATUS.replace('states:\n', 'states:\n  pick:\n    branch:\n      - if: { given: phne }\n        goto: ask_number\n      - else: ask_number\n'));
    expect(found.map((d) => d.rule)).toContain('unknown-entity');
    expect(found.find((d) => d.rule === 'unknown-entity')?.message).toContain('"phne"');
  });

  it('unknown-entity: a `remember` slot names an entity type the NLU does not know', () => {
    const found = both(MAIN, ORDER_STATUS.replace('start: ask_number', 'start: pick').replace('states:\n', 'states:\n  pick:\n    remember: { when: time_windw }\n    next: ask_number\n'));
    expect(found.map((d) => d.rule)).toEqual(['unknown-entity']);
    expect(found[0].message).toContain('remembers slot "when" as entity type "time_windw"');
    expect(both(MAIN, ORDER_STATUS.replace('start: ask_number', 'start: pick').replace('states:\n', 'states:\n  pick:\n    remember: { when: date }\n    next: ask_number\n'))).toEqual([]);
  });

  it('global-outside-main: only the main flow has global behaviour', () => {
    const found = both(MAIN, ORDER_STATUS.replace('states:\n', 'global:\n  intents: { help: repeat }\nstates:\n'));
    expect(summary(found)).toEqual(['global-outside-main@3:1']);
  });

  it('unknown-intent: in on_intent, quick replies, global intents and conditions; faq.* and oos are fine', () => {
    const main = mainWith(`  pick:
    ask: main.menu
    quick_replies: [order_staus, faq.no_such_entry]
    on_intent:
      faq.*: bye
      oos: bye
    otherwise: route
  route:
    branch:
      - if: { intent: [goodbye, refund] }
        goto: bye
      - else: pick
`, [['otherwise: menu', 'otherwise: pick'], ['states:\n', 'global:\n  intents:\n    complain: main.bye\nstates:\n']]);
    const found = check({ 'main.yaml': main, 'order_status.yaml': ORDER_STATUS }, testKnowledge((k) => {
      for (const locale of k.locales) k.messageKeys[locale].add('intents.order_staus').add('intents.faq.no_such_entry');
    })).filter((d) => d.rule === 'unknown-intent');
    expect(found.map((d) => [d.line, d.message.split(' in ')[0]])).toEqual([
      [5, 'Unknown intent "complain"'],
      [20, 'Unknown intent "order_staus"'],
      [20, 'Unknown FAQ entry "faq.no_such_entry"'],
      [27, 'Unknown intent "refund"'],
    ]);
  });

  it('unknown-intent: an intent missing from one locale names that locale', () => {
    const found = both(MAIN, ORDER_STATUS);
    expect(found).toEqual([]);
    const partial = check({ 'main.yaml': MAIN, 'order_status.yaml': ORDER_STATUS }, testKnowledge((k) => { k.intents.sv = k.intents.sv.filter((i) => i !== 'order_status'); }));
    expect(summary(partial)).toEqual(['unknown-intent@7:7']);
    expect(partial[0].message).toContain('is missing from locales/sv/nlu.yaml');
  });

  it('unknown-entity: a slot asks for an entity type the NLU does not know', () => {
    const found = both(MAIN, ORDER_STATUS.replace('entity: order_number', 'entity: ordr_number'));
    expect(summary(found)).toEqual(['unknown-entity@6:41']);
  });

  it('missing-message: say, ask, reprompt, button labels and intent labels, per locale', () => {
    const main = mainWith('', [
      ['ask: main.menu', 'ask: main.menu_x\n    quick_replies: [goodbye, { label: main.btn, payload: order_status }]'],
      ['say: main.goodbye', 'say: [main.goodbye, main.bye_more]'],
    ]);
    const sub = ORDER_STATUS.replace('entity: order_number }', 'entity: order_number, reprompt: order_status.again }');
    const found = check({ 'main.yaml': main, 'order_status.yaml': sub }, testKnowledge((k) => { k.messageKeys.sv.delete('main.goodbye'); }));
    expect(found.filter((d) => d.rule === 'missing-message').map((d) => d.message.split(' (')[0])).toEqual([
      'Message "main.menu_x"', 'Message "intents.goodbye"', 'Message "main.btn"', 'Message "main.goodbye"', 'Message "main.bye_more"', 'Message "order_status.again"',
    ]);
    const svOnly = found.find((d) => d.message.startsWith('Message "main.goodbye"'));
    expect(svOnly?.message).toContain('missing from locales/sv/messages.yaml.');
  });

  it('unknown-integration: call names an integration that is not configured', () => {
    const sub = subflowWith(`  lookup:
    call: orders.fetch
    on: { found: done }
`, [['next: done', 'next: lookup']]);
    const found = both(MAIN, sub);
    expect(summary(found)).toEqual(['unknown-integration@12:11']);
  });

  it('state-kind-conflict: two kind keys in one state say which keys conflict', () => {
    const found = both(mainWith('', [['otherwise: menu', 'otherwise: menu\n    branch:\n      - else: bye']]));
    expect(found.map((d) => d.rule)).toEqual(['state-kind-conflict']);
    expect(found[0].message).toBe('State "menu" has both "ask" and "branch"; a state does one thing.');
    expect([found[0].line, found[0].column]).toEqual([9, 5]);
  });

  it('state-kind-conflict: slot without ask, on_failure without slot, on on a say state, call without on', () => {
    const sub = subflowWith(`  a:
    slot: { name: x, entity: number }
    next: done
  b:
    say: order_status.status
    on_failure: done
    next: done
  c:
    say: order_status.status
    on: { found: done }
    next: done
  d:
    call: orders.lookup
    next: done
`, [['on_failure: done', 'on_failure: a'], ['next: done\n  done:', 'next: b\n  done:']]);
    const more = sub.replace('  done:\n    return: true\n', '  done:\n    return: true\n  e:\n    say: order_status.status\n    next: c\n  f:\n    say: order_status.status\n    next: d\n');
    const found = both(MAIN, more.replace('next: b\n', 'next: e\n').replace('  b:\n', '  b:\n').replace('  c:\n    say: order_status.status\n    on: { found: done }\n    next: done', '  c:\n    say: order_status.status\n    on: { found: done }\n    next: f'));
    expect(found.filter((d) => d.rule === 'state-kind-conflict').map((d) => d.message.slice(0, 40))).toEqual([
      'State "a" has a slot but no "ask": nothi',
      'State "b" has "on_failure" but no slot; ',
      'State "c" has "on" outcomes, but only "c',
      'State "d" calls "orders.lookup" but has ',
    ]);
  });

  it('branch-without-else: a warning, since no match would leave the conversation stuck', () => {
    const found = both(mainWith(`  route:
    branch:
      - if: { open_now: true }
        goto: bye
`, [['otherwise: menu', 'otherwise: route']]));
    expect(found.map((d) => [d.rule, d.severity])).toEqual([['branch-without-else', 'warning']]);
  });

  it('survey-without-next: a survey must say what follows', () => {
    const found = both(mainWith('  rate:\n    survey: csat\n', [['otherwise: menu', 'otherwise: rate']]));
    expect(summary(found)).toEqual(['survey-without-next@16:5']);
  });

  it('return-in-main: the main flow cannot return', () => {
    const found = both(MAIN.replace('say: main.goodbye\n    end: resolved', 'say: main.goodbye\n    return: true'));
    expect(summary(found)).toEqual(['return-in-main@14:5']);
  });

  it('unknown-flow: a subflow that does not exist', () => {
    const found = both(MAIN.replace('flow: order_status', 'flow: order_stats'));
    expect(found.map((d) => d.rule)).toEqual(['unknown-flow']);
    expect(found[0].message).toContain('Did you mean "order_status"?');
  });

  it('subflow-without-return: the called flow never returns', () => {
    const found = both(MAIN, ORDER_STATUS.replace('return: true', 'say: order_status.status\n    end: resolved'));
    expect(summary(found)).toEqual(['subflow-without-return@10:11']);
  });

  it('unknown-condition-value: a locale or channel that never occurs', () => {
    const found = both(mainWith(`  route:
    branch:
      - if: { any: [{ locale: de }, { channel: phone }] }
        goto: bye
      - else: menu
`, [['otherwise: menu', 'otherwise: route']]));
    expect(found.map((d) => d.rule)).toEqual(['unknown-condition-value', 'unknown-condition-value']);
    expect(found[1].message).toContain('Did you mean "voice"?'.replace('voice', 'phone') === '' ? '' : 'channel "phone"');
  });

  it('unreachable-state: nothing leads to it; global targets count as entries', () => {
    const main = mainWith('  lost:\n    say: main.goodbye\n    next: bye\n  human:\n    say: main.goodbye\n    next: bye\n', [['states:\n', 'global:\n  intents:\n    human_agent: main.human\nstates:\n']]);
    expect(summary(both(main))).toEqual(['unreachable-state@18:3']);
  });

  it('no-way-out: a state that neither ends nor goes anywhere', () => {
    const found = both(MAIN.replace('    say: main.goodbye\n    end: resolved', '    say: main.goodbye'));
    expect(summary(found)).toEqual(['no-way-out@12:3']);
    expect(found[0].hint).toContain('next:');
  });

  it('cycle-without-user-turn: a loop through states that never wait', () => {
    const main = mainWith(`  ping:
    say: main.goodbye
    next: pong
  pong:
    branch:
      - if: { open_now: true }
        goto: ping
      - else: bye
`, [['otherwise: menu', 'otherwise: ping']]);
    const found = both(main);
    expect(summary(found)).toEqual(['cycle-without-user-turn@15:3']);
    expect(found[0].message).toContain('"ping" → "pong"');
  });

  it('cycle-without-user-turn: a slot question that skips itself once filled does not break a loop', () => {
    const sub = subflowWith(`  lookup:
    call: orders.lookup
    on: { found: done, not_found: ask_number }
`, [['next: done', 'next: lookup']]);
    expect(both(MAIN, sub).map((d) => d.rule)).toEqual(['cycle-without-user-turn']);
    expect(both(MAIN, sub.replace('entity: order_number }', 'entity: order_number, skip_if_filled: false }'))).toEqual([]);
  });

  it('handoff-requires: a required slot must be filled on every path, subflows included', () => {
    const main = mainWith(`  human:
    handoff: { reason: customer_request, requires: [order_number] }
`, [['otherwise: menu', 'otherwise: human']]);
    const found = both(main);
    expect(summary(found)).toEqual(['handoff-requires@16:53']);
    expect(found[0].message).toContain('menu → human');
    // Through the subflow, which fills order_number on every path to its return, the slot is there.
    const viaSubflow = mainWith(`  human:
    handoff: { reason: customer_request, requires: [order_number] }
    next: bye
`, [['next: bye', 'next: human']]);
    const sub = ORDER_STATUS.replace('on_failure: done', 'on_failure: ask_number');
    expect(both(viaSubflow, sub)).toEqual([]);
    // ...but not when the subflow can return without it.
    expect(summary(both(viaSubflow))).toEqual(['handoff-requires@16:53']);
  });

  it('no-otherwise: a warning for a question with on_intent and no otherwise', () => {
    const found = both(MAIN.replace('    otherwise: menu\n', ''));
    expect(found.map((d) => [d.rule, d.severity])).toEqual([['no-otherwise', 'warning']]);
    // A global fallback ends the asking again after a few misunderstood turns: nothing to warn about.
    const withFallback = MAIN.replace('    otherwise: menu\n', '').replace('start: menu\n', 'start: menu\nglobal:\n  fallback: { after: 2, goto: bye }\n');
    expect(both(withFallback)).toEqual([]);
  });

  it('quick-replies-not-waiting: a warning for buttons on a state that does not wait', () => {
    const found = both(MAIN.replace('    flow: order_status\n', '    flow: order_status\n    quick_replies: [order_status]\n'), ORDER_STATUS);
    expect(found.map((d) => [d.rule, d.severity])).toEqual([['quick-replies-not-waiting', 'warning']]);
  });

  it('unused-flow: a warning for a flow that no state runs', () => {
    const found = check({ 'main.yaml': MAIN, 'order_status.yaml': ORDER_STATUS, 'spare.yaml': ORDER_STATUS.replace('id: order_status', 'id: spare') });
    expect(found.map((d) => [d.file, d.rule, d.severity])).toEqual([['flows/spare.yaml', 'unused-flow', 'warning']]);
  });
});
