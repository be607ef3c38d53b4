// The flow studio: flows and diagrams, state details, the try-it chat. Every text from the server goes in with
// textContent; only the diagram is inserted as markup, and the server escapes every name in it.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children) node.append(child);
    return node;
  };
  const api = async (path, body) => {
    const response = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const type = response.headers.get('content-type') || '';
    return { status: response.status, body: type.includes('json') ? await response.json() : await response.text() };
  };

  let currentFlow = 'main';
  let coverage;

  /** Untested states dashed, and the flow's untested states and transitions listed under the diagram. */
  function showCoverage() {
    const box = $('coverage');
    if (!coverage) { box.hidden = true; return; }
    const covered = new Set(coverage.coveredStates);
    const taken = new Set(coverage.coveredTransitions);
    for (const node of document.querySelectorAll('#diagram .node[data-state]')) {
      const state = node.getAttribute('data-state');
      if (!state.startsWith('__')) node.classList.toggle('uncovered', !covered.has(`${currentFlow}.${state}`));
    }
    for (const edge of document.querySelectorAll('#diagram .edge')) {
      const from = edge.getAttribute('data-from');
      const to = edge.getAttribute('data-to');
      if (!from.startsWith('__') && !to.startsWith('__')) edge.classList.toggle('uncovered', !taken.has(`${currentFlow}.${from}->${currentFlow}.${to}`));
    }
    const numbers = coverage.byFlow[currentFlow];
    const prefix = `${currentFlow}.`;
    const states = coverage.states.uncovered.filter((state) => state.startsWith(prefix));
    const transitions = coverage.transitions.uncovered.filter((t) => t.from.startsWith(prefix));
    box.replaceChildren(
      el('strong', { textContent: numbers ? `${currentFlow}: states ${numbers.coveredStates}/${numbers.states}, transitions ${numbers.coveredTransitions}/${numbers.transitions} tested` : '' }),
      states.length ? el('p', { className: 'untested-states', textContent: `Untested states: ${states.map((s) => s.slice(prefix.length)).join(', ')}` }) : '',
      transitions.length ? el('p', { className: 'untested-transitions', textContent: `Untested transitions: ${transitions.map((t) => `${t.from.slice(prefix.length)} → ${t.to.slice(prefix.length)} (${t.label})`).join(', ')}` }) : '',
    );
    box.hidden = false;
  }

  async function loadFlows() {
    const { body } = await api('/api/studio/flows');
    $('version').textContent = body.version;
    const list = $('flow-list');
    list.replaceChildren(...body.flows.map((flow) => el('li', {}, el('button', {
      type: 'button', className: 'flow', onclick: () => showFlow(flow.id),
    }, flow.id + ' ', el('span', { className: flow.problems ? 'bad' : 'count', textContent: flow.problems ? `⚠ ${flow.problems}` : `${flow.states} states` })))));
    for (const button of list.querySelectorAll('button')) button.dataset.flow = button.firstChild.textContent.trim();
    const problems = $('problems');
    const errors = body.diagnostics.filter((d) => d.severity === 'error');
    problems.hidden = errors.length === 0;
    problems.replaceChildren(
      el('strong', { textContent: body.rejected ? `The last change was refused (version ${body.rejected.version}); version ${body.version} keeps serving.` : 'Problems' }),
      el('ul', {}, ...errors.map((d) => el('li', { textContent: `${d.file}:${d.line}:${d.column} ${d.message} Fix: ${d.hint}` }))),
    );
    await showFlow(body.flows.some((flow) => flow.id === currentFlow) ? currentFlow : body.flows[0].id);
  }

  async function showFlow(id) {
    currentFlow = id;
    for (const button of $('flow-list').querySelectorAll('button')) button.setAttribute('aria-current', String(button.dataset.flow === id));
    const { body } = await api(`/api/studio/flows/${encodeURIComponent(id)}/diagram.svg`);
    const diagram = $('diagram');
    diagram.innerHTML = body;
    // The start is drawn at the top centre: begin there.
    diagram.scrollTo({ left: (diagram.scrollWidth - diagram.clientWidth) / 2, top: 0 });
    for (const node of diagram.querySelectorAll('.node[data-state]')) {
      const state = node.getAttribute('data-state');
      if (state.startsWith('__')) continue;
      node.addEventListener('click', () => showState(id, state, node));
      node.addEventListener('keydown', (event) => { if (event.key === 'Enter') showState(id, state, node); });
    }
    $('state-details').hidden = true;
    showCoverage();
  }

  async function showState(flow, state, node) {
    for (const other of document.querySelectorAll('.node.selected')) other.classList.remove('selected');
    node.classList.add('selected');
    const { body } = await api(`/api/studio/flows/${encodeURIComponent(flow)}/states/${encodeURIComponent(state)}`);
    const details = $('state-details');
    const locales = body.messages.length ? Object.keys(body.messages[0].locales) : [];
    const variants = (template, field) => (template && template[field] ? template[field].join(' | ') : '');
    details.replaceChildren(
      el('h3', { textContent: `${flow}.${state}` }),
      ...body.problems.map((p) => el('p', { className: 'problem', textContent: `⚠ line ${p.line}: ${p.message} Fix: ${p.hint}` })),
      el('pre', {}, ...body.yaml.map((line) => el('div', {}, el('span', { className: 'ln', textContent: String(line.line) }), line.text))),
      body.messages.length ? el('table', {},
        el('tr', {}, el('th', { textContent: 'message' }), ...locales.map((locale) => el('th', { textContent: locale }))),
        ...body.messages.map((message) => el('tr', {}, el('td', { textContent: message.key }), ...locales.map((locale) => el('td', {},
          variants(message.locales[locale], 'text'),
          message.locales[locale] && message.locales[locale].voice ? el('div', { className: 'voice', textContent: `☎ ${variants(message.locales[locale], 'voice')}` }) : '',
          message.locales[locale] ? el('button', { type: 'button', className: 'edit-message', textContent: 'Edit', onclick: () => editMessage(flow, state, node, message.key, locale, message.locales[locale]) }) : ''))))) : '',
      body.intentsLeadingHere.length ? el('p', { textContent: `Intents leading here: ${body.intentsLeadingHere.map((i) => `${i.intent} (from ${i.from})`).join(', ')}` }) : '',
      testsHere(body.testsPassingThrough),
      tryFromHere(flow, state),
    );
    details.hidden = false;
    $('nlu-panel').hidden = true;
  }

  /** The conversation tests that passed through the state in the last run. */
  function testsHere(tests) {
    if (tests === null) return el('p', { className: 'tests-here', textContent: 'Tests passing through: run the tests to see them.' });
    if (tests.length === 0) return el('p', { className: 'tests-here untested', textContent: 'No test passes through this state.' });
    return el('div', { className: 'tests-here' }, el('strong', { textContent: `Tests passing through (${tests.length})` }),
      el('ul', {}, ...tests.map((test) => el('li', { textContent: `${test.passed === false ? '✗ ' : ''}${test.name} — ${test.file}` }))));
  }

  /** Try it from this state: slot values as name=value lines (numbers and true/false as such). */
  function tryFromHere(flow, state) {
    const slots = el('textarea', { id: 'try-at-slots', rows: 2, placeholder: 'order_number=12345' });
    const problem = el('p', { className: 'problem', hidden: true });
    const go = el('button', { type: 'button', id: 'try-at-start', textContent: 'Try from here' });
    go.addEventListener('click', async () => {
      const values = {};
      for (const line of slots.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
        const at = line.indexOf('=');
        if (at < 1) { problem.textContent = `"${line}": write name=value`; problem.hidden = false; return; }
        const raw = line.slice(at + 1).trim();
        values[line.slice(0, at).trim()] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(Number(raw)) && !/^0\d/.test(raw) ? Number(raw) : raw;
      }
      problem.hidden = true;
      const ok = await startAt(`${flow}.${state}`, values);
      if (!ok.ok) { problem.textContent = ok.message; problem.hidden = false; }
    });
    return el('section', { className: 'try-at' }, el('h4', { textContent: 'Try from here' }), el('label', {}, 'Slot values, name=value per line', slots), go, problem);
  }

  /** Edit a message: variants one per line, a diff and the bot's validation before anything is written. */
  function editMessage(flow, state, node, key, locale, template) {
    const text = el('textarea', { id: 'edit-text', rows: 3, value: template.text.join('\n') });
    const voice = el('textarea', { id: 'edit-voice', rows: 2, value: (template.voice || []).join('\n') });
    const result = el('div', { id: 'edit-result' });
    const save = el('button', { type: 'button', id: 'edit-save', textContent: 'Save', disabled: true });
    const edit = () => ({ locale, key, text: text.value.split('\n').map((v) => v.trim()).filter(Boolean), voice: voice.value.split('\n').map((v) => v.trim()).filter(Boolean) });
    let previewed;
    const preview = async () => {
      save.disabled = true;
      const { status, body } = await api('/api/studio/messages/preview', edit());
      if (status !== 200) { result.replaceChildren(el('p', { className: 'problem', textContent: body.message })); return; }
      previewed = body.content;
      result.replaceChildren(
        el('pre', { className: 'diff' }, ...body.diff.map((line) => el('div', { className: line.kind, textContent: `${line.kind === 'added' ? '+' : line.kind === 'removed' ? '-' : ' '} ${line.line} ${line.text}` }))),
        ...body.problems.map((p) => el('p', { className: 'problem', textContent: `⚠ ${p.file}:${p.line} ${p.message} Fix: ${p.hint}` })),
      );
      save.disabled = body.problems.length > 0;
      result.scrollIntoView({ block: 'end' });
    };
    save.addEventListener('click', async () => {
      save.disabled = true;
      const { status, body } = await api('/api/studio/messages/save', { ...edit(), content: previewed });
      if (status !== 200) { result.append(el('p', { className: 'problem', textContent: body.message })); return; }
      $('reload-status').textContent = `saved ${key} (${locale}) · ${body.reload.status}`;
      await loadFlows();
      await showFlow(flow);
      const again = document.querySelector(`#diagram .node[data-state="${CSS.escape(state)}"]`);
      if (again) await showState(flow, state, again);
    });
    $('state-details').append(el('section', { className: 'editor' },
      el('h4', { textContent: `Edit ${key} (${locale})` }),
      el('label', {}, 'Chat variants, one per line', text),
      el('label', {}, 'Phone variants (☎), one per line', voice),
      el('div', {}, el('button', { type: 'button', id: 'edit-preview', textContent: 'Preview', onclick: preview }), save),
      result,
    ));
    text.focus();
  }

  /** Shows a previewed change (diff and the bot's problems) with a Save button that stays off while it would not validate. */
  async function previewAndSave(box, kind, edit, label, after) {
    const { status, body } = await api(`/api/studio/${kind}/preview`, edit);
    if (status !== 200) { box.replaceChildren(el('p', { className: 'problem', textContent: body.message })); return; }
    const save = el('button', { type: 'button', className: 'nlu-save', textContent: 'Save', disabled: body.problems.length > 0 });
    save.addEventListener('click', async () => {
      save.disabled = true;
      const saved = await api(`/api/studio/${kind}/save`, { ...edit, content: body.content });
      if (saved.status !== 200) { box.append(el('p', { className: 'problem', textContent: saved.body.message })); return; }
      $('reload-status').textContent = `saved ${label} · ${saved.body.reload.status}`;
      await loadFlows();
      await after();
    });
    box.replaceChildren(
      el('pre', { className: 'diff' }, ...body.diff.map((line) => el('div', { className: line.kind, textContent: `${line.kind === 'added' ? '+' : line.kind === 'removed' ? '-' : ' '} ${line.line} ${line.text}` }))),
      ...body.problems.map((p) => el('p', { className: 'problem', textContent: `⚠ ${p.file}:${p.line} ${p.message} Fix: ${p.hint}` })),
      save,
    );
    box.scrollIntoView({ block: 'nearest' });
  }

  /** The NLU examples of every intent and the FAQ entries of one language: add or remove an example, edit an answer. */
  async function showNlu(locale) {
    const panel = $('nlu-panel');
    const { status, body } = await api(`/api/studio/nlu/${encodeURIComponent(locale)}`);
    $('state-details').hidden = true;
    if (status !== 200) { panel.replaceChildren(el('p', { className: 'problem', textContent: body.message })); panel.hidden = false; return; }
    const again = () => showNlu(locale);
    const result = el('div', { id: 'nlu-result' });
    const chooser = el('select', { id: 'nlu-locale' }, ...[...$('try-locale').options].map((option) => el('option', { value: option.value, textContent: option.value, selected: option.value === locale })));
    chooser.addEventListener('change', () => showNlu(chooser.value));
    const exampleList = (intent, examples) => {
      const input = el('input', { className: 'nlu-add', placeholder: 'new example', ariaLabel: `New example for ${intent}` });
      const add = el('form', { className: 'nlu-add-form' }, input, el('button', { type: 'submit', textContent: 'Add' }));
      add.addEventListener('submit', (event) => {
        event.preventDefault();
        if (input.value.trim()) previewAndSave(result, 'examples', { locale, intent, add: [input.value.trim()], remove: [] }, `${intent} (${locale})`, again);
      });
      return el('details', { className: 'nlu-intent' },
        el('summary', { textContent: `${intent} (${examples.length})` }),
        el('ul', {}, ...examples.map((example) => el('li', {}, example, ' ', el('button', {
          type: 'button', className: 'nlu-remove', title: 'Remove this example', textContent: '×', ariaLabel: `Remove ${example}`,
          onclick: () => previewAndSave(result, 'examples', { locale, intent, add: [], remove: [example] }, `${intent} (${locale})`, again),
        })))),
        add,
      );
    };
    const answerEditor = (entry) => {
      const answer = entry.answer && typeof entry.answer === 'object' && !Array.isArray(entry.answer) ? entry.answer : { text: entry.answer };
      const lines = (value) => [value || []].flat().map(String).join('\n');
      const text = el('textarea', { className: 'faq-text', rows: 3, value: lines(answer.text) });
      const voice = el('textarea', { className: 'faq-voice', rows: 2, value: lines(answer.voice) });
      const split = (area) => area.value.split('\n').map((v) => v.trim()).filter(Boolean);
      return el('div', { className: 'faq-answer' },
        el('label', {}, 'Answer, one variant per line', text),
        el('label', {}, 'Phone variants (☎), one per line', voice),
        el('button', { type: 'button', className: 'faq-preview', textContent: 'Preview answer', onclick: () => previewAndSave(result, 'faq', { locale, id: entry.id, text: split(text), voice: split(voice) }, `faq ${entry.id} (${locale})`, again) }));
    };
    for (const element of [body.intents, body.faq]) element.sort((a, b) => String(a.intent || a.id).localeCompare(String(b.intent || b.id)));
    panel.replaceChildren(
      el('h3', { textContent: 'NLU examples and FAQ ' }, chooser),
      result,
      el('h4', { textContent: 'Intents (nlu.yaml)' }),
      ...body.intents.map((intent) => exampleList(intent.intent, intent.examples)),
      el('h4', { textContent: 'FAQ (faq.yaml)' }),
      ...body.faq.map((entry) => { const item = exampleList(`faq.${entry.id}`, entry.questions); item.append(answerEditor(entry)); return item; }),
    );
    // Keep the intent that was being edited open after a save.
    for (const item of panel.querySelectorAll('details.nlu-intent')) {
      const name = item.querySelector('summary').textContent.replace(/ \(\d+\)$/, '');
      item.dataset.intent = name;
      item.open = openIntents.has(name);
      item.addEventListener('toggle', () => { if (item.open) openIntents.add(name); else openIntents.delete(name); });
    }
    panel.hidden = false;
  }
  const openIntents = new Set();

  // Try it: one conversation at a time, as a web customer or a phone caller.
  let conversationId;
  const log = (className, text, extra) => {
    const item = el('li', { className }, text);
    if (extra) item.append(...extra);
    $('try-log').append(item);
    item.scrollIntoView({ block: 'nearest' });
  };
  async function turn(input, shown) {
    const channel = $('try-channel').value;
    if (shown) log('customer', shown);
    const { status, body } = await api('/api/studio/try', { conversationId, locale: $('try-locale').value, channel, input });
    if (status !== 200) { log('system', body.error ? body.error.message || body.message || body.error : 'error'); return; }
    conversationId = body.conversationId;
    if (shown && body.nlu) {
      const last = $('try-log').lastElementChild;
      const entities = body.nlu.entities.map((e) => `${e.type}=${e.value}`).join(', ');
      last.append(el('span', { className: 'nlu', textContent: `${body.nlu.intent} ${Number(body.nlu.confidence).toFixed(2)}${entities ? ` · ${entities}` : ''}` }));
    }
    for (const reply of body.replies) {
      if (reply.kind === 'message') {
        const spoken = channel === 'voice' && reply.voice ? reply.voice : reply.text;
        const quick = channel === 'web' && reply.quickReplies ? [el('span', { className: 'quick' }, ...reply.quickReplies.map((q) => el('button', {
          type: 'button', textContent: q.label, onclick: () => turn({ kind: 'payload', payload: q.payload }, q.label),
        })))] : [];
        log('bot', (channel === 'voice' ? '☎ ' : '') + spoken, [el('span', { className: 'key', textContent: reply.key || '' }), ...quick]);
      } else if (reply.kind === 'handoff') log('system', `handoff: ticket ${reply.ticketId} (${reply.queue}, ${reply.priority})`);
      else if (reply.kind === 'end') log('system', `conversation ended: ${reply.outcome}`);
    }
    $('try-state').textContent = body.state;
  }
  /** A new try-it conversation at `flow.state` with the slot values; the state's question is shown as the bot's line. */
  async function startAt(state, slots) {
    const channel = $('try-channel').value;
    const { status, body } = await api('/api/studio/try/start', { locale: $('try-locale').value, channel, state, slots });
    if (status !== 200) return { ok: false, message: body.message || body.error };
    conversationId = body.conversationId;
    $('try-log').replaceChildren();
    document.querySelector('.try').classList.toggle('phone', channel === 'voice');
    log('system', `started at ${body.state}${Object.keys(body.slots).length ? ` with ${Object.entries(body.slots).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`);
    for (const reply of body.replies) log('bot', (channel === 'voice' ? '☎ ' : '') + (channel === 'voice' && reply.voice ? reply.voice : reply.text), [el('span', { className: 'key', textContent: reply.key })]);
    $('try-state').textContent = body.state;
    return { ok: true };
  }
  async function start() {
    conversationId = undefined;
    $('try-log').replaceChildren();
    $('try-state').textContent = '–';
    document.querySelector('.try').classList.toggle('phone', $('try-channel').value === 'voice');
    await turn({ kind: 'start' });
  }

  document.addEventListener('DOMContentLoaded', () => {
    loadFlows();
    $('try-start').addEventListener('click', start);
    $('try-channel').addEventListener('change', start);
    $('try-locale').addEventListener('change', start);
    $('try-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const text = $('try-text').value.trim();
      if (!text) return;
      $('try-text').value = '';
      const low = $('try-channel').value === 'voice' && $('try-low').checked;
      turn({ kind: 'text', text, ...(low ? { sttConfidence: 0.3 } : {}) }, text);
    });
    $('try-silence').addEventListener('click', () => turn({ kind: 'no_input' }, '(silence)'));
    $('try-dtmf-send').addEventListener('click', () => {
      const digits = $('try-dtmf').value.trim();
      if (/^[0-9*#]{1,32}$/.test(digits)) turn({ kind: 'dtmf', digits }, `(keys ${digits})`);
    });
    $('edit-nlu').addEventListener('click', () => showNlu($('try-locale').value));
    $('run-tests').addEventListener('click', async () => {
      $('test-status').textContent = 'running tests…';
      const { status, body } = await api('/api/studio/tests', {});
      if (status !== 200) { $('test-status').textContent = 'tests could not run'; return; }
      coverage = body.coverage;
      $('test-status').textContent = `${body.passed} passed, ${body.failed} failed · states ${coverage.states.covered}/${coverage.states.total} · transitions ${coverage.transitions.covered}/${coverage.transitions.total}`;
      showCoverage();
      const selected = document.querySelector('#diagram .node.selected[data-state]');
      if (selected && !$('state-details').hidden) await showState(currentFlow, selected.getAttribute('data-state'), selected);
    });
    $('reload').addEventListener('click', async () => {
      $('reload-status').textContent = 'reloading…';
      const { body } = await api('/api/studio/reload', {});
      $('reload-status').textContent = body.status === 'rejected' ? `refused: ${body.diagnostics.filter((d) => d.severity === 'error').length} problem(s)` : body.status;
      await loadFlows();
    });
    start();
  });
})();
