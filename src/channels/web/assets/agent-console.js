/*
 * Aspa agent console: login, ticket queue and ticket page. Plain JS, no framework.
 * Safety rule: every value from the API goes into the page through textContent only.
 * Live updates: /agent/ws sends hints ("tickets changed", "conversation X changed") and the page
 * re-fetches; a poll every few seconds covers a dropped socket and other server instances.
 */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('aspa-console-data').textContent);
  var S = data.strings || {};
  var main = document.getElementById('main');
  var statusEl = document.getElementById('status');
  var clockSkew = 0; // server time - browser time, so "time left" follows the server's clock

  function t(key, vars) {
    var text = Object.prototype.hasOwnProperty.call(S, key) ? S[key] : key;
    if (vars) Object.keys(vars).forEach(function (k) { text = text.split('{' + k + '}').join(String(vars[k])); });
    return text;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else if (key.indexOf('on') === 0) node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function announce(text) { statusEl.textContent = text; }

  function api(method, path, body) {
    return fetch(path, {
      method: method, credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (res.status === 401 && data.page !== 'login') { location.href = '/agent'; throw new Error('login'); }
        if (!res.ok) throw new Error(json.message || ('HTTP ' + res.status));
        return json;
      });
    });
  }

  function formatLeft(ms) {
    var abs = Math.abs(ms);
    var minutes = Math.floor(abs / 60000);
    var text = minutes >= 60 ? t('hours', { h: Math.floor(minutes / 60), m: minutes % 60 }) : t('minutes', { n: minutes });
    return ms < 0 ? t('overdue', { t: text }) : text;
  }

  function formatScore(score) {
    return (Math.round(score * 100) / 100).toFixed(2).replace('-', '−');
  }

  function formatTime(at) {
    return new Date(at).toLocaleString(document.documentElement.lang || 'fi', { dateStyle: 'short', timeStyle: 'short' });
  }

  function errorBox(message) {
    return el('p', { className: 'error', role: 'alert', text: t('error', { message: message }) });
  }

  var logout = document.getElementById('logout');
  if (logout) logout.addEventListener('click', function () {
    api('POST', '/api/agent/logout', {}).then(function () { location.href = '/agent'; }, function () { location.href = '/agent'; });
  });

  // ---------- live hints ----------
  function listen(onHint) {
    var attempt = 0;
    function open() {
      var socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/agent/ws');
      socket.onopen = function () { attempt = 0; };
      socket.onmessage = function (event) {
        try { onHint(JSON.parse(event.data)); } catch (e) { /* ignore bad hint */ }
      };
      socket.onclose = function (event) {
        if (event.code === 4001) { location.href = '/agent'; return; }
        setTimeout(open, Math.min(30000, 1000 * Math.pow(2, attempt++)));
      };
    }
    open();
  }

  // ---------- login ----------
  function loginPage() {
    var name = el('input', { id: 'name', name: 'name', autocomplete: 'username', required: 'required', maxlength: '60' });
    var password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: 'required' });
    var message = el('div', { 'aria-live': 'assertive' });
    var form = el('form', { className: 'card login' }, [
      el('h1', { text: t('login_heading') }),
      el('label', { for: 'name', text: t('name') }), name,
      el('label', { for: 'password', text: t('password') }), password,
      el('button', { type: 'submit', text: t('login') }),
      message,
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      clear(message);
      api('POST', '/api/agent/login', { name: name.value, password: password.value })
        // A manager without the agent role has no queue to work: the dashboard is theirs.
        .then(function (me) { var roles = (me && me.roles) || []; location.href = roles.indexOf('agent') < 0 && roles.indexOf('manager') >= 0 ? '/agent/dashboard' : '/agent/queue'; })
        .catch(function (error) { message.appendChild(errorBox(error.message)); password.value = ''; password.focus(); });
    });
    main.appendChild(form);
    name.focus();
  }

  // ---------- queue ----------
  function queuePage() {
    var heading = el('h1', { text: t('queue_heading') });
    var holder = el('div');
    main.appendChild(heading);
    main.appendChild(holder);

    function render(result) {
      clockSkew = result.now - Date.now();
      clear(holder);
      if (!result.tickets.length) { holder.appendChild(el('p', { className: 'empty', text: t('queue_empty') })); return; }
      var rows = result.tickets.map(function (ticket) {
        var left = ticket.dueAt - (Date.now() + clockSkew);
        return el('tr', { className: 'priority-' + ticket.priority + (left < 0 ? ' overdue' : ''), 'data-ticket-id': ticket.id }, [
          el('td', {}, [el('a', { href: '/agent/tickets/' + encodeURIComponent(ticket.id), text: ticket.id })]),
          el('td', {}, [el('span', { className: 'badge badge-' + ticket.priority, text: t('priority_' + ticket.priority) })]),
          el('td', { text: ticket.queue }),
          el('td', { text: t('reason_' + ticket.reason) }),
          el('td', { text: ticket.intent || '–' }),
          el('td', { className: 'customer', text: ticket.customer || ticket.contactName || '–' }),
          el('td', { className: 'time-left', text: formatLeft(left) }),
          el('td', { text: ticket.status === 'claimed' ? t('status_claimed', { agent: ticket.agent || '' }) : t('status_' + ticket.status) }),
        ]);
      });
      var head = ['col_id', 'col_priority', 'col_queue', 'col_reason', 'col_topic', 'col_customer', 'col_time_left', 'col_status']
        .map(function (key) { return el('th', { scope: 'col', text: t(key) }); });
      holder.appendChild(el('table', { className: 'queue' }, [el('thead', {}, [el('tr', {}, head)]), el('tbody', {}, rows)]));
    }

    function refresh() {
      return api('GET', '/api/agent/tickets').then(render).catch(function (error) {
        if (error.message !== 'login') { clear(holder); holder.appendChild(errorBox(error.message)); }
      });
    }
    refresh();
    setInterval(refresh, 5000);
    listen(function (hint) { if (hint.type === 'tickets_changed' || hint.type === 'conversation_changed') refresh(); });
  }

  // ---------- ticket ----------
  function ticketPage() {
    var id = data.ticketId;
    var me = data.agentName;
    var view = el('div', { className: 'ticket-view' });
    main.appendChild(el('p', {}, [el('a', { href: '/agent/queue', text: t('back_to_queue') })]));
    main.appendChild(view);
    var current = null;
    var replyDraft = '';
    var resolutionDraft = '';

    function act(path, body) {
      return api('POST', '/api/agent/tickets/' + encodeURIComponent(id) + path, body || {})
        .then(function () { announce(t('updated')); return refresh(); })
        .catch(function (error) { if (error.message !== 'login') view.insertBefore(errorBox(error.message), view.firstChild); });
    }

    function dl(pairs) {
      if (!pairs.some(function (pair) { return pair[1] !== undefined && pair[1] !== null && pair[1] !== ''; })) return el('p', { className: 'hint', text: '–' });
      var list = el('dl');
      pairs.forEach(function (pair) {
        if (pair[1] === undefined || pair[1] === null || pair[1] === '') return;
        list.appendChild(el('dt', { text: pair[0] }));
        list.appendChild(el('dd', { text: String(pair[1]) }));
      });
      return list;
    }

    function render(result) {
      clockSkew = result.now - Date.now();
      current = result;
      var ticket = result.ticket;
      var conversation = result.conversation;
      var mine = ticket.status === 'claimed' && ticket.agent === me;
      var replyBox = view.querySelector('#reply');
      if (replyBox) replyDraft = replyBox.value;
      var resolutionBox = view.querySelector('#resolution');
      if (resolutionBox) resolutionDraft = resolutionBox.value;
      var hadFocus = document.activeElement && document.activeElement.id;
      clear(view);

      var left = ticket.dueAt - (Date.now() + clockSkew);
      view.appendChild(el('h1', {}, [
        el('span', { className: 'ticket-id', text: ticket.id + ' ' }),
        el('span', { className: 'badge badge-' + ticket.priority, text: t('priority_' + ticket.priority) }),
      ]));
      view.appendChild(el('p', { className: 'meta', text: t('reason_' + ticket.reason) + ' · ' + ticket.queue + ' · ' + t('col_time_left') + ': ' + formatLeft(left) + ' · ' +
        (ticket.status === 'claimed' ? t('status_claimed', { agent: ticket.agent }) : t('status_' + ticket.status)) }));

      var actions = el('div', { className: 'actions' });
      if (ticket.status !== 'closed' && !mine) actions.appendChild(el('button', { type: 'button', id: 'claim', text: t('claim'), onclick: function () { act('/claim'); } }));
      if (mine && conversation.status === 'agent') actions.appendChild(el('button', { type: 'button', id: 'release', className: 'secondary', text: t('release'), onclick: function () { act('/release'); } }));
      view.appendChild(actions);

      var columns = el('div', { className: 'columns' });
      var left1 = el('div', { className: 'col' });
      var right1 = el('div', { className: 'col' });
      columns.appendChild(left1);
      columns.appendChild(right1);
      view.appendChild(columns);

      left1.appendChild(el('section', { className: 'card', 'aria-labelledby': 'h-summary' }, [
        el('h2', { id: 'h-summary', text: t('summary') }), el('p', { className: 'summary', text: ticket.summary }),
      ]));

      var lines = conversation.transcript.map(function (entry) {
        var who = entry.from === 'agent' ? (entry.agentName || t('from_agent')) : t('from_' + entry.from);
        return el('li', { className: 'line from-' + entry.from }, [
          el('span', { className: 'who', text: who }),
          el('time', { datetime: new Date(entry.at).toISOString(), text: formatTime(entry.at) }),
          el('p', { className: 'text', text: entry.text }),
        ]);
      });
      var transcript = el('ol', { className: 'transcript', 'aria-live': 'polite', 'aria-relevant': 'additions' }, lines);
      left1.appendChild(el('section', { className: 'card', 'aria-labelledby': 'h-transcript' }, [
        el('h2', { id: 'h-transcript', text: t('transcript') }),
        el('p', { className: 'hint', text: conversation.status === 'agent' ? t('conversation_with_agent', { agent: conversation.agentName || '' }) : t('conversation_with_bot') }),
        transcript,
      ]));

      if (mine && conversation.live && conversation.status === 'agent') {
        var reply = el('textarea', { id: 'reply', rows: '3', maxlength: '2000' });
        reply.value = replyDraft;
        var replyForm = el('form', { className: 'card reply' }, [
          el('label', { for: 'reply', text: t('reply_label') }), reply,
          el('p', { className: 'hint', text: t('live_yes') }),
          el('button', { type: 'submit', id: 'reply-send', text: t('reply_send') }),
        ]);
        replyForm.addEventListener('submit', function (event) {
          event.preventDefault();
          var text = reply.value.trim();
          if (!text) return;
          replyDraft = '';
          reply.value = '';
          act('/messages', { text: text });
        });
        reply.addEventListener('keydown', function (event) {
          if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); replyForm.requestSubmit(); }
        });
        left1.appendChild(replyForm);
      } else if (mine && !conversation.live) {
        // Only point at contact details the ticket actually has (they are asked at handoff when the customer may leave).
        var reachable = ticket.contact && (ticket.contact.phone || ticket.contact.email);
        left1.appendChild(el('p', { className: 'hint', id: 'not-live', text: reachable ? t('live_no') : t('live_no_contact', { id: ticket.id }) }));
      }

      var contact = ticket.contact || {};
      var sentiment = ticket.sentiment;
      right1.appendChild(el('section', { className: 'card' }, [
        el('h2', { text: t('details') }),
        dl([[t('col_topic'), ticket.intent], [t('col_queue'), ticket.queue], [t('col_reason'), t('reason_' + ticket.reason)],
          [t('sentiment'), sentiment ? t('sentiment_' + sentiment.label) + ' (' + formatScore(sentiment.last) + ')' : null],
          ['SLA', formatTime(ticket.dueAt)], [t('channel'), ticket.channel + ' · ' + ticket.locale]]),
        el('h3', { text: t('contact') }),
        dl([['👤', contact.name], ['☎', contact.phone], ['✉', contact.email],
          [t('contact_source'), contact.source ? t('contact_source_' + contact.source + (contact.source === 'channel' && ticket.channel === 'voice' ? '_voice' : '')) : null]]),
        el('h3', { text: t('slots') }),
        dl(Object.keys(ticket.slots || {}).map(function (key) { return [key, ticket.slots[key]]; })),
      ]));

      var history = (result.history || []).map(function (contactRecord) {
        var parts = [formatTime(contactRecord.at), t('channel_' + contactRecord.channel)];
        if (contactRecord.topic || contactRecord.intent) parts.push(contactRecord.topic || contactRecord.intent);
        if (contactRecord.outcome) parts.push(t('outcome_' + contactRecord.outcome));
        var line = el('p', { text: parts.join(' · ') });
        if (contactRecord.ticketId) {
          line.appendChild(document.createTextNode(' · '));
          line.appendChild(contactRecord.ticketOpenable
            ? el('a', { href: '/agent/tickets/' + encodeURIComponent(contactRecord.ticketId), text: contactRecord.ticketId })
            : el('span', { text: contactRecord.ticketId }));
        }
        var details = Object.keys(contactRecord.slots || {}).filter(function (key) {
          var value = contactRecord.slots[key];
          return value !== null && value !== '' && value !== undefined;
        }).slice(0, 4).map(function (key) { return key + ': ' + String(contactRecord.slots[key]).slice(0, 60); });
        return el('li', { 'data-conversation-id': contactRecord.conversationId }, [line,
          contactRecord.summary ? el('p', { className: 'hint', text: contactRecord.summary }) : null,
          details.length ? el('p', { className: 'hint', text: details.join(' · ') }) : null]);
      });
      right1.appendChild(el('section', { className: 'card' }, [
        el('h2', { text: t('history') }),
        history.length ? el('ul', { className: 'history' }, history) : el('p', { text: t('history_empty') }),
      ]));

      if (ticket.status === 'closed') {
        right1.appendChild(el('p', { className: 'card closed', text: t('closed_note', { text: ticket.resolution || '' }) }));
      } else {
        var resolution = el('textarea', { id: 'resolution', rows: '3', maxlength: '2000', required: 'required' });
        resolution.value = resolutionDraft;
        var closeForm = el('form', { className: 'card' }, [
          el('label', { for: 'resolution', text: t('resolution_label') }), resolution,
          el('button', { type: 'submit', id: 'close-ticket', className: 'danger', text: t('close_ticket') }),
        ]);
        closeForm.addEventListener('submit', function (event) {
          event.preventDefault();
          if (!resolution.value.trim()) return;
          resolutionDraft = '';
          act('/close', { resolution: resolution.value.trim() });
        });
        right1.appendChild(closeForm);
      }
      transcript.scrollTop = transcript.scrollHeight;
      if (hadFocus && document.getElementById(hadFocus)) document.getElementById(hadFocus).focus();
    }

    function refresh() {
      return api('GET', '/api/agent/tickets/' + encodeURIComponent(id)).then(render).catch(function (error) {
        if (error.message !== 'login') { clear(view); view.appendChild(errorBox(error.message)); }
      });
    }
    refresh();
    setInterval(function () {
      // Do not redraw under the agent's fingers.
      var typing = document.activeElement && (document.activeElement.id === 'reply' || document.activeElement.id === 'resolution');
      if (!typing) refresh();
    }, 4000);
    listen(function (hint) {
      if (hint.type === 'conversation_changed' && current && hint.conversationId === current.conversation.id) refresh();
      if (hint.type === 'tickets_changed') refresh();
    });
  }

  if (data.page === 'login') loginPage();
  else if (data.page === 'queue') queuePage();
  else if (data.page === 'ticket') ticketPage();
})();
