import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { BotVersionRegistry } from '../../../core/bot-versions';
import type { Logger } from '../../../core/logger';
import type { ConversationLock, ConversationStore } from '../../../core/ports';
import type { ReplyMessage } from '../../../core/reply';
import type { ConversationEngine } from '../../../core/services';
import type { Locale } from '../../../core/turn';
import { loadFlows, type LoadedFlow } from '../../../flows/load-flows';
import { hasRole, type AgentSessions } from '../agent-console/agent-sessions';
import { escapeHtml } from '../agent-console/agent-pages';
import { checkOrigin } from '../origin-policy';
import type { BotReloader } from '../../../server/bot-reloader';
import type { FlowCoverage } from '../../../testing/flow-coverage';
import type { Diagnostic } from '../../../flows/diagnostic';
import { problemsByState, renderFlowDiagram } from './flow-diagram';
import { createMessageEditor, MessageEditError } from './message-editor';
import { createNluEditor } from './nlu-editor';
import { renderStudioPage } from './studio-page';
import { startConversationAt } from './start-at-state';

export interface StudioDeps {
  sessions: AgentSessions;
  reloader: BotReloader;
  versions: BotVersionRegistry;
  engine: ConversationEngine;
  flowsDir: string;
  locales: Locale[];
  logger: Logger;
  /** Runs the conversation tests on the current version and measures their coverage of the flows. */
  runTests: () => Promise<StudioTestRun>;
  localesDir: string;
  /** Every problem the bot would have with this locale folder (the reload's validation), for message edits. */
  validateLocales: (localesDir: string) => Diagnostic[] | Promise<Diagnostic[]>;
  /** For try-it from a chosen state: the conversations of the engine, their lock, and how long they are kept. */
  conversations: ConversationStore;
  lock: ConversationLock;
  idleTimeoutMs: number;
  now: () => number;
}

export interface StudioTestRun {
  results: { name: string; file: string; passed: boolean; failures: string[] }[];
  problems: string[];
  coverage: FlowCoverage;
}

const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const MESSAGE_KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

const messageEditSchema = z.strictObject({
  locale: z.enum(['fi', 'en', 'sv']),
  key: z.string().max(200),
  text: z.array(z.string()).min(1).max(20),
  voice: z.array(z.string()).max(20).default([]),
  content: z.string().max(2_000_000).optional(),
});

const exampleEditSchema = z.strictObject({
  locale: z.enum(['fi', 'en', 'sv']),
  intent: z.string().max(100),
  add: z.array(z.string().max(1000)).max(50).default([]),
  remove: z.array(z.string().max(1000)).max(50).default([]),
  content: z.string().max(2_000_000).optional(),
});

const faqAnswerEditSchema = z.strictObject({
  locale: z.enum(['fi', 'en', 'sv']),
  id: z.string().max(100),
  text: z.array(z.string()).min(1).max(20),
  voice: z.array(z.string()).max(20).default([]),
  content: z.string().max(2_000_000).optional(),
});

const tryTurnSchema = z.strictObject({
  conversationId: z.string().regex(/^studio-[A-Za-z0-9-]{1,64}$/).optional(),
  locale: z.enum(['fi', 'en', 'sv']),
  channel: z.enum(['web', 'voice']),
  input: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('start') }),
    z.strictObject({ kind: z.literal('text'), text: z.string().min(1).max(2000), sttConfidence: z.number().min(0).max(1).optional() }),
    z.strictObject({ kind: z.literal('payload'), payload: z.string().min(1).max(100) }),
    z.strictObject({ kind: z.literal('dtmf'), digits: z.string().regex(/^[0-9*#]{1,32}$/) }),
    z.strictObject({ kind: z.literal('no_input') }),
  ]),
});

const slotValue = z.union([z.string().max(500), z.number().finite(), z.boolean(), z.null()]);
const tryStartAtSchema = z.strictObject({
  conversationId: z.string().regex(/^studio-[A-Za-z0-9-]{1,64}$/).optional(),
  locale: z.enum(['fi', 'en', 'sv']),
  channel: z.enum(['web', 'voice']),
  state: z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'give flow.state, e.g. order.ask_number'),
  slots: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'slot names are lower-case letters, digits and _'), slotValue)
    .refine((slots) => Object.keys(slots).length <= 30, 'at most 30 slots').default({}),
});

export interface Studio {
  router: express.Router;
}

/**
 * The flow studio's API, for logins with the designer role (the agent console's login and users file).
 * `POST /api/studio/reload` loads the changed files as a new bot version (refused with its problems when they do
 * not validate); `GET /api/studio/versions` lists the loaded versions and the last refused change.
 */
export function createStudio(deps: StudioDeps): Studio {
  const { sessions, reloader, logger } = deps;
  const router = express.Router();
  /** Saves one at a time: two designers saving at once never interleave their read and write of a file. */
  let editing: Promise<unknown> = Promise.resolve();
  const serialEdits = <T>(work: () => Promise<T>): Promise<T> => {
    const next = editing.then(work, work);
    editing = next.catch(() => undefined);
    return next;
  };

  /** The last test run, for the tests that pass through a state (none until a designer runs them). */
  let lastTestRun: StudioTestRun | undefined;

  /** The flow files as they are on disk now (a refused change is what the designer needs to see), with their problems. */
  const readFlows = (): { flows: LoadedFlow[]; diagnostics: Diagnostic[] } => {
    const loaded = loadFlows(deps.flowsDir);
    return { flows: loaded.flows, diagnostics: [...loaded.diagnostics, ...(reloader.status().rejected?.diagnostics ?? [])] };
  };
  const flowById = (id: string) => {
    const { flows, diagnostics } = readFlows();
    const flow = flows.find((loaded) => loaded.flow.id === id);
    if (!flow) return undefined;
    const file = path.isAbsolute(flow.file) ? flow.file : path.resolve(flow.file);
    const source = readFileSync(file, 'utf8');
    const own = diagnostics.filter((diagnostic) => path.resolve(diagnostic.file) === file);
    return { flow, source, problems: problemsByState(flow.flow, source, own) };
  };

  router.get('/studio', async (req, res) => {
    const session = await sessions.fromRequest(req);
    if (!session) { res.redirect(303, '/agent?next=studio'); return; }
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    if (!hasRole(session, 'designer')) {
      res.status(403).type('html').send(`<!doctype html><meta charset="utf-8"><title>Studio</title><p>${escapeHtml(session.name)}: the studio needs the designer role.</p>`);
      return;
    }
    res.type('html').send(renderStudioPage({ designer: session.name, locales: deps.locales }));
  });

  const sameOriginOrNone = (req: IncomingMessage): boolean => {
    const verdict = checkOrigin(req.headers, []);
    return verdict === 'none' || verdict === 'same';
  };

  router.use('/api/studio', express.json({ limit: '256kb' }), async (req: Request, res: Response, next: NextFunction) => {
    const session = await sessions.fromRequest(req);
    if (!session) {
      res.status(401).json({ error: 'login_required', message: 'Log in at /agent first.' });
      return;
    }
    if (!hasRole(session, 'designer')) {
      res.status(403).json({ error: 'role_required', message: 'The studio needs the designer role; ask an administrator to add "designer" to this login\'s roles.' });
      return;
    }
    // CSRF: the cookie is SameSite=Strict, and writes must come from our own pages.
    if (req.method === 'POST' && !sameOriginOrNone(req)) {
      res.status(403).json({ error: 'origin_not_allowed', message: 'Studio actions must come from the studio itself.' });
      return;
    }
    next();
  });

  router.get('/api/studio/versions', (_req, res) => {
    res.json(reloader.status());
  });

  router.get('/api/studio/flows', (_req, res) => {
    const { flows, diagnostics } = readFlows();
    res.json({
      version: deps.versions.current().id,
      rejected: reloader.status().rejected,
      flows: flows.map((loaded) => ({
        id: loaded.flow.id, file: loaded.file, description: loaded.flow.description ?? '', states: Object.keys(loaded.flow.states).length,
        problems: diagnostics.filter((diagnostic) => path.resolve(diagnostic.file) === path.resolve(loaded.file)).length,
      })),
      diagnostics,
    });
  });

  router.get('/api/studio/flows/:id/diagram.svg', (req, res) => {
    const found = flowById(String(req.params.id));
    if (!found) { res.status(404).json({ error: 'flow_not_found', message: `No flow ${String(req.params.id)}.` }); return; }
    res.type('image/svg+xml').setHeader('Cache-Control', 'no-store');
    res.send(renderFlowDiagram(found.flow.flow, found.problems));
  });

  router.get('/api/studio/flows/:id/states/:state', (req, res) => {
    const found = flowById(String(req.params.id));
    const stateId = String(req.params.state);
    const state = found?.flow.flow.states[stateId];
    if (!found || !state) { res.status(404).json({ error: 'state_not_found', message: `No state ${stateId} in flow ${String(req.params.id)}.` }); return; }
    // The state's lines in the file: from its key to the next state's key.
    const lines = found.source.split('\n');
    const from = found.flow.keyPosition(['states', stateId]).line;
    let to = from;
    while (to < lines.length && (to === from || /^\s{3,}|^\s*$/.test(lines[to]))) to += 1;
    const catalog = deps.versions.current().catalog;
    const keys = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string' && MESSAGE_KEY.test(value) && deps.locales.some((locale) => catalog.get(locale, value))) keys.add(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(state);
    const leadingHere = Object.entries(found.flow.flow.states).flatMap(([otherId, other]) =>
      Object.entries(other.on_intent ?? {}).filter(([, target]) => target === stateId).map(([intent]) => ({ from: otherId, intent })));
    res.json({
      flow: found.flow.flow.id, state: stateId, file: found.flow.file,
      yaml: lines.slice(from - 1, to).map((text, index) => ({ line: from + index, text })).filter((entry, index, all) => index < all.length - 1 || entry.text.trim() !== ''),
      messages: [...keys].map((key) => ({ key, locales: Object.fromEntries(deps.locales.map((locale) => [locale, catalog.get(locale, key) ?? null])) })),
      intentsLeadingHere: leadingHere,
      problems: found.problems.filter((problem) => problem.state === stateId),
      // null: the tests have not been run since the server started.
      testsPassingThrough: lastTestRun ? (lastTestRun.coverage.testsByState[`${found.flow.flow.id}.${stateId}`] ?? [])
        .map((test) => ({ name: test.name, file: path.relative(process.cwd(), test.file) || test.file, passed: lastTestRun?.results.find((result) => result.name === test.name && result.file === test.file)?.passed ?? null })) : null,
    });
  });

  const editor = createMessageEditor({ localesDir: deps.localesDir, validate: deps.validateLocales });
  const nluEditor = createNluEditor({ localesDir: deps.localesDir, validate: deps.validateLocales });
  const parsedBody = <T extends { locale: Locale }>(schema: z.ZodType<T>, req: Request, res: Response): T | undefined => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) res.status(400).json({ error: 'invalid_request', message: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') });
    else if (!deps.locales.includes(parsed.data.locale)) res.status(400).json({ error: 'invalid_request', message: `locale: use one of ${deps.locales.join(', ')}` });
    else return parsed.data;
    return undefined;
  };
  const editOf = (req: Request, res: Response) => parsedBody(messageEditSchema, req, res);
  const editFailed = (error: unknown, res: Response, next: NextFunction): void => {
    if (error instanceof MessageEditError) res.status(['unknown_key', 'unknown_intent', 'unknown_faq'].includes(error.code) ? 404 : 422).json({ error: error.code, message: error.message });
    else next(error);
  };
  /** Preview and save routes of one kind of locale edit; a save reloads the bot (which retrains the NLU in the background). */
  const editRoutes = <T extends { locale: Locale; content?: string }>(kind: string, schema: z.ZodType<T>, preview: (edit: T) => Promise<unknown>, save: (edit: T, content: string) => Promise<{ file: string }>, describe: (edit: T) => Record<string, unknown>) => {
    router.post(`/api/studio/${kind}/preview`, async (req, res, next) => {
      const edit = parsedBody(schema, req, res);
      if (!edit) return;
      try {
        res.json(await preview(edit));
      } catch (error) {
        editFailed(error, res, next);
      }
    });
    router.post(`/api/studio/${kind}/save`, async (req, res, next) => {
      const edit = parsedBody(schema, req, res);
      if (!edit) return;
      const content = edit.content;
      if (content === undefined) { res.status(400).json({ error: 'preview_first', message: 'Preview the change first and send its content.' }); return; }
      try {
        const saved = await serialEdits(() => save(edit, content));
        logger.info(`studio.${kind}.saved`, { by: (await sessions.fromRequest(req))?.name, locale: edit.locale, ...describe(edit) });
        const reload = await reloader.reload('studio_edit');
        res.json({ saved: true, file: saved.file, reload });
      } catch (error) {
        editFailed(error, res, next);
      }
    });
  };
  editRoutes('examples', exampleEditSchema, nluEditor.previewExamples, nluEditor.saveExamples, (edit) => ({ intent: edit.intent, added: edit.add.length, removed: edit.remove.length }));
  editRoutes('faq', faqAnswerEditSchema, nluEditor.previewAnswer, nluEditor.saveAnswer, (edit) => ({ id: edit.id }));

  router.get('/api/studio/nlu/:locale', (req, res, next) => {
    const locale = String(req.params.locale) as Locale;
    if (!deps.locales.includes(locale)) { res.status(404).json({ error: 'unknown_locale', message: `Use one of ${deps.locales.join(', ')}.` }); return; }
    try {
      res.json({ locale, ...nluEditor.view(locale) });
    } catch (error) {
      editFailed(error, res, next);
    }
  });

  router.post('/api/studio/messages/preview', async (req, res, next) => {
    const edit = editOf(req, res);
    if (!edit) return;
    try {
      res.json(await editor.preview(edit));
    } catch (error) {
      editFailed(error, res, next);
    }
  });

  router.post('/api/studio/messages/save', async (req, res, next) => {
    const edit = editOf(req, res);
    if (!edit) return;
    if (!edit.content) { res.status(400).json({ error: 'preview_first', message: 'Preview the change first and send its content.' }); return; }
    try {
      const saved = await serialEdits(() => editor.save(edit, edit.content as string));
      logger.info('studio.message.saved', { by: (await sessions.fromRequest(req))?.name, locale: edit.locale, key: edit.key });
      const reload = await reloader.reload('studio_edit');
      res.json({ saved: true, file: saved.file, reload });
    } catch (error) {
      editFailed(error, res, next);
    }
  });

  // One run at a time: a second click while tests run gets the same run.
  let testRun: Promise<StudioTestRun> | undefined;
  router.post('/api/studio/tests', async (_req, res, next) => {
    try {
      testRun ??= deps.runTests().finally(() => { testRun = undefined; });
      const run = await testRun;
      lastTestRun = run;
      const failed = run.results.filter((result) => !result.passed);
      res.json({
        passed: run.results.length - failed.length, failed: failed.length + run.problems.length, problems: run.problems,
        failures: failed.map((result) => ({ name: result.name, file: result.file, failures: result.failures })),
        coverage: run.coverage,
      });
    } catch (error) {
      next(error);
    }
  });

  router.post('/api/studio/try', async (req, res, next) => {
    const parsed = tryTurnSchema.safeParse(req.body);
    if (!parsed.success) { res.status(400).json({ error: 'invalid_request', message: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') }); return; }
    try {
      const { locale, channel, input } = parsed.data;
      const conversationId = parsed.data.conversationId ?? `studio-${randomUUID()}`;
      const result = await deps.engine.handleTurn({ conversationId, channel, locale, input, ...(channel === 'voice' ? { customer: { phone: '+358401234567' } } : {}) } as Parameters<ConversationEngine['handleTurn']>[0]);
      const record = await deps.engine.getConversation(conversationId);
      const customerLine = [...(record?.transcript ?? [])].reverse().find((entry) => entry.from === 'customer');
      const text = input.kind === 'text' ? input.text : input.kind === 'dtmf' ? input.digits : undefined;
      const version = deps.versions.get(record?.botVersion ?? '') ?? deps.versions.current();
      const understood = text ? version.nlu.understand(text, { locale: result.locale, now: Date.now() }) : undefined;
      res.json({
        conversationId, state: result.state, locale: result.locale, ended: result.ended, ticketId: result.ticketId ?? null, botVersion: record?.botVersion,
        replies: result.replies.map((reply) => reply.kind === 'message'
          ? { kind: 'message', key: (reply as ReplyMessage).key, text: (reply as ReplyMessage).text, voice: (reply as ReplyMessage).voice, quickReplies: (reply as ReplyMessage).quickReplies }
          : reply),
        nlu: understood && customerLine ? { intent: customerLine.intent, confidence: customerLine.confidence, entities: understood.entities.map((entity) => ({ type: entity.type, value: entity.value, text: entity.text })) } : undefined,
      });
    } catch (error) {
      next(error);
    }
  });

  // Try-it from any state: a new studio conversation placed at the state with the given slots (designers only, like all of /api/studio).
  router.post('/api/studio/try/start', async (req, res, next) => {
    const parsed = tryStartAtSchema.safeParse(req.body);
    if (!parsed.success) { res.status(400).json({ error: 'invalid_request', message: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') }); return; }
    if (!deps.locales.includes(parsed.data.locale)) { res.status(400).json({ error: 'invalid_request', message: `locale: use one of ${deps.locales.join(', ')}` }); return; }
    try {
      const conversationId = parsed.data.conversationId ?? `studio-${randomUUID()}`;
      const started = await startConversationAt(
        { engine: deps.engine, conversations: deps.conversations, lock: deps.lock, versions: deps.versions, flows: loadFlows(deps.flowsDir).flows.map((loaded) => loaded.flow), ttlMs: deps.idleTimeoutMs, now: deps.now },
        { ...parsed.data, conversationId },
      );
      logger.info('studio.try.started_at', { by: (await sessions.fromRequest(req))?.name, state: started.state, slots: Object.keys(started.slots).length });
      res.json({ conversationId, ...started, locale: parsed.data.locale, ended: false });
    } catch (error) {
      if (error instanceof MessageEditError) res.status(error.code === 'unknown_state' ? 404 : error.code === 'not_a_waiting_state' ? 422 : 409).json({ error: error.code, message: error.message });
      else next(error);
    }
  });

  router.post('/api/studio/reload', async (req, res, next) => {
    try {
      const outcome = await reloader.reload('studio');
      logger.info('studio.reload', { by: (await sessions.fromRequest(req))?.name, status: outcome.status, version: outcome.current });
      res.status(outcome.status === 'rejected' ? 422 : 200).json(outcome);
    } catch (error) {
      next(error);
    }
  });

  return { router };
}
