import type { ReportQuery } from '../../../analytics/load-service-report';
import { CONVERSATION_OUTCOMES, type ConversationOutcome, type Durations, type ServiceReport } from '../../../analytics/service-report';
import { escapeHtml } from '../agent-console/agent-pages';
import { horizontalBars, lineChart, PALETTE, stackedBars } from './svg-charts';

/**
 * The dashboard page, rendered on the server from the same report the JSON API answers: no script, so the figures a
 * manager reads are exactly the API's. Every KPI carries its raw value in `data-value` (the browser test compares).
 */

export interface DashboardChoices {
  channels: string[];
  locales: string[];
  queues: string[];
}

/** Charts across the page get a wider drawing, so their text stays the size of the half-width ones. */
const WIDE = 1240;

const OUTCOME_COLORS: Record<ConversationOutcome, string> = { resolved_by_bot: '#009e73', handed_off: '#0072b2', abandoned: '#d55e00', in_progress: '#999999' };

function fill(template: string, vars: Record<string, string | number>): string {
  return Object.entries(vars).reduce((text, [key, value]) => text.split(`{${key}}`).join(String(value)), template);
}

const percent = (value: number | null): string => (value === null ? '–' : `${Math.round(value * 1000) / 10} %`);
const decimal = (value: number | null): string => (value === null ? '–' : (Math.round(value * 100) / 100).toFixed(value % 1 === 0 ? 0 : 2));

export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function kpi(metric: string, label: string, value: string, raw: number | null, note?: string): string {
  return `<div class="kpi" data-metric="${escapeHtml(metric)}" data-value="${raw === null ? '' : String(raw)}"><div class="kpi-label">${escapeHtml(label)}</div><div class="kpi-value">${escapeHtml(value)}</div>${note ? `<div class="kpi-note">${escapeHtml(note)}</div>` : ''}</div>`;
}

function select(name: string, label: string, all: string, options: string[], chosen: string | undefined): string {
  const items = [`<option value="">${escapeHtml(all)}</option>`, ...options.map((option) => `<option value="${escapeHtml(option)}"${option === chosen ? ' selected' : ''}>${escapeHtml(option)}</option>`)];
  return `<label>${escapeHtml(label)}<select name="${escapeHtml(name)}">${items.join('')}</select></label>`;
}

function table(caption: string, head: string[], rows: (string | number)[][], className = ''): string {
  return `<table class="figures ${className}"><caption class="visually-hidden">${escapeHtml(caption)}</caption><thead><tr>${head.map((cell) => `<th scope="col">${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell, index) => (index === 0 ? `<th scope="row">${escapeHtml(String(cell))}</th>` : `<td>${escapeHtml(String(cell))}</td>`)).join('')}</tr>`).join('')}</tbody></table>`;
}

function durationNote(strings: Record<string, string>, durations: Durations): string {
  return `${fill(strings.tickets, { n: durations.count })} · ${fill(strings.p90, { t: formatDuration(durations.p90Ms) })}`;
}

export function renderDashboard(options: {
  lang: string; strings: Record<string, string>; agentName: string; report: ServiceReport; query: ReportQuery; choices: DashboardChoices; showConsoleLink: boolean; error?: string;
}): string {
  const { strings: s, report, query } = options;
  const exportQuery = new URLSearchParams({ from: query.fromDay, to: query.toDay, ...query.filters }).toString();
  const outcomeName = (outcome: ConversationOutcome) => s[`outcome_${outcome}`] ?? outcome;
  const decided = report.outcomes.resolved_by_bot + report.outcomes.handed_off + report.outcomes.abandoned;
  const slaBreached = report.sla.reduce((sum, entry) => sum + entry.breached, 0);

  const channels = [...new Set([...options.choices.channels, ...Object.keys(report.byChannel)])].sort();
  const days = report.perDay.map((day) => day.day);
  const perDaySeries = channels.map((channel, index) => ({ name: channel, color: PALETTE[index % PALETTE.length], values: report.perDay.map((day) => day.byChannel[channel] ?? 0) }));

  const kpis = [
    kpi('conversations', s.kpi_conversations, String(report.conversations), report.conversations),
    kpi('containmentRate', s.kpi_containment, percent(report.containmentRate), report.containmentRate, fill(s.of_decided, { n: decided })),
    kpi('abandonmentRate', s.kpi_abandoned, percent(report.abandonmentRate), report.abandonmentRate, fill(s.of_decided, { n: decided })),
    kpi('firstContactResolution', s.kpi_fcr, percent(report.firstContactResolution.rate), report.firstContactResolution.rate, fill(s.judged, { n: report.firstContactResolution.judged })),
    kpi('csat', s.kpi_csat, decimal(report.csat.average), report.csat.average, fill(s.answers, { n: report.csat.answers })),
    kpi('nps', s.kpi_nps, decimal(report.nps.score), report.nps.score, fill(s.answers, { n: report.nps.answers })),
    kpi('ces', s.kpi_ces, decimal(report.ces.average), report.ces.average, fill(s.answers, { n: report.ces.answers })),
    kpi('firstAgentReplyMedianMs', s.kpi_first_reply, formatDuration(report.firstAgentReply.medianMs), report.firstAgentReply.medianMs, durationNote(s, report.firstAgentReply)),
    kpi('resolutionMedianMs', s.kpi_resolution, formatDuration(report.resolution.medianMs), report.resolution.medianMs, durationNote(s, report.resolution)),
    kpi('slaBreaches', s.kpi_sla, String(slaBreached), slaBreached, fill(s.tickets, { n: report.tickets })),
  ].join('');

  const outcomeBar = horizontalBars('chart-outcomes', s.containment, CONVERSATION_OUTCOMES.map((outcome) => ({
    name: outcomeName(outcome), segments: [{ value: report.outcomes[outcome], color: OUTCOME_COLORS[outcome], label: outcomeName(outcome) }],
  })));
  const reasons = Object.entries(report.handoffsByReason).sort((a, b) => b[1] - a[1]);
  const reasonBars = horizontalBars('chart-handoff-reasons', s.handoff_reasons, reasons.map(([reason, count]) => ({ name: reason, segments: [{ value: count, color: '#0072b2', label: reason }] })));
  const topicBars = horizontalBars('chart-topics', s.topics, report.topics.slice(0, 15).map((topic) => ({
    name: topic.topic, segments: CONVERSATION_OUTCOMES.map((outcome) => ({ value: topic[outcome], color: OUTCOME_COLORS[outcome], label: outcomeName(outcome) })),
  })), { width: WIDE });
  const surveyChart = lineChart('chart-surveys', s.surveys, days, [
    { name: 'CSAT', color: '#0072b2', values: report.perDay.map((day) => day.csat) },
    { name: 'CES', color: '#e69f00', values: report.perDay.map((day) => day.ces) },
  ], { min: 0, max: 7 }, { width: WIDE });
  const npsChart = lineChart('chart-nps', 'NPS', days, [{ name: 'NPS', color: '#cc79a7', values: report.perDay.map((day) => day.nps) }], { min: -100, max: 100 }, { width: WIDE, height: 160 });
  const sentimentBars = horizontalBars('chart-sentiment', s.sentiment, (['negative', 'neutral', 'positive'] as const).map((kind, index) => ({
    name: s[`sentiment_${kind}`], segments: [{ value: report.sentiment[kind], color: ['#d55e00', '#999999', '#009e73'][index], label: s[`sentiment_${kind}`] }],
  })));
  const slaBars = horizontalBars('chart-sla', s.sla, report.sla.map((entry) => ({
    name: entry.queue, segments: [
      { value: entry.breached, color: '#d55e00', label: s.sla_breached },
      { value: entry.tickets - entry.breached - entry.waiting, color: '#009e73', label: s.sla_met },
      { value: entry.waiting, color: '#999999', label: s.sla_waiting },
    ],
  })));
  const outcomeLegend = CONVERSATION_OUTCOMES.map((outcome) => `<span class="key"><span class="swatch swatch-${outcome}"></span>${escapeHtml(outcomeName(outcome))}</span>`).join('');

  return `<!doctype html>
<html lang="${escapeHtml(options.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(s.page_title)} · Aspa</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/agent-console.css">
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body data-page="dashboard">
<header class="topbar">
  <a class="brand" href="/agent/dashboard">Aspa · ${escapeHtml(s.page_title)}</a>
  ${options.showConsoleLink ? `<a class="nav" href="/agent/queue">${escapeHtml(s.console_link)}</a>` : ''}
  <span class="who">${escapeHtml(options.agentName)}</span>
</header>
<main id="main" class="dashboard">
<h1>${escapeHtml(s.heading)}</h1>
<form class="card filters" method="get" action="/agent/dashboard" aria-label="${escapeHtml(s.filters)}">
  <label>${escapeHtml(s.from)}<input type="date" name="from" value="${escapeHtml(query.fromDay)}"></label>
  <label>${escapeHtml(s.to)}<input type="date" name="to" value="${escapeHtml(query.toDay)}"></label>
  ${select('channel', s.channel, s.all, channels, query.filters.channel)}
  ${select('locale', s.language, s.all, options.choices.locales, query.filters.locale)}
  ${select('queue', s.queue, s.all, [...new Set([...options.choices.queues, ...Object.keys(report.handoffsByQueue)])].sort(), query.filters.queue)}
  <button type="submit">${escapeHtml(s.apply)}</button>
  <span class="exports"><a href="/api/analytics/export/conversations.csv?${escapeHtml(exportQuery)}" download>${escapeHtml(s.export_conversations)}</a> · <a href="/api/analytics/export/tickets.csv?${escapeHtml(exportQuery)}" download>${escapeHtml(s.export_tickets)}</a></span>
</form>
${options.error ? `<p class="error" role="alert">${escapeHtml(s.bad_query)}: ${escapeHtml(options.error)}</p>` : ''}
<section class="kpis" aria-label="${escapeHtml(s.heading)}">${kpis}</section>
<div class="grid">
<section class="card wide"><h2>${escapeHtml(s.contacts_per_day)}</h2>${stackedBars('chart-contacts', s.contacts_per_day, days, perDaySeries, { width: WIDE, height: 260 })}
<details><summary>${escapeHtml(s.day)}</summary>${table(s.contacts_per_day, [s.day, ...channels, s.total], report.perDay.map((day) => [day.day, ...channels.map((channel) => day.byChannel[channel] ?? 0), day.total]))}</details></section>
<section class="card"><h2>${escapeHtml(s.containment)}</h2>${outcomeBar}${table(s.containment, [s.containment, s.total], CONVERSATION_OUTCOMES.map((outcome) => [outcomeName(outcome), report.outcomes[outcome]]), 'outcomes')}</section>
<section class="card"><h2>${escapeHtml(s.handoff_reasons)}</h2>${reasonBars}</section>
<section class="card wide"><h2>${escapeHtml(s.topics)}</h2><p class="legend-row">${outcomeLegend}</p>${topicBars}
<details><summary>${escapeHtml(s.topic)}</summary>${table(s.topics, [s.topic, s.total, ...CONVERSATION_OUTCOMES.map(outcomeName)], report.topics.map((topic) => [topic.topic, topic.conversations, ...CONVERSATION_OUTCOMES.map((outcome) => topic[outcome])]))}</details></section>
<section class="card wide"><h2>${escapeHtml(s.surveys)}</h2>${surveyChart}${npsChart}</section>
<section class="card"><h2>${escapeHtml(s.sentiment)}</h2>${sentimentBars}<p class="hint">${escapeHtml(fill(s.sentiment_average, { v: decimal(report.averageSentiment) }))}</p></section>
<section class="card"><h2>${escapeHtml(s.sla)}</h2>${slaBars}${table(s.sla, [s.queue, s.tickets.replace(/\{n\}\s*/, ''), s.sla_breached, s.sla_waiting], report.sla.map((entry) => [entry.queue, entry.tickets, entry.breached, entry.waiting]), 'sla')}</section>
</div>
<section class="card definitions"><h2>${escapeHtml(s.definitions)}</h2><p>${escapeHtml(s.definitions_text === 'definitions_text' ? report.definitions : s.definitions_text)}</p><p class="hint">${escapeHtml(s.definitions_link)}</p></section>
</main>
</body>
</html>`;
}
