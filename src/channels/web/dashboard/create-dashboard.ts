import type { IncomingMessage } from 'node:http';
import express, { type Request, type Response } from 'express';
import { loadServiceReport, parseReportQuery, type ReportSources } from '../../../analytics/load-service-report';
import { conversationsCsv, ticketsCsv } from '../../../analytics/report-csv';
import type { Clock } from '../../../core/ports';
import { SUPPORTED_LOCALES, type Locale } from '../../../core/turn';
import { hasRole, type AgentSession } from '../agent-console/agent-sessions';
import type { WidgetStrings } from '../widget-strings';
import { renderDashboard } from './render-dashboard';

const PAGE_CSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export interface DashboardDeps {
  sources: ReportSources;
  clock: Clock;
  /** The agent-console login of a request (the dashboard needs the manager role). */
  sessionOf(req: IncomingMessage): Promise<AgentSession | undefined>;
  strings: WidgetStrings;
  locale: Locale;
  timeZone: string;
  idleTimeoutMs: number;
  /** The channels and queues to offer in the filters even before they have traffic. */
  channels: string[];
  queues: string[];
}

/**
 * The service manager's dashboard: `/agent/dashboard` (the page), `/api/analytics/summary` (the same report as JSON)
 * and `/api/analytics/export/{conversations,tickets}.csv`. All three need a login with the manager role.
 */
export function createDashboard(deps: DashboardDeps): express.Router {
  const router = express.Router();
  // A bot whose locales folder has no dashboard.yaml shows the keys rather than failing.
  const loaded = deps.strings.get(deps.locale);
  const strings = new Proxy(loaded, { get: (target, key: string) => target[key] ?? key });
  const reportOptions = () => ({ now: deps.clock.now(), idleTimeoutMs: deps.idleTimeoutMs, timeZone: deps.timeZone });

  /** The manager's session, or an answer (redirect for the page, 401/403 JSON for the API) and undefined. */
  async function manager(req: Request, res: Response, page: boolean): Promise<AgentSession | undefined> {
    const session = await deps.sessionOf(req);
    if (!session) {
      if (page) res.redirect(303, '/agent');
      else res.status(401).json({ error: { code: 'login_required', message: 'Log in to the agent console first.' } });
      return undefined;
    }
    if (!hasRole(session, 'manager')) {
      const message = 'This login has no manager role; ask an administrator to add "manager" to its roles.';
      if (page) res.status(403).type('text').send(message);
      else res.status(403).json({ error: { code: 'role_required', message } });
      return undefined;
    }
    res.setHeader('Cache-Control', 'no-store');
    return session;
  }

  router.get('/agent/dashboard', async (req, res, next) => {
    try {
      const session = await manager(req, res, true);
      if (!session) return;
      const now = deps.clock.now();
      const parsed = parseReportQuery(req.query as Record<string, unknown>, now, deps.timeZone);
      const fallback = parseReportQuery({}, now, deps.timeZone);
      const query = parsed.ok ? parsed.query : (fallback as Extract<typeof fallback, { ok: true }>).query;
      const { report } = await loadServiceReport(deps.sources, query.range, query.filters, reportOptions());
      res.setHeader('Content-Security-Policy', PAGE_CSP);
      res.status(parsed.ok ? 200 : 400).type('html').send(renderDashboard({
        lang: deps.locale, strings, agentName: session.name, report, query,
        choices: { channels: deps.channels, locales: [...SUPPORTED_LOCALES], queues: deps.queues },
        showConsoleLink: hasRole(session, 'agent'),
        ...(parsed.ok ? {} : { error: parsed.message }),
      }));
    } catch (error) {
      next(error);
    }
  });

  const withReport = (send: (res: Response, computed: Awaited<ReturnType<typeof loadServiceReport>>, days: number | undefined) => void) =>
    async (req: Request, res: Response, next: (error: unknown) => void) => {
      try {
        if (!(await manager(req, res, false))) return;
        const parsed = parseReportQuery(req.query as Record<string, unknown>, deps.clock.now(), deps.timeZone);
        if (!parsed.ok) {
          res.status(400).json({ error: { code: 'bad_query', message: parsed.message } });
          return;
        }
        const computed = await loadServiceReport(deps.sources, parsed.query.range, parsed.query.filters, reportOptions());
        const days = typeof req.query.days === 'string' && !req.query.from && !req.query.to ? Number(req.query.days) : undefined;
        send(res, computed, days);
      } catch (error) {
        next(error);
      }
    };

  router.get('/api/analytics/summary', withReport((res, { report }, days) => {
    res.json({ ...(days !== undefined ? { days } : {}), ...report });
  }));
  router.get('/api/analytics/export/conversations.csv', withReport((res, { conversations }) => {
    res.type('text/csv; charset=utf-8').attachment('aspa-conversations.csv').send(conversationsCsv(conversations));
  }));
  router.get('/api/analytics/export/tickets.csv', withReport((res, { tickets }) => {
    res.type('text/csv; charset=utf-8').attachment('aspa-tickets.csv').send(ticketsCsv(tickets));
  }));
  return router;
}
