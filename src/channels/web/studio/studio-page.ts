import type { Locale } from '../../../core/turn';
import { escapeHtml } from '../agent-console/agent-pages';

/**
 * The studio page: flows and their diagrams, a state's details, the try-it chat. The page is a shell; the data
 * comes from /api/studio/* (assets/studio.js), so what it shows is always the files as they are now.
 */
export function renderStudioPage(options: { designer: string; locales: Locale[] }): string {
  const localeOptions = options.locales.map((locale) => `<option value="${escapeHtml(locale)}">${escapeHtml(locale)}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aspa studio</title>
<link rel="stylesheet" href="/assets/studio.css">
<script src="/assets/studio.js" defer></script>
</head>
<body>
<header class="bar">
  <h1>Aspa studio</h1>
  <span class="version">version <code id="version">…</code></span>
  <button type="button" id="reload">Reload from files</button>
  <span id="reload-status" role="status"></span>
  <button type="button" id="run-tests">Run tests</button>
  <button type="button" id="edit-nlu">NLU &amp; FAQ</button>
  <span id="test-status" role="status"></span>
  <span class="who">${escapeHtml(options.designer)}</span>
</header>
<main class="layout">
  <nav class="flows" aria-label="Flows"><h2>Flows</h2><ul id="flow-list"></ul></nav>
  <section class="canvas" aria-label="Diagram">
    <div id="problems" class="problems" hidden></div>
    <div id="coverage" class="coverage" hidden></div>
    <div id="diagram" class="diagram"></div>
    <section id="state-details" class="details" hidden aria-label="State details"></section>
    <section id="nlu-panel" class="details" hidden aria-label="NLU examples and FAQ"></section>
  </section>
  <aside class="try" aria-label="Try it">
    <h2>Try it</h2>
    <div class="controls">
      <label>Language <select id="try-locale">${localeOptions}</select></label>
      <label>Channel <select id="try-channel"><option value="web">web chat</option><option value="voice">phone</option></select></label>
      <button type="button" id="try-start">New conversation</button>
    </div>
    <ol id="try-log" class="log" aria-live="polite"></ol>
    <form id="try-form" class="say">
      <input id="try-text" autocomplete="off" placeholder="Say something as the customer" aria-label="Customer message">
      <button type="submit">Send</button>
    </form>
    <div class="phone-only">
      <button type="button" id="try-silence">Silence</button>
      <input id="try-dtmf" size="6" placeholder="DTMF" aria-label="DTMF digits">
      <button type="button" id="try-dtmf-send">Press</button>
      <label><input type="checkbox" id="try-low"> low speech confidence</label>
    </div>
    <p class="state">state <code id="try-state">–</code></p>
  </aside>
</main>
</body>
</html>`;
}
