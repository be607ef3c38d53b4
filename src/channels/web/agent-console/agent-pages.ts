/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);
}

/** JSON that is safe inside a `<script type="application/json">` element (no `</script>` break-out). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export type AgentPage = 'login' | 'queue' | 'ticket';

/**
 * The HTML shell of a console page. Data arrives through the JSON API and is put on the page by
 * `agent-console.js` with `textContent` only; the server renders nothing but escaped strings here.
 */
export function renderAgentPage(page: AgentPage, options: { lang: string; strings: Record<string, string>; agentName?: string; ticketId?: string; dashboardLink?: string }): string {
  const { lang, strings } = options;
  const title = strings[`page_${page}`] ?? 'Aspa';
  const data = { page, agentName: options.agentName ?? null, ticketId: options.ticketId ?? null, strings };
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Aspa</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/agent-console.css">
<script type="application/json" id="aspa-console-data">${jsonForScript(data)}</script>
<script src="/assets/agent-console.js" defer></script>
</head>
<body data-page="${escapeHtml(page)}">
<header class="topbar">
  <a class="brand" href="/agent/queue">Aspa · ${escapeHtml(strings.console_title ?? 'Agent console')}</a>
  ${options.dashboardLink ? `<a class="nav" href="/agent/dashboard">${escapeHtml(options.dashboardLink)}</a>` : ''}
  ${options.agentName ? `<span class="who">${escapeHtml(options.agentName)}</span> <button type="button" id="logout">${escapeHtml(strings.logout ?? 'Log out')}</button>` : ''}
</header>
<main id="main" tabindex="-1"><noscript>${escapeHtml(strings.needs_js ?? 'The console needs JavaScript.')}</noscript></main>
<div id="status" class="visually-hidden" role="status" aria-live="polite"></div>
</body>
</html>`;
}
