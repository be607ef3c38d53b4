/*
 * Aspa web chat widget: one script a site embeds with
 *   <script src="https://aspa.example.com/widget.js" data-locale="fi" defer></script>
 * Options (data attributes): locale (fi|en|sv), title, position (right|left), open (true = open at load),
 * pace (ms of "typing" before each further bot message of a reply; 0 shows them at once; default 700).
 * Pacing is off for users who prefer reduced motion; screen readers get every message of a reply at once
 * from a separate live region, whatever the pacing.
 *
 * Longer than our usual file: sites embed exactly one script, with no bundler and no framework.
 * Safety rule: text from the server (bot, agent, customer) only ever goes in through textContent.
 * Delivery: every customer message carries a clientMessageId (the engine drops repeats); after any
 * reconnect the log is rebuilt from the transcript and unconfirmed messages are sent again.
 */
(function () {
  'use strict';
  if (window.__aspaWidget) return;
  window.__aspaWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var base = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var data = (script && script.dataset) || {};
  var pageLang = (document.documentElement.lang || '').slice(0, 2).toLowerCase();
  var locale = pickLocale(data.locale) || pickLocale(pageLang) || 'fi';
  var position = data.position === 'left' ? 'left' : 'right';
  var storageKey = 'aspa.conversation.' + base;
  var openKey = 'aspa.open.' + base;

  var S = {};            // UI strings from locales/<lang>/widget.yaml
  var ui = {};           // DOM nodes
  var conv = null;       // { conversationId, token, locale }
  var ws = null;
  var socketUp = false;
  var attempt = 0;
  var reconnectTimer = null;
  var syncing = false;
  var buffered = [];     // socket messages that arrive while the transcript is loading
  var resyncSeq = -1;    // transcript length at the last rebuild: live messages at or below it are shown already
  var knownSeq = 0;      // the transcript length this widget has shown, as far as it knows
  var pending = [];      // [{ id, message, bubble, baseSeq, delivered, inflight }] not yet answered by the server
  var ended = false;
  var agentName = null;
  var starting = null;
  var confirmed = {};    // clientMessageIds already answered: a second answer (socket + HTTP) is dropped
  var paceMs = /^\d+$/.test(data.pace || '') ? Math.min(5000, Number(data.pace)) : 700;
  var reducedMotion = !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
  var showQueue = [];    // [{ delay, run, waited }]: what is still to be shown of the replies, in order
  var showTimer = null;
  var stringsByLocale = {};
  var freshStart = false; // the conversation was started by this page and its socket has not synced yet

  function pickLocale(value) {
    return value === 'fi' || value === 'en' || value === 'sv' ? value : null;
  }

  function t(key, vars) {
    var text = Object.prototype.hasOwnProperty.call(S, key) ? S[key] : key;
    if (vars) {
      Object.keys(vars).forEach(function (name) { text = text.split('{' + name + '}').join(String(vars[name])); });
    }
    return text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function newId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function loadStored() {
    try {
      var raw = localStorage.getItem(storageKey);
      var parsed = raw ? JSON.parse(raw) : null;
      return parsed && typeof parsed.conversationId === 'string' && typeof parsed.token === 'string' ? parsed : null;
    } catch (e) { return null; }
  }

  function store(value) {
    try {
      if (value) localStorage.setItem(storageKey, JSON.stringify(value));
      else localStorage.removeItem(storageKey);
    } catch (e) { /* private mode: the conversation lives as long as the page */ }
  }

  function api(method, path, body) {
    var headers = { 'Content-Type': 'application/json' };
    if (conv) headers.Authorization = 'Bearer ' + conv.token;
    return fetch(base + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: 'omit' })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (json) {
          if (!res.ok) { var error = new Error(json.message || ('HTTP ' + res.status)); error.status = res.status; throw error; }
          return json;
        });
      });
  }

  // ---------- DOM ----------

  // A speech-bubble icon drawn as SVG: emoji fonts are missing on many systems.
  function chatIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '20');
    svg.setAttribute('height', '20');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
    path.setAttribute('fill', 'currentColor');
    svg.appendChild(path);
    return svg;
  }

  function build() {
    var host = el('div');
    host.id = 'aspa-widget';
    var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    var css = el('link');
    css.rel = 'stylesheet';
    css.href = base + '/assets/widget.css';
    root.appendChild(css);

    var wrap = el('div', 'aspa-root aspa-' + position);
    ui.root = wrap;
    wrap.setAttribute('lang', locale);

    ui.launcher = el('button', 'aspa-launcher');
    ui.launcher.type = 'button';
    ui.launcher.setAttribute('aria-expanded', 'false');
    ui.launcher.setAttribute('aria-controls', 'aspa-panel');
    ui.launcherLabel = el('span');
    ui.launcher.appendChild(chatIcon());
    ui.launcher.appendChild(ui.launcherLabel);

    ui.panel = el('section', 'aspa-panel');
    ui.panel.id = 'aspa-panel';
    ui.panel.hidden = true;

    var header = el('header', 'aspa-header');
    var titles = el('div', 'aspa-titles');
    ui.title = el('h2', 'aspa-title');
    titles.appendChild(ui.title);
    ui.subtitle = el('p', 'aspa-subtitle');
    titles.appendChild(ui.subtitle);
    header.appendChild(titles);
    ui.close = el('button', 'aspa-close');
    ui.close.type = 'button';
    ui.close.textContent = '–';
    header.appendChild(ui.close);

    ui.log = el('div', 'aspa-log');
    ui.log.setAttribute('role', 'log');
    // The log itself is not read out as bubbles appear (they may be paced); the announcer reads each reply whole.
    ui.log.setAttribute('aria-live', 'off');
    ui.log.tabIndex = 0;
    ui.announcer = el('div', 'aspa-visually-hidden aspa-announcer');
    ui.announcer.setAttribute('aria-live', 'polite');
    ui.announcer.setAttribute('aria-atomic', 'true');

    ui.typing = el('div', 'aspa-typing');
    ui.typing.hidden = true;
    ui.typing.appendChild(el('span', 'aspa-dots')).setAttribute('aria-hidden', 'true');
    ui.typingText = el('span');
    ui.typing.appendChild(ui.typingText);

    ui.choices = el('div', 'aspa-choices');
    ui.status = el('div', 'aspa-status');
    ui.status.setAttribute('role', 'status');

    ui.form = el('form', 'aspa-form');
    var label = el('label', 'aspa-visually-hidden');
    ui.inputLabel = label;
    label.htmlFor = 'aspa-input';
    ui.input = el('input', 'aspa-input');
    ui.input.id = 'aspa-input';
    ui.input.type = 'text';
    ui.input.autocomplete = 'off';
    ui.input.maxLength = 2000;
    ui.send = el('button', 'aspa-send');
    ui.send.type = 'submit';
    ui.form.appendChild(label);
    ui.form.appendChild(ui.input);
    ui.form.appendChild(ui.send);

    ui.human = el('button', 'aspa-human');
    ui.human.type = 'button';

    [header, ui.log, ui.announcer, ui.typing, ui.choices, ui.status, ui.form, ui.human].forEach(function (n) { ui.panel.appendChild(n); });
    applyStrings();
    wrap.appendChild(ui.panel);
    wrap.appendChild(ui.launcher);
    root.appendChild(wrap);
    document.body.appendChild(host);

    ui.launcher.addEventListener('click', function () { setOpen(ui.panel.hidden); });
    ui.close.addEventListener('click', function () { setOpen(false); ui.launcher.focus(); });
    ui.panel.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') { setOpen(false); ui.launcher.focus(); }
    });
    ui.form.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = ui.input.value.trim();
      if (!text) return;
      ui.input.value = '';
      send({ type: 'message', text: text }, text);
    });
    ui.human.addEventListener('click', function () {
      send({ type: 'payload', payload: 'human_agent', text: t('human_payload_text') }, t('human_payload_text'));
    });
  }

  /** The widget's own texts in the current language (again after the conversation switched language). */
  function applyStrings() {
    ui.root.setAttribute('lang', locale);
    ui.launcherLabel.textContent = ui.panel.hidden ? t('open') : t('close');
    ui.panel.setAttribute('aria-label', data.title || t('title'));
    ui.title.textContent = data.title || t('title');
    ui.subtitle.textContent = agentName ? t('agent_badge', { name: agentName }) : t('subtitle');
    ui.close.setAttribute('aria-label', t('close'));
    ui.log.setAttribute('aria-label', t('log_label'));
    ui.typingText.textContent = t('typing');
    ui.inputLabel.textContent = t('input_label');
    ui.input.placeholder = t('placeholder');
    ui.send.textContent = t('send');
    ui.human.textContent = t('human');
    // New texts may change the header's height: keep the newest message in view.
    scrollDown();
  }

  function fetchStrings(lang) {
    if (stringsByLocale[lang]) return Promise.resolve(stringsByLocale[lang]);
    return fetch(base + '/api/web/strings/' + lang, { credentials: 'omit' }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (strings) { stringsByLocale[lang] = strings; return strings; });
  }

  /** The conversation is now in `lang`: the chrome follows (the bubbles already shown stay as they were). */
  function followLocale(lang) {
    lang = pickLocale(lang);
    if (!lang || lang === locale) return Promise.resolve();
    if (conv && conv.locale !== lang) { conv.locale = lang; store(conv); }
    return fetchStrings(lang).then(function (strings) { S = strings; }, function () { /* keep the texts we have */ }).then(function () {
      locale = lang;
      applyStrings();
    });
  }

  function setOpen(open) {
    ui.panel.hidden = !open;
    ui.root.classList.toggle('aspa-open', open);
    ui.launcher.setAttribute('aria-expanded', String(open));
    ui.launcherLabel.textContent = open ? t('close') : t('open');
    try { sessionStorage.setItem(openKey, open ? '1' : '0'); } catch (e) { /* ignore */ }
    if (open) {
      ensureConversation();
      ui.input.focus();
      scrollDown();
    }
  }

  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function appendText(parent, text) {
    // Line breaks stay line breaks; nothing else is interpreted.
    String(text).split('\n').forEach(function (line, index) {
      if (index > 0) parent.appendChild(document.createElement('br'));
      parent.appendChild(document.createTextNode(line));
    });
  }

  function addBubble(from, text, options) {
    options = options || {};
    if (from === 'system') return addNotice(text, 'aspa-agent-event');
    var item = el('div', 'aspa-msg aspa-from-' + from);
    var who = from === 'customer' ? t('you') : from === 'agent' ? (options.agentName || t('agent')) : t('bot');
    // Consecutive bubbles of one sender form a group: the name is shown once (screen readers still get it).
    var previous = ui.log.lastElementChild;
    var grouped = previous && previous.classList.contains('aspa-msg') && previous.dataset.from === from && previous.dataset.who === who;
    item.dataset.from = from;
    item.dataset.who = who;
    if (grouped) item.classList.add('aspa-grouped');
    item.appendChild(el('span', grouped ? 'aspa-who aspa-visually-hidden' : 'aspa-who', who));
    var body = el('p', 'aspa-text');
    appendText(body, text);
    item.appendChild(body);
    var at = new Date(typeof options.at === 'number' ? options.at : Date.now());
    var time = el('time', 'aspa-time', formatTime(at));
    time.dateTime = at.toISOString();
    item.appendChild(time);
    (options.links || []).forEach(function (link) {
      if (!/^https?:\/\//i.test(link.url)) return;
      var a = el('a', 'aspa-link', link.title);
      a.href = link.url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.appendChild(el('span', 'aspa-visually-hidden', ' ' + t('link_opens_new')));
      item.appendChild(a);
    });
    ui.log.appendChild(item);
    scrollDown();
    return item;
  }

  function formatTime(date) {
    try { return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }); } catch (e) { return date.toISOString().slice(11, 16); }
  }

  function addNotice(text, className) {
    var item = el('div', 'aspa-notice' + (className ? ' ' + className : ''), text);
    ui.log.appendChild(item);
    scrollDown();
    return item;
  }

  function clearChoices() {
    while (ui.choices.firstChild) ui.choices.removeChild(ui.choices.firstChild);
  }

  function showQuickReplies(quickReplies) {
    clearChoices();
    var group = el('div', 'aspa-quick');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', t('quick_replies_label'));
    quickReplies.forEach(function (q) {
      var button = el('button', 'aspa-chip', q.label);
      button.type = 'button';
      button.addEventListener('click', function () { send({ type: 'payload', payload: q.payload, text: q.label }, q.label); });
      group.appendChild(button);
    });
    ui.choices.appendChild(group);
    scrollDown(); // the buttons took room from the log
  }

  function showStars() {
    clearChoices();
    var group = el('div', 'aspa-stars');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', t('rating_label'));
    group.appendChild(el('span', 'aspa-stars-label', t('rating_label')));
    for (var n = 1; n <= 5; n++) {
      (function (value) {
        var star = el('button', 'aspa-star', '★');
        star.type = 'button';
        star.dataset.value = String(value);
        star.setAttribute('aria-label', t('rating_star', { n: value }));
        star.addEventListener('click', function () {
          clearChoices();
          // The bot thanks for the rating itself (survey.thanks), so no local notice here.
          send({ type: 'rating', value: value }, '★★★★★'.slice(0, value) + '☆☆☆☆☆'.slice(value));
        });
        group.appendChild(star);
      })(n);
    }
    ui.choices.appendChild(group);
    scrollDown();
  }

  function setAgent(name) {
    agentName = name || null;
    ui.subtitle.textContent = agentName ? t('agent_badge', { name: agentName }) : t('subtitle');
    ui.panel.classList.toggle('aspa-with-agent', Boolean(agentName));
  }

  function setEnded(value) {
    ended = value;
    ui.input.disabled = value;
    ui.send.disabled = value;
    if (value && !ui.panel.querySelector('.aspa-restart')) {
      addNotice(t('ended'), 'aspa-ended');
      var restart = el('button', 'aspa-restart', t('new_conversation'));
      restart.type = 'button';
      restart.addEventListener('click', restartConversation);
      ui.choices.appendChild(restart);
    }
  }

  function setStatus(text) {
    ui.status.textContent = text || '';
  }

  // ---------- rendering server messages ----------

  function pacing() {
    return paceMs > 0 && !reducedMotion;
  }

  /** Shows the queued items in order; an item with a delay waits that long behind the typing indicator. */
  function drainQueue() {
    showTimer = null;
    while (showQueue.length) {
      var next = showQueue[0];
      if (next.delay > 0 && !next.waited) {
        next.waited = true;
        ui.typing.hidden = false;
        showTimer = setTimeout(drainQueue, next.delay);
        return;
      }
      showQueue.shift();
      if (next.delay > 0) ui.typing.hidden = true;
      next.run();
    }
    ui.root.removeAttribute('data-pacing');
  }

  function enqueue(items) {
    if (!items.length) return;
    showQueue.push.apply(showQueue, items);
    ui.root.setAttribute('data-pacing', 'true');
    if (!showTimer) drainQueue();
  }

  /** Everything still queued, at once (the customer writes again, or the log is rebuilt). */
  function flushQueue(drop) {
    clearTimeout(showTimer);
    showTimer = null;
    if (drop) showQueue = [];
    showQueue.forEach(function (item) { item.delay = 0; });
    if (showQueue.length) ui.typing.hidden = true;
    drainQueue();
  }

  function renderReplies(replies, skipTexts) {
    var last = null;
    var items = [];
    var spoken = [];
    // Something is still being shown: the first new message waits its turn too.
    var shown = showQueue.length > 0;
    var delayFor = function (text) {
      if (!pacing() || !shown) { shown = true; return 0; }
      return paceMs + Math.min(800, String(text).length * 8);
    };
    replies.forEach(function (reply) {
      if (reply.kind === 'message' && reply.notice) {
        if (!skipTexts) { spoken.push(reply.text); items.push({ delay: 0, run: function () { addNotice(reply.text, 'aspa-agent-event'); } }); }
      } else if (reply.kind === 'message') {
        if (!skipTexts) {
          spoken.push(reply.text);
          items.push({ delay: delayFor(reply.text), run: function () { addBubble(reply.from, reply.text, { agentName: reply.agentName, links: reply.links }); } });
        }
        last = reply;
      } else if (reply.kind === 'handoff') {
        if (!skipTexts) {
          var text = t(reply.agentsAvailable ? 'ticket_created' : 'ticket_callback', { id: reply.ticketId });
          spoken.push(text);
          items.push({ delay: 0, run: function () { addNotice(text, 'aspa-ticket').dataset.ticketId = reply.ticketId; } });
        }
      } else if (reply.kind === 'end') {
        items.push({ delay: 0, run: function () { setEnded(true); } });
      }
    });
    if (last) {
      var buttons = last;
      items.push({ delay: 0, run: function () {
        if (ended) return;
        if (buttons.rating === 'stars') showStars();
        else if (buttons.quickReplies && buttons.quickReplies.length) showQuickReplies(buttons.quickReplies);
      } });
    }
    // Screen readers hear the whole reply at once, however it is paced on screen.
    if (spoken.length) ui.announcer.textContent = spoken.join('\n');
    enqueue(items);
  }

  var held = null;       // server messages waiting for the texts of the conversation's new language

  function onServerMessage(message) {
    if (held && message.type !== 'typing') { held.push(message); return; }
    if (message.type === 'replies' && pickLocale(message.locale) && message.locale !== locale) {
      // The reply is in another language now: its bubbles and the chrome switch together.
      held = [message];
      followLocale(message.locale).then(function () {
        var queued = held;
        held = null;
        queued.forEach(handleServerMessage);
      });
      return;
    }
    handleServerMessage(message);
  }

  function handleServerMessage(message) {
    if (syncing && message.type !== 'typing') { buffered.push(message); return; }
    if (message.type === 'typing') { ui.typing.hidden = false; return; }
    if (!showTimer) ui.typing.hidden = true;
    if (message.type === 'replies') {
      if (message.clientMessageId && confirmed[message.clientMessageId]) return;
      if (message.clientMessageId) confirmed[message.clientMessageId] = true;
      if (message.locale) followLocale(message.locale);
      var entry = takePending(message.clientMessageId);
      if (entry) entry.bubble.classList.remove('aspa-sending');
      // A repeat of a message sent before a rebuild: the transcript already showed its answer.
      // A message the rebuilt transcript already showed, with its answer: only its buttons are new.
      var seen = entry ? entry.delivered : message.seq <= resyncSeq;
      knownSeq = Math.max(knownSeq, message.seq);
      renderReplies(message.replies || [], seen);
      if (message.status === 'agent') setAgent(message.agentName); else if (message.status && agentName) setAgent(null);
    } else if (message.type === 'agent') {
      if (message.seq <= resyncSeq) return;
      knownSeq = Math.max(knownSeq, message.seq);
      var name = message.agentName || t('agent');
      var replies = message.replies || [];
      // The engine's own join/leave line (a catalogue notice) is shown; ours only when it sent none.
      var hasNotice = replies.some(function (r) { return r.kind === 'message' && r.notice; });
      if (message.event === 'agent_joined') { setAgent(name); if (!hasNotice) addNotice(t('agent_joined', { name: name }), 'aspa-agent-event'); }
      else if (message.event === 'agent_left') { setAgent(null); if (!hasNotice) addNotice(t('agent_left', { name: name }), 'aspa-agent-event'); }
      else if (message.event === 'closed') { setAgent(null); addNotice(t('agent_closed', { name: name }), 'aspa-agent-event'); }
      else if (message.event !== 'agent_message') return;
      renderReplies(replies, false);
      if (message.event === 'closed') setEnded(true);
    } else if (message.type === 'error') {
      var failed = takePending(message.clientMessageId);
      if (failed) failed.bubble.classList.add('aspa-failed');
      addNotice(message.code === 'bad_message' ? message.message : t('error_generic'), 'aspa-error');
    }
  }

  function takePending(id) {
    if (!id) return null;
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].id === id) return pending.splice(i, 1)[0];
    }
    return null;
  }

  // ---------- conversation and transport ----------

  function ensureConversation() {
    if (conv || starting) return starting || Promise.resolve();
    setStatus(t('connecting'));
    starting = api('POST', '/api/web/conversations', { locale: locale }).then(function (started) {
      conv = { conversationId: started.conversationId, token: started.token, locale: started.locale };
      store(conv);
      followLocale(started.locale);
      resyncSeq = started.seq;
      knownSeq = started.seq;
      freshStart = true;
      renderReplies(started.replies || [], false);
      setStatus('');
      connect();
    }).catch(function () {
      setStatus(t('error_generic'));
    }).then(function () { starting = null; });
    return starting;
  }

  function restartConversation() {
    store(null);
    if (ws) { ws.onclose = null; ws.close(); ws = null; }
    conv = null;
    pending = [];
    flushQueue(true);
    agentName = null;
    setAgent(null);
    ended = false;
    ui.input.disabled = false;
    ui.send.disabled = false;
    while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
    clearChoices();
    ensureConversation();
    ui.input.focus();
  }

  function connect() {
    if (!conv) return;
    clearTimeout(reconnectTimer);
    var url = base.replace(/^http/, 'ws') + '/ws?conversationId=' + encodeURIComponent(conv.conversationId) + '&token=' + encodeURIComponent(conv.token);
    var socket = new WebSocket(url);
    ws = socket;
    syncing = true;
    socket.onopen = function () {
      socketUp = true;
      attempt = 0;
      setStatus('');
      resync().then(flushPending);
    };
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      onServerMessage(message);
    };
    socket.onclose = function () {
      if (ws !== socket) return;
      socketUp = false;
      ws = null;
      if (!conv) return;
      setStatus(t('reconnecting'));
      // Exponential backoff with jitter, at most 30 s between tries.
      var delay = Math.min(30000, 500 * Math.pow(2, attempt++)) * (0.75 + Math.random() * 0.5);
      reconnectTimer = setTimeout(function () {
        // A 403 on the transcript means the conversation is gone: start afresh instead of retrying forever.
        api('GET', '/api/web/conversations/' + encodeURIComponent(conv.conversationId) + '/transcript').then(connect, function (error) {
          if (error.status === 401 || error.status === 403) restartConversation(); else connect();
        });
      }, delay);
    };
  }

  function resync() {
    syncing = true;
    // aria-busy: screen readers should not read the whole rebuilt log out again.
    ui.log.setAttribute('aria-busy', 'true');
    return api('GET', '/api/web/conversations/' + encodeURIComponent(conv.conversationId) + '/transcript').then(function (view) {
      if (view.locale) followLocale(view.locale);
      // The first connect of a conversation this page just started: the log already shows the transcript (its
      // greeting may still be being paced onto it), so it is not rebuilt. Any later connect rebuilds.
      var fresh = freshStart;
      freshStart = false;
      if (fresh && view.seq === knownSeq && pending.length === 0) {
        resyncSeq = view.seq;
        setAgent(view.status === 'agent' ? view.agentName : null);
        if (view.ended) setEnded(true);
        return;
      }
      flushQueue(true);
      while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
      clearChoices();
      view.lines.forEach(function (line) { addBubble(line.from, line.text, { agentName: line.agentName, at: line.at }); });
      resyncSeq = view.seq;
      knownSeq = view.seq;
      setAgent(view.status === 'agent' ? view.agentName : null);
      var lastLine = view.lines[view.lines.length - 1];
      if (view.ended) setEnded(true);
      else if (lastLine && lastLine.from === 'bot') renderReplies(view.replies || [], true);
      // Unanswered messages that the server did get show up in the transcript, in order, after the point
      // they were sent at; the rest go back to the end of the log and are sent again.
      var customerLines = view.lines.filter(function (line) { return line.from === 'customer'; });
      var cursor = 0;
      pending = pending.filter(function (entry) {
        if (entry.delivered) return entry.inflight;
        while (cursor < customerLines.length && (customerLines[cursor].index < entry.baseSeq || customerLines[cursor].text !== entry.serverText)) cursor++;
        if (cursor < customerLines.length) {
          cursor++;
          entry.delivered = true;
          entry.bubble.remove();
          return entry.inflight; // keep it only to recognise the answer still on its way
        }
        ui.log.appendChild(entry.bubble);
        return true;
      });
      scrollDown();
    }).catch(function (error) {
      if (error.status === 401 || error.status === 403) restartConversation();
    }).then(function () {
      ui.log.removeAttribute('aria-busy');
      syncing = false;
      var queued = buffered;
      buffered = [];
      queued.forEach(onServerMessage);
    });
  }

  function flushPending() {
    pending.forEach(function (entry) { if (!entry.inflight && !entry.delivered) transmit(entry); });
  }

  function send(message, shownText) {
    if (ended) return;
    // The customer is not waiting for the rest of the last reply: show it before their message.
    flushQueue(false);
    clearChoices();
    var serverText = message.type === 'message' ? message.text : message.type === 'rating' ? String(message.value) : (message.text || message.payload);
    var entry = { id: newId(), message: message, bubble: addBubble('customer', shownText), serverText: serverText, baseSeq: knownSeq, delivered: false, inflight: false };
    entry.bubble.classList.add('aspa-sending');
    message.clientMessageId = entry.id;
    pending.push(entry);
    ensureConversation().then(function () { if (conv) transmit(entry); });
  }

  function transmit(entry) {
    if (ws && socketUp && ws.readyState === WebSocket.OPEN && !syncing) {
      ws.send(JSON.stringify(entry.message));
      return;
    }
    if (syncing && ws && socketUp) return; // flushPending sends it when the rebuild is done
    // HTTP fallback while the socket is down; on failure the message waits for the reconnect.
    ui.typing.hidden = false;
    entry.inflight = true;
    api('POST', '/api/web/conversations/' + encodeURIComponent(conv.conversationId) + '/messages', entry.message)
      .then(function (reply) { entry.inflight = false; onServerMessage(reply); }, function (error) {
        entry.inflight = false;
        ui.typing.hidden = true;
        if (error.status === 400) { var failed = takePending(entry.id); if (failed) failed.bubble.classList.add('aspa-failed'); addNotice(error.message, 'aspa-error'); }
        else setStatus(t('offline'));
      });
  }

  function init(strings) {
    S = strings || {};
    stringsByLocale[locale] = S;
    build();
    conv = loadStored();
    if (conv && conv.locale) followLocale(conv.locale);
    if (conv) connect();
    var wasOpen = false;
    try { wasOpen = sessionStorage.getItem(openKey) === '1'; } catch (e) { /* ignore */ }
    if (data.open === 'true' || wasOpen) setOpen(true);
  }

  function start() {
    // Without its texts the widget cannot talk to this server (down, or this site is not on its
    // WEB_ALLOWED_ORIGINS list): it stays hidden rather than showing a chat that cannot work.
    fetchStrings(locale)
      .then(init, function (error) {
        if (window.console) console.warn('Aspa chat is not available on this page (' + error.message + '). Is ' + location.origin + ' in WEB_ALLOWED_ORIGINS of ' + base + '?');
      });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
