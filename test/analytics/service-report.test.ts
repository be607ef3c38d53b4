import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnalyticsEvent } from '../../src/core/events';
import type { Ticket } from '../../src/core/ticket';
import { computeServiceReport } from '../../src/analytics/service-report';
import { parseReportQuery } from '../../src/analytics/load-service-report';
import { conversationsCsv, maskEmail, maskPhone, ticketsCsv } from '../../src/analytics/report-csv';
import { hashPassword } from '../../src/channels/web/agent-console/hash-password';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { startTestServer, TEST_TIME } from '../support/start-test-server';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = TEST_TIME;
const OPTIONS = { now: NOW, idleTimeoutMs: 30 * MIN, timeZone: 'Europe/Helsinki' };

const event = (type: AnalyticsEvent['type'], conversationId: string, at: number, data: AnalyticsEvent['data'] = {}, channel: AnalyticsEvent['channel'] = 'web'): AnalyticsEvent =>
  ({ type, at, conversationId, channel, locale: 'fi', data });

const ticket = (id: string, conversationId: string, createdAt: number, extra: Partial<Ticket> = {}): Ticket => ({
  id, conversationId, createdAt, channel: 'web', locale: 'fi', reason: 'customer_request', priority: 'normal', queue: 'general', dueAt: createdAt + HOUR,
  contact: { name: 'Maija Meikäläinen', phone: '+358401234567', email: 'maija@example.fi' }, summary: 'Maija, +358401234567', slots: {}, transcript: [], history: [], status: 'open', ...extra,
});

/** Six conversations, one of each kind the definitions tell apart, and two tickets. */
function day(): { events: AnalyticsEvent[]; tickets: Ticket[] } {
  const t0 = NOW - 5 * HOUR;
  const events = [
    // a: resolved by the bot, rated 5; the customer (c-1) never comes back.
    event('conversation_started', 'a', t0, { customer: 'c-1' }), event('turn', 'a', t0 + 1, { sentiment: 0.5 }), event('intent', 'a', t0 + 1, { intent: 'order_status' }),
    event('survey_answer', 'a', t0 + 2, { survey: 'csat', value: 5 }), event('resolved', 'a', t0 + 3, { intent: 'order_status', customer: 'c-1' }), event('conversation_ended', 'a', t0 + 3, { outcome: 'resolved' }),
    // b: handed off; the agent answered after 20 minutes and closed the ticket after an hour. Customer c-2.
    event('conversation_started', 'b', t0 + MIN, {}, 'voice'), event('turn', 'b', t0 + MIN, { sentiment: -0.6, customer: 'c-2' }), event('fallback', 'b', t0 + MIN),
    event('handoff', 'b', t0 + 2 * MIN, { reason: 'not_understood', queue: 'billing', intent: 'billing_dispute' }),
    event('agent_reply', 'b', t0 + 22 * MIN, { ticketId: 'T-1' }),
    // c: the customer said something and went silent for longer than the idle timeout: abandoned, not contained.
    event('conversation_started', 'c', t0 + 3 * MIN), event('turn', 'c', t0 + 3 * MIN, { sentiment: 0 }), event('intent', 'c', t0 + 3 * MIN, { intent: 'order_status' }),
    // d: the dialog ended without a resolution ("ended"): abandoned.
    event('conversation_started', 'd', t0 + 4 * MIN), event('conversation_ended', 'd', t0 + 5 * MIN, { outcome: 'ended' }),
    // e: still talking (last turn 5 minutes ago): in progress, in no rate.
    event('conversation_started', 'e', NOW - 6 * MIN), event('turn', 'e', NOW - 5 * MIN, { sentiment: 0 }),
    // f: c-2 again two hours after b, resolved by the bot: b is a repeat contact, f is first-contact resolved.
    event('conversation_started', 'f', t0 + 2 * HOUR, { customer: 'c-2' }), event('resolved', 'f', t0 + 2 * HOUR + MIN, { intent: 'faq.opening_hours' }),
    event('conversation_ended', 'f', t0 + 2 * HOUR + MIN, { outcome: 'resolved' }),
  ];
  const tickets = [
    ticket('T-1', 'b', t0 + 2 * MIN, { channel: 'voice', queue: 'billing', status: 'closed', closedAt: t0 + 62 * MIN, dueAt: t0 + 17 * MIN }),
    // Nobody has answered T-2 and it is past due: a breach already.
    ticket('T-2', 'zz', NOW - 3 * HOUR, { queue: 'general', dueAt: NOW - 2 * HOUR }),
  ];
  return { events, tickets };
}

describe('service report', () => {
  const range = { from: NOW - 24 * HOUR, to: NOW + 1 };

  it('counts an abandoned chat as abandoned, not contained', () => {
    const { events, tickets } = day();
    const { report, conversations } = computeServiceReport(events, tickets, range, {}, OPTIONS);
    expect(report.conversations).toBe(6);
    expect(report.outcomes).toEqual({ resolved_by_bot: 2, handed_off: 1, abandoned: 2, in_progress: 1 });
    expect(report.containmentRate).toBeCloseTo(2 / 5);
    expect(report.abandonmentRate).toBeCloseTo(2 / 5);
    expect(Object.fromEntries(conversations.map((row) => [row.conversationId, row.outcome]))).toEqual({
      a: 'resolved_by_bot', b: 'handed_off', c: 'abandoned', d: 'abandoned', e: 'in_progress', f: 'resolved_by_bot',
    });
  });

  it('first-contact resolution: resolved with no repeat by the same customer within 7 days', () => {
    const { events, tickets } = day();
    const { report, conversations } = computeServiceReport(events, tickets, range, {}, OPTIONS);
    expect(conversations.find((row) => row.conversationId === 'b')?.repeatContact).toBe(true);
    // Known customers: a (resolved), b (repeat), f (resolved); c and d are unknown, e is in progress.
    expect(report.firstContactResolution).toEqual({ judged: 3, resolved: 2, repeated: 1, unknownCustomer: 2, rate: 2 / 3 });
  });

  it('agent reply and resolution times, SLA breaches per queue, topics and their outcomes', () => {
    const { events, tickets } = day();
    const { report } = computeServiceReport(events, tickets, range, {}, OPTIONS);
    expect(report.firstAgentReply).toEqual({ count: 1, medianMs: 20 * MIN, p90Ms: 20 * MIN });
    expect(report.resolution).toEqual({ count: 1, medianMs: 60 * MIN, p90Ms: 60 * MIN });
    expect(report.sla).toEqual([{ queue: 'billing', tickets: 1, breached: 1, waiting: 0 }, { queue: 'general', tickets: 1, breached: 1, waiting: 0 }]);
    expect(report.handoffsByReason).toEqual({ not_understood: 1 });
    expect(report.topics.find((topic) => topic.topic === 'order_status')).toEqual({ topic: 'order_status', conversations: 2, resolved_by_bot: 1, handed_off: 0, abandoned: 1, in_progress: 0 });
    expect(report.csat).toEqual({ answers: 1, average: 5 });
    expect(report.sentiment).toEqual({ negative: 1, neutral: 2, positive: 1 });
    expect(report.perDay.map((entry) => entry.day)).toEqual(['2026-12-01', '2026-12-02']);
    expect(report.perDay[1].byChannel).toEqual({ web: 5, voice: 1 });
  });

  it('filters by channel and queue', () => {
    const { events, tickets } = day();
    const voice = computeServiceReport(events, tickets, range, { channel: 'voice' }, OPTIONS).report;
    expect(voice.conversations).toBe(1);
    expect(voice.tickets).toBe(1);
    const general = computeServiceReport(events, tickets, range, { queue: 'general' }, OPTIONS).report;
    expect(general.conversations).toBe(0);
    expect(general.sla).toEqual([{ queue: 'general', tickets: 1, breached: 1, waiting: 0 }]);
  });

  it('exports one CSV row per conversation and ticket, with contact details masked', () => {
    const { events, tickets } = day();
    const computed = computeServiceReport(events, tickets, range, {}, OPTIONS);
    const conversations = conversationsCsv(computed.conversations).trim().split('\r\n');
    expect(conversations).toHaveLength(7);
    expect(conversations[0]).toMatch(/^conversation_id,started_at,channel/);
    expect(conversations.join('\n')).not.toContain('c-1');
    const ticketCsv = ticketsCsv(computed.tickets);
    expect(ticketCsv.trim().split('\r\n')).toHaveLength(3);
    expect(ticketCsv).toContain('M.,**********67,***@example.fi');
    expect(ticketCsv).not.toMatch(/Maija|1234567|maija@/);
    expect(maskPhone('+358 40 123')).toBe('******23');
    expect(maskEmail('not an address')).toBe('');
  });

  it('reads calendar days in the service time zone, and refuses bad filters', () => {
    const parsed = parseReportQuery({ from: '2026-12-01', to: '2026-12-02', channel: 'web' }, NOW, 'Europe/Helsinki');
    expect(parsed.ok && parsed.query.range).toEqual({ from: Date.parse('2026-12-01T00:00:00+02:00'), to: Date.parse('2026-12-03T00:00:00+02:00') });
    expect(parseReportQuery({ from: '2026-13-01' }, NOW, 'Europe/Helsinki').ok).toBe(false);
    expect(parseReportQuery({ queue: '<script>' }, NOW, 'Europe/Helsinki').ok).toBe(false);
    expect(parseReportQuery({ days: '0' }, NOW, 'Europe/Helsinki').ok).toBe(false);
  });
});

describe('dashboard, JSON API and Prometheus', () => {
  it('show the same figures (one computation), to managers only', async () => {
    const { events, tickets } = day();
    const stores = createMemoryStores({ clock: { now: () => NOW } });
    await stores.events.appendMany(events);
    for (const entry of tickets) await stores.tickets.create(entry);
    const usersFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-users-')), 'users.json');
    fs.writeFileSync(usersFile, JSON.stringify([{ name: 'Ari Agent', passwordHash: await hashPassword('agent-pass-1'), roles: ['agent'] }, { name: 'Minna Manager', passwordHash: await hashPassword('manager-pass-1'), roles: ['manager'] }]));
    const { aspa, base } = await startTestServer({ stores, clock: { now: () => NOW }, env: { AGENT_USERS_FILE: usersFile, ASPA_LOCALES_DIR: path.resolve('locales') } });
    const login = async (name: string, password: string) => {
      const res = await fetch(`${base}/api/agent/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
      expect(res.status).toBe(200);
      return (res.headers.get('set-cookie') ?? '').split(';')[0];
    };
    try {
      expect((await fetch(`${base}/api/analytics/summary`)).status).toBe(401);
      const agent = await login('Ari Agent', 'agent-pass-1');
      expect((await fetch(`${base}/api/analytics/summary`, { headers: { cookie: agent } })).status).toBe(403);
      expect((await fetch(`${base}/agent/dashboard`, { headers: { cookie: agent }, redirect: 'manual' })).status).toBe(403);
      expect(await (await fetch(`${base}/agent/queue`, { headers: { cookie: agent } })).text()).not.toContain('href="/agent/dashboard"');
      // The shared token has every role: its console links to the dashboard.
      const operator = await login('Olli', 'agent-secret-token');
      expect(await (await fetch(`${base}/agent/queue`, { headers: { cookie: operator } })).text()).toContain('href="/agent/dashboard"');

      const manager = await login('Minna Manager', 'manager-pass-1');
      const summary = await (await fetch(`${base}/api/analytics/summary?days=1`, { headers: { cookie: manager } })).json() as Record<string, any>;
      expect(summary.outcomes).toEqual({ resolved_by_bot: 2, handed_off: 1, abandoned: 2, in_progress: 1 });

      const metrics = await (await fetch(`${base}/metrics`)).text();
      const gauge = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
      expect(gauge('aspa_conversations_24h')).toBe(summary.conversations);
      expect(gauge('aspa_containment_ratio_24h')).toBeCloseTo(summary.containmentRate, 10);
      expect(gauge('aspa_abandonment_ratio_24h')).toBeCloseTo(summary.abandonmentRate, 10);
      expect(gauge('aspa_first_contact_resolution_ratio_24h')).toBeCloseTo(summary.firstContactResolution.rate, 10);
      expect(gauge('aspa_csat_average_24h')).toBe(summary.csat.average);
      expect(gauge('aspa_conversation_outcomes_24h{outcome="abandoned"}')).toBe(summary.outcomes.abandoned);
      expect(gauge('aspa_sla_breaches_24h{queue="billing"}')).toBe(1);
      expect(gauge('aspa_first_agent_reply_median_seconds_24h')).toBe(summary.firstAgentReply.medianMs / 1000);

      const page = await fetch(`${base}/agent/dashboard?days=1`, { headers: { cookie: manager } });
      expect(page.status).toBe(200);
      const html = await page.text();
      const shown = (metric: string) => new RegExp(`data-metric="${metric}" data-value="([^"]*)"`).exec(html)?.[1];
      expect(Number(shown('conversations'))).toBe(summary.conversations);
      expect(Number(shown('containmentRate'))).toBe(summary.containmentRate);
      expect(Number(shown('firstContactResolution'))).toBe(summary.firstContactResolution.rate);
      expect(Number(shown('slaBreaches'))).toBe(2);
      expect(html).toContain('<svg class="chart" id="chart-contacts"');
      expect(html).not.toContain('<script');

      const csv = await fetch(`${base}/api/analytics/export/tickets.csv?days=1`, { headers: { cookie: manager } });
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      expect((await csv.text()).trim().split('\r\n')).toHaveLength(3);
    } finally {
      await aspa.close();
      await stores.close();
    }
  });
});
