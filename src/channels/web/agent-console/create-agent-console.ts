import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Clock, Stores } from '../../../core/ports';
import { PRIORITIES } from '../../../core/reply';
import type { ConversationEngine } from '../../../core/services';
import { maskEmail, maskPhone } from '../../../core/normalize-contact';
import type { ContactRecord, CustomerContact, Ticket } from '../../../core/ticket';
import type { Locale } from '../../../core/turn';
import { checkOrigin } from '../origin-policy';
import type { Logger } from '../../../core/logger';
import { describeIssues } from '../widget-protocol';
import type { WidgetStrings } from '../widget-strings';
import { renderAgentPage } from './agent-pages';
import { SESSION_COOKIE, cleanAgentName, hasRole, type AgentSession, type AgentSessions } from './agent-sessions';
import { createLoginThrottle, DEFAULT_LOGIN_THROTTLE, type LoginThrottleOptions } from './login-throttle';

/** The agent console: pages under `/agent`, JSON under `/api/agent/*`, live hints on `/agent/ws`. */
export interface AgentConsole {
  router: express.Router;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Tell connected consoles that something changed (they re-fetch what they show). */
  notify(change: { type: 'tickets_changed' } | { type: 'conversation_changed'; conversationId: string }): void;
  /** True when the request carries a live agent login (asks the session store). */
  isAgentRequest(req: IncomingMessage): Promise<boolean>;
  close(): Promise<void>;
}

const loginSchema = z.strictObject({ name: z.string().max(200), password: z.string().max(500) });
const sayBodySchema = z.strictObject({ text: z.string().trim().min(1, 'the message is empty').max(2000, 'the message is longer than 2000 characters') });
const closeBodySchema = z.strictObject({ resolution: z.string().trim().min(1, 'write a resolution note').max(2000) });
const ticketIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

type AgentRequest = Request & { agent?: AgentSession };

/** How often live console sockets are checked against the session store (a logout elsewhere, expiry). */
const SOCKET_CHECK_MS = 60_000;

/** Who the ticket is about, for a list: the name, else the phone or e-mail masked (the ticket page shows them whole). */
export function customerLabel(contact: CustomerContact | undefined): string | null {
  if (!contact) return null;
  if (contact.name) return contact.name;
  if (contact.phone) return maskPhone(contact.phone);
  if (contact.email) return maskEmail(contact.email);
  return null;
}

/** Open tickets first by priority, then by the SLA due time (soonest first). */
export function compareTickets(a: Ticket, b: Ticket): number {
  return PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || a.dueAt - b.dueAt || a.createdAt - b.createdAt;
}

export function createAgentConsole(deps: {
  engine: ConversationEngine; stores: Stores; clock: Clock; logger: Logger;
  sessions: AgentSessions; strings: WidgetStrings; locale: Locale;
  /** Always mark the cookie `Secure` (PUBLIC_URL is https); otherwise it is when the request came over TLS. */
  secureCookies: boolean;
  sessionTtlMs: number;
  loginThrottle?: Partial<LoginThrottleOptions>;
  /** Readable topic names (`intents.<intent>` of the console's language), for the customer history. */
  intentLabel?: (intent: string, locale: Locale) => string | undefined;
}): AgentConsole {
  const { engine, stores, clock, logger, sessions } = deps;
  const router = express.Router();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const strings = deps.strings.get(deps.locale);

  function sameOriginOrNone(req: IncomingMessage): boolean {
    const verdict = checkOrigin(req.headers, []);
    return verdict === 'none' || verdict === 'same';
  }

  // `req.secure` is true over TLS, and behind a proxy trusted by TRUST_PROXY when it says X-Forwarded-Proto: https.
  function setSessionCookie(req: Request, res: Response, value: string, maxAgeMs: number): void {
    const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
    if (deps.secureCookies || req.secure) parts.push('Secure');
    res.setHeader('Set-Cookie', parts.join('; '));
  }

  // CSRF: the cookie is SameSite=Strict, and state-changing calls must be same-origin JSON
  // (a cross-site form cannot send application/json without a preflight we never grant).
  function guardWrites(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'POST') { next(); return; }
    if (!sameOriginOrNone(req)) {
      res.status(403).json({ error: 'origin_not_allowed', message: 'Agent actions must come from the console itself.' });
      return;
    }
    if (!req.is('application/json')) {
      res.status(415).json({ error: 'json_required', message: 'Send Content-Type: application/json.' });
      return;
    }
    next();
  }

  async function requireAgent(req: AgentRequest, res: Response, next: NextFunction): Promise<void> {
    const session = await sessions.fromRequest(req);
    if (!session) {
      res.status(401).json({ error: 'login_required', message: 'Log in at /agent first.' });
      return;
    }
    req.agent = session;
    next();
  }

  function agentOf(req: Request): AgentSession {
    const agent = (req as AgentRequest).agent;
    if (!agent) throw new Error('requireAgent must run before agent routes');
    return agent;
  }

  async function loadTicket(req: Request, res: Response): Promise<Ticket | undefined> {
    const id = ticketIdSchema.safeParse(req.params.id);
    const ticket = id.success ? await stores.tickets.get(id.data) : undefined;
    if (!ticket) res.status(404).json({ error: 'ticket_not_found', message: `No ticket ${String(req.params.id)}.` });
    return ticket;
  }

  function parseBody<T>(schema: z.ZodType<T>, req: Request, res: Response): T | undefined {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'bad_request', message: describeIssues(parsed.error) });
      return undefined;
    }
    return parsed.data;
  }

  function ticketSummary(ticket: Ticket, now: number) {
    return {
      id: ticket.id, conversationId: ticket.conversationId, createdAt: ticket.createdAt, channel: ticket.channel, locale: ticket.locale,
      reason: ticket.reason, intent: ticket.intent ?? null, priority: ticket.priority, queue: ticket.queue, dueAt: ticket.dueAt,
      timeLeftMs: ticket.dueAt - now, status: ticket.status, agent: ticket.agent ?? null, contactName: ticket.contact.name ?? null,
      customer: customerLabel(ticket.contact), sentiment: ticket.sentiment?.label ?? null, earlierContacts: ticket.history?.length ?? 0,
      summary: ticket.summary.length > 200 ? `${ticket.summary.slice(0, 199)}…` : ticket.summary,
    };
  }

  /** The customer's earlier contacts with a readable topic, and whether the console can open the ticket each one made. */
  async function historyOf(ticket: Ticket): Promise<Array<ContactRecord & { topic: string | null; ticketOpenable: boolean }>> {
    return Promise.all((ticket.history ?? []).map(async (contact) => {
      const linked = contact.ticketId && ticketIdSchema.safeParse(contact.ticketId).success ? await stores.tickets.get(contact.ticketId) : undefined;
      return { ...contact, topic: contact.intent ? deps.intentLabel?.(contact.intent, deps.locale) ?? contact.intent : null, ticketOpenable: linked !== undefined };
    }));
  }

  // ---- pages ----
  const dashboardLink = (session: AgentSession) => (hasRole(session, 'manager') ? { dashboardLink: strings.dashboard_link ?? 'Dashboard' } : {});
  router.get('/agent', async (req, res) => {
    const session = await sessions.fromRequest(req);
    if (session) { res.redirect(303, !hasRole(session, 'agent') && hasRole(session, 'manager') ? '/agent/dashboard' : '/agent/queue'); return; }
    res.type('html').setHeader('Cache-Control', 'no-store');
    res.send(renderAgentPage('login', { lang: deps.locale, strings }));
  });
  router.get('/agent/queue', async (req, res) => {
    const session = await sessions.fromRequest(req);
    if (!session) { res.redirect(303, '/agent'); return; }
    res.type('html').setHeader('Cache-Control', 'no-store');
    res.send(renderAgentPage('queue', { lang: deps.locale, strings, agentName: session.name, ...dashboardLink(session) }));
  });
  router.get('/agent/tickets/:id', async (req, res) => {
    const session = await sessions.fromRequest(req);
    if (!session) { res.redirect(303, '/agent'); return; }
    const id = ticketIdSchema.safeParse(req.params.id);
    if (!id.success) { res.status(404).type('text').send('No such ticket.'); return; }
    res.type('html').setHeader('Cache-Control', 'no-store');
    res.send(renderAgentPage('ticket', { lang: deps.locale, strings, agentName: session.name, ticketId: id.data, ...dashboardLink(session) }));
  });

  // ---- API ----
  router.use('/api/agent', express.json({ limit: '16kb' }), guardWrites);

  // Guessing is limited per login name and per client address, in the store (shared by every worker and instance):
  // wrong guesses at one name lock only that name, an address guessing at many names is held back on its own.
  const throttle = createLoginThrottle(stores.attempts, { ...DEFAULT_LOGIN_THROTTLE, ...deps.loginThrottle });
  let warnedAboutProxy = false;
  router.post('/api/agent/login', async (req, res) => {
    if (!sessions.configured()) {
      res.status(503).json({ error: 'login_not_configured', message: 'Set AGENT_TOKEN or AGENT_USERS_FILE to enable the agent console.' });
      return;
    }
    const body = parseBody(loginSchema, req, res);
    if (!body) return;
    const name = cleanAgentName(body.name);
    if (!name || !body.password) {
      const message = !name ? 'Give your name (1–60 characters, no < or >).' : 'Give your password or the agent token.';
      res.status(401).json({ error: 'login_failed', message });
      return;
    }
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    if (!warnedAboutProxy && req.headers['x-forwarded-for'] !== undefined && !req.app.get('trust proxy')) {
      warnedAboutProxy = true;
      logger.warn('web.agent.proxy_not_trusted', { hint: 'requests carry X-Forwarded-For but TRUST_PROXY is off: logins are limited per proxy address; set TRUST_PROXY to the number of proxies in front (e.g. 1) or their addresses' });
    }
    const verdict = await throttle.attempt(name, address);
    if (!verdict.ok) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
      logger.warn('web.agent.login_throttled', { scope: verdict.scope });
      res.status(429).json({
        error: 'too_many_attempts',
        message: verdict.scope === 'account'
          ? 'Too many failed logins for this name; wait a while and try again.'
          : 'Too many failed logins from your address; wait a while and try again.',
      });
      return;
    }
    const result = await sessions.login(name, body.password);
    if (!result.ok) {
      logger.warn('web.agent.login_failed', {});
      res.status(401).json({ error: 'login_failed', message: result.message });
      return;
    }
    await throttle.succeeded(name, address);
    setSessionCookie(req, res, result.session.id, deps.sessionTtlMs);
    logger.info('web.agent.logged_in', {});
    res.json({ name: result.session.name, roles: result.session.roles });
  });

  router.use('/api/agent', requireAgent);

  router.post('/api/agent/logout', async (req, res) => {
    const agent = agentOf(req);
    await sessions.logout(agent.id);
    // This instance's consoles of the session close now; other instances' at their next check.
    for (const [ws, session] of liveSessions) if (session.id === agent.id) ws.close(4001, 'logged out');
    setSessionCookie(req, res, '', 0);
    res.json({ ok: true });
  });

  router.get('/api/agent/me', (req, res) => {
    const agent = agentOf(req);
    res.json({ name: agent.name, roles: agent.roles });
  });

  // Everything below works the ticket queue: a login without the agent role (a manager or designer only) may not.
  router.use('/api/agent', (req, res, next) => {
    if (hasRole(agentOf(req), 'agent')) { next(); return; }
    res.status(403).json({ error: 'role_required', message: 'This login has no agent role; ask an administrator to add "agent" to its roles.' });
  });

  router.get('/api/agent/tickets', async (req, res) => {
    const scope = req.query.status;
    const statuses = scope === 'all' ? undefined : scope === 'closed' ? ['closed' as const] : ['open' as const, 'claimed' as const];
    const tickets = await stores.tickets.list(statuses ? { status: statuses, limit: 500 } : { limit: 500 });
    const now = clock.now();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ now, tickets: [...tickets].sort(compareTickets).map((t) => ticketSummary(t, now)) });
  });

  router.get('/api/agent/tickets/:id', async (req, res) => {
    const ticket = await loadTicket(req, res);
    if (!ticket) return;
    const conversation = await engine.getConversation(ticket.conversationId);
    const now = clock.now();
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      now,
      ticket: {
        ...ticketSummary(ticket, now), summary: ticket.summary, contact: ticket.contact, slots: ticket.slots, resolution: ticket.resolution ?? null, closedAt: ticket.closedAt ?? null,
        sentiment: ticket.sentiment ?? null, customerId: ticket.customerId ?? null,
      },
      conversation: conversation
        ? { id: conversation.id, status: conversation.status, channel: conversation.channel, agentName: conversation.agentName ?? null, transcript: conversation.transcript, live: conversation.channel === 'web' && conversation.status !== 'ended' }
        : { id: ticket.conversationId, status: 'unknown', channel: ticket.channel, agentName: null, transcript: ticket.transcript, live: false },
      history: await historyOf(ticket),
    });
  });

  /** 409 naming who has the ticket (or that it is closed), from the ticket as it is stored now. */
  function refuseTaken(res: Response, current: Ticket): void {
    if (current.status === 'closed') { res.status(409).json({ error: 'ticket_closed', message: 'The ticket is already closed.' }); return; }
    res.status(409).json({ error: 'claimed_by_other', agent: current.agent ?? null, message: `${current.agent ?? 'Another agent'} has already claimed this ticket.` });
  }

  // A claim is a compare-and-set in the store: the ticket must still be open (or already ours) when it is written,
  // so of two agents claiming at once exactly one wins and the other is told who has it.
  router.post('/api/agent/tickets/:id/claim', async (req, res) => {
    const agent = agentOf(req);
    const ticket = await loadTicket(req, res);
    if (!ticket) return;
    if (ticket.status === 'closed' || (ticket.status === 'claimed' && ticket.agent && ticket.agent !== agent.name)) { refuseTaken(res, ticket); return; }
    if (ticket.status !== 'claimed' || ticket.agent !== agent.name) {
      const written = await stores.tickets.updateIf({ ...ticket, status: 'claimed', agent: agent.name }, { status: ticket.status, agent: ticket.agent });
      if (!written) { res.status(404).json({ error: 'ticket_not_found', message: `No ticket ${ticket.id}.` }); return; }
      if (!written.applied && !(written.current.status === 'claimed' && written.current.agent === agent.name)) { refuseTaken(res, written.current); return; }
    }
    const conversation = await engine.getConversation(ticket.conversationId);
    if (conversation && conversation.status !== 'ended') await engine.agentJoin(ticket.conversationId, agent.name);
    logger.info('web.agent.ticket_claimed', { ticketId: ticket.id, conversationId: ticket.conversationId });
    notifyAll({ type: 'tickets_changed' });
    res.json({ ok: true });
  });

  async function claimedByMe(req: Request, res: Response): Promise<Ticket | undefined> {
    const ticket = await loadTicket(req, res);
    if (!ticket) return undefined;
    if (ticket.status !== 'claimed' || ticket.agent !== agentOf(req).name) {
      res.status(409).json({ error: 'not_claimed', message: 'Claim the ticket first.' });
      return undefined;
    }
    return ticket;
  }

  router.post('/api/agent/tickets/:id/messages', async (req, res) => {
    const body = parseBody(sayBodySchema, req, res);
    if (!body) return;
    const ticket = await claimedByMe(req, res);
    if (!ticket) return;
    await engine.agentSay(ticket.conversationId, agentOf(req).name, body.text);
    notifyAll({ type: 'conversation_changed', conversationId: ticket.conversationId });
    res.json({ ok: true });
  });

  router.post('/api/agent/tickets/:id/release', async (req, res) => {
    const ticket = await claimedByMe(req, res);
    if (!ticket) return;
    await engine.releaseToBot(ticket.conversationId, agentOf(req).name);
    logger.info('web.agent.released_to_bot', { ticketId: ticket.id, conversationId: ticket.conversationId });
    notifyAll({ type: 'conversation_changed', conversationId: ticket.conversationId });
    res.json({ ok: true });
  });

  router.post('/api/agent/tickets/:id/close', async (req, res) => {
    const body = parseBody(closeBodySchema, req, res);
    if (!body) return;
    const agent = agentOf(req);
    const ticket = await loadTicket(req, res);
    if (!ticket) return;
    if (ticket.status === 'closed' || (ticket.status === 'claimed' && ticket.agent && ticket.agent !== agent.name)) { refuseTaken(res, ticket); return; }
    // Closed only from the state read here: a claim by someone else in between wins.
    const written = await stores.tickets.updateIf(
      { ...ticket, status: 'closed', agent: agent.name, resolution: body.resolution, closedAt: clock.now() },
      { status: ticket.status, agent: ticket.agent },
    );
    if (!written) { res.status(404).json({ error: 'ticket_not_found', message: `No ticket ${ticket.id}.` }); return; }
    if (!written.applied) { refuseTaken(res, written.current); return; }
    const conversation = await engine.getConversation(ticket.conversationId);
    // A conversation the agent already handed back to the bot goes on without them.
    if (conversation && conversation.status === 'agent' && conversation.agentName === agent.name) {
      await engine.agentClose(ticket.conversationId, agent.name);
    }
    logger.info('web.agent.ticket_closed', { ticketId: ticket.id, conversationId: ticket.conversationId });
    notifyAll({ type: 'tickets_changed' });
    res.json({ ok: true });
  });

  router.use('/api/agent', (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status >= 500) logger.error('web.agent_api.failed', { path: req.path, err: error instanceof Error ? error.message : String(error) });
    if (res.headersSent) return;
    res.status(status).json(status >= 500 ? { error: 'internal', message: 'Something went wrong; try again.' } : { error: 'bad_request', message: 'The request could not be read.' });
  });

  // ---- live hints ----
  function notifyAll(change: { type: 'tickets_changed' } | { type: 'conversation_changed'; conversationId: string }): void {
    // Every customer turn calls this: with no console open there is nothing to serialise.
    if (wss.clients.size === 0) return;
    const text = JSON.stringify(change);
    for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  const liveSessions = new Map<WebSocket, AgentSession>();
  // Sessions logged out on any instance, or expired, lose their socket at the next check against the store.
  let checking = false;
  const sweeper = setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      for (const [ws, session] of liveSessions) {
        const live = session.expiresAt > clock.now() && await sessions.isLive(session).catch(() => true);
        if (!live) ws.close(4001, 'session ended');
      }
    })().finally(() => { checking = false; });
  }, SOCKET_CHECK_MS);
  sweeper.unref();

  return {
    router,
    notify: notifyAll,
    isAgentRequest: async (req) => (await sessions.fromRequest(req)) !== undefined,

    handleUpgrade(req, socket, head) {
      const refuse = () => {
        socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":"login_required"}');
        socket.destroy();
      };
      if (!sameOriginOrNone(req)) { refuse(); return; }
      void sessions.fromRequest(req).then((session) => {
        if (!session || socket.destroyed) { refuse(); return; }
        upgrade(req, socket, head, session);
      }, () => refuse());
    },

    async close() {
      clearInterval(sweeper);
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, session: AgentSession): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      liveSessions.set(ws, session);
      ws.on('close', () => liveSessions.delete(ws));
      ws.on('error', () => ws.terminate());
      // The console only listens; anything it sends is ignored.
      ws.send(JSON.stringify({ type: 'hello', name: session.name }));
    });
  }
}
