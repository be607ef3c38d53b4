import { check, MAIN, ORDER_STATUS } from './flow-test-helpers';
import { testKnowledge } from './test-knowledge';

// The flow keys for understanding in context: on_reply, digressions, resume_topics, prefill and the global answers.
const both = (main: string, sub = ORDER_STATUS) => check({ 'main.yaml': main, 'order_status.yaml': sub });
const rules = (found: { rule: string }[]) => found.map((d) => d.rule);

describe('validateFlows: keys for understanding in context', () => {
  it('accepts on_reply, digressions and resume_topics on a question, and prefill on a slot', () => {
    const main = MAIN.replace('    otherwise: menu', '    on_reply: { done: bye, affirm: menu }\n    resume_topics: true\n    digressions: { faq: false }\n    otherwise: menu');
    const sub = ORDER_STATUS.replace('entity: order_number }', 'entity: order_number, prefill: conversation }');
    const knowledge = testKnowledge((k) => k.locales.forEach((locale) => { k.messageKeys[locale].add('system.next_topic'); k.messageKeys[locale].add('system.second_request_noted'); }));
    expect(check({ 'main.yaml': main, 'order_status.yaml': sub }, knowledge)).toEqual([]);
    // Without the messages those features say, each is named at the key that uses it.
    const missing = both(main, sub).filter((d) => d.rule === 'missing-message');
    expect(missing.map((d) => d.message.match(/"([^"]+)"/)?.[1])).toEqual(['system.next_topic', 'system.second_request_noted']);
    expect(missing[0].line).toBe(main.split('\n').findIndex((line) => line.includes('resume_topics')) + 1);
  });

  it('on_reply to a state that does not exist is an unknown target with the choices', () => {
    const found = both(MAIN.replace('    otherwise: menu', '    on_reply: { done: byee }\n    otherwise: menu'));
    expect(rules(found)).toEqual(['unknown-target']);
    expect(found[0].hint).toContain('bye');
  });

  it('an unknown short reply is named with the allowed ones', () => {
    const found = both(MAIN.replace('    otherwise: menu', '    on_reply: { maybe: bye }\n    otherwise: menu'));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].message + found[0].hint).toMatch(/affirm|dont_know/);
  });

  it('on_reply, digressions or resume_topics without a question are refused', () => {
    const found = both(MAIN.replace('  bye:\n    say: main.goodbye', '  bye:\n    say: main.goodbye\n    on_reply: { done: menu }'));
    expect(rules(found)).toContain('state-kind-conflict');
  });

  it('resume_topics on a question with no on_intent to route the topics is refused with a fix', () => {
    const sub = ORDER_STATUS.replace('    on_failure: done', '    resume_topics: true\n    on_failure: done');
    const found = both(MAIN, sub).filter((d) => d.rule === 'state-kind-conflict');
    expect(found).toHaveLength(1);
    expect(found[0].hint).toContain('add on_intent');
  });

  it('prefill_min_words on an entity slot is refused', () => {
    const sub = ORDER_STATUS.replace('entity: order_number }', 'entity: order_number, prefill_min_words: 5 }');
    expect(rules(both(MAIN, sub))).toEqual(['state-kind-conflict']);
  });

  it('global answers need a known intent and a message in every locale', () => {
    const main = MAIN.replace('start: menu\n', 'start: menu\nglobal:\n  answers:\n    small_talkk: main.small_talk\n');
    const found = both(main);
    expect(rules(found).sort()).toEqual(['missing-message', 'unknown-intent']);
    expect(found.find((d) => d.rule === 'missing-message')?.message).toContain('main.small_talk');
  });
});
