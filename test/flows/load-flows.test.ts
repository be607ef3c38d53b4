import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDiagnostic } from '../../src/flows/diagnostic';
import { loadFlows, parseFlowSource } from '../../src/flows/load-flows';
import { check, MAIN, ORDER_STATUS, summary } from './flow-test-helpers';

describe('parseFlowSource: positions', () => {
  const source = `id: order_status
start: ask_number
states:
  ask_number:
    ask: order_status.ask_number
    on_intent:
      human_agent: done
    otherwise: done
  done:
    return: true
`;
  const loaded = parseFlowSource(source, 'flows/order_status.yaml').flow;

  it('maps a path to the line and column of the value, and of its key', () => {
    expect(loaded).toBeDefined();
    expect(loaded?.position(['states', 'ask_number', 'ask'])).toEqual({ line: 5, column: 10 });
    expect(loaded?.keyPosition(['states', 'ask_number', 'on_intent', 'human_agent'])).toEqual({ line: 7, column: 7 });
    expect(loaded?.position(['states', 'ask_number', 'on_intent', 'human_agent'])).toEqual({ line: 7, column: 20 });
    expect(loaded?.keyPosition(['states', 'done'])).toEqual({ line: 9, column: 3 });
  });

  it('falls back to the nearest existing node for a path that is not in the file', () => {
    expect(loaded?.position(['states', 'done', 'next'])).toEqual({ line: 9, column: 3 });
    expect(loaded?.position(['nothing', 'here'])).toEqual({ line: 1, column: 1 });
  });

  it('reads JSON flow files with positions too', () => {
    const json = parseFlowSource('{\n  "id": "x",\n  "start": "a",\n  "states": { "a": { "end": "resolved" } }\n}\n', 'flows/x.json');
    expect(json.diagnostics).toEqual([]);
    expect(json.flow?.position(['states', 'a', 'end'])).toEqual({ line: 4, column: 29 });
  });
});

describe('parseFlowSource: YAML syntax and schema problems in plain words', () => {
  it('yaml-syntax: reports the line and a hint, and keeps the file id for other checks', () => {
    const result = parseFlowSource('id: main\nstart: a\nstates:\n  a:\n\tsay: x.y\n', 'flows/main.yaml');
    expect(result.flow).toBeUndefined();
    expect(result.id).toBe('main');
    expect(summary(result.diagnostics)).toEqual(['yaml-syntax@5:1']);
    expect(result.diagnostics[0].hint).toContain('spaces');
  });

  it('yaml-syntax: a duplicate key', () => {
    const result = parseFlowSource('id: main\nid: other\n', 'flows/main.yaml');
    expect(summary(result.diagnostics)).toEqual(['yaml-syntax@2:1']);
    expect(result.diagnostics[0].message).toContain('unique');
  });

  it('unknown-key: suggests the closest allowed key (aks → ask)', () => {
    const found = check({ 'main.yaml': MAIN.replace('ask: main.menu', 'aks: main.menu'), 'order_status.yaml': ORDER_STATUS });
    expect(formatDiagnostic(found[0])).toBe('flows/main.yaml:5:5 error [unknown-key] Unknown key "aks" in state "menu". Did you mean "ask"? Fix: rename "aks" to "ask".');
  });

  it('unknown-key: without a close match, lists the allowed keys', () => {
    const found = check({ 'main.yaml': MAIN.replace('    ask: main.menu\n', '    ask: main.menu\n    colour: blue\n'), 'order_status.yaml': ORDER_STATUS });
    expect(found[0].rule).toBe('unknown-key');
    expect(found[0].hint).toMatch(/^remove "colour"; the keys allowed here are: description, say, quick_replies, ask,/);
  });

  it('unknown-key: also inside conditions and quick replies', () => {
    const bad = MAIN.replace('    otherwise: menu\n', '    otherwise: route\n    quick_replies: [{ label: main.menu, paylod: order_status }]\n')
      + '  route:\n    branch:\n      - if: { slot: order_number, equls: 5 }\n        goto: bye\n      - else: menu\n';
    const found = check({ 'main.yaml': bad, 'order_status.yaml': ORDER_STATUS });
    expect(found.map((d) => d.message)).toEqual([
      'Unknown key "paylod" in "quick_replies[0]" in state "menu". Did you mean "payload"?',
      'Unknown key "equls" in "branch[0].if" in state "route". Did you mean "equals"?',
    ]);
  });

  it('wrong-type: says what was expected and what was found', () => {
    const found = check({ 'main.yaml': MAIN.replace('next: bye', 'next: [bye]'), 'order_status.yaml': ORDER_STATUS });
    expect(summary(found)).toEqual(['wrong-type@11:11']);
    expect(found[0].message).toBe('"next" in state "orders" must be a single text value, but it is a list.');
    expect(found[0].hint).toContain('next: ask_number');
  });

  it('missing-key: points at the map that lacks the key', () => {
    const found = check({ 'main.yaml': MAIN, 'order_status.yaml': ORDER_STATUS.replace(', entity: order_number', '') });
    expect(summary(found)).toEqual(['missing-key@6:5']);
    expect(found[0].message).toBe('"slot" in state "ask_number" is missing "entity" (a single text value).');
  });

  it('invalid-value: an enum value with a suggestion, and a bad state id', () => {
    const found = check({
      'main.yaml': MAIN.replace('end: resolved', 'end: resolvd').replace('  bye:\n', '  Bye-Now:\n    say: main.goodbye\n    end: ended\n  bye:\n'),
      'order_status.yaml': ORDER_STATUS,
    });
    expect(found.map((d) => [d.rule, d.line, d.message])).toEqual([
      ['invalid-value', 12, 'State id "Bye-Now" is not a valid name.'],
      ['invalid-value', 17, '"end" in state "bye" is the text "resolvd", which is not one of the allowed values. Did you mean "resolved"?'],
    ]);
  });

  it('invalid-value: text written where a message key belongs points to messages.yaml', () => {
    const found = check({ 'main.yaml': MAIN.replace('say: main.goodbye', 'say: Kiitos ja hei'), 'order_status.yaml': ORDER_STATUS });
    expect(found[0].message).toBe('"say" in state "bye" is the text "Kiitos ja hei", which is not a message key.');
    expect(found[0].hint).toContain('locales/<lang>/messages.yaml');
  });

  it('a schema error leaves out only the broken state; the rest is still checked, without cascades', () => {
    const bad = MAIN.replace('ask: main.menu', 'aks: main.menu').replace('next: bye', 'next: byee');
    const found = check({ 'main.yaml': bad, 'order_status.yaml': ORDER_STATUS });
    expect(summary(found)).toEqual(['unknown-key@5:5', 'unknown-target@11:11']);
  });

  it('a file that is not a map, or empty, is one clear error', () => {
    expect(parseFlowSource('', 'flows/x.yaml').diagnostics[0].message).toBe('The flow file is empty.');
    expect(parseFlowSource('- a\n- b\n', 'flows/x.yaml').diagnostics[0].message).toContain('must be a map');
  });
});

describe('loadFlows', () => {
  it('reads yaml, yml and json, skips flow.schema.json and other files, names files relative to the working directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aspa-flows-'));
    writeFileSync(path.join(dir, 'main.yaml'), MAIN);
    writeFileSync(path.join(dir, 'order_status.yml'), ORDER_STATUS);
    writeFileSync(path.join(dir, 'extra.json'), JSON.stringify({ id: 'extra', start: 'a', states: { a: { return: true } } }));
    writeFileSync(path.join(dir, 'flow.schema.json'), '{"not": "a flow"}');
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const result = loadFlows(dir, { relativeTo: path.dirname(dir) });
    expect(result.diagnostics).toEqual([]);
    expect(result.flows.map((loaded) => loaded.file)).toEqual([`${path.basename(dir)}/extra.json`, `${path.basename(dir)}/main.yaml`, `${path.basename(dir)}/order_status.yml`]);
  });

  it('a missing folder is a diagnostic, not a crash', () => {
    const result = loadFlows(path.join(tmpdir(), 'aspa-no-such-folder-xyz'));
    expect(result.flows).toEqual([]);
    expect(result.diagnostics.map((d) => d.rule)).toEqual(['no-flows']);
  });

  it('a broken file keeps its id known, so flows that call it get no extra errors', () => {
    const found = check({ 'main.yaml': MAIN, 'order_status.yaml': `${ORDER_STATUS}\n  bad: [` });
    expect(found.map((d) => d.rule)).toEqual(['yaml-syntax']);
  });
});
