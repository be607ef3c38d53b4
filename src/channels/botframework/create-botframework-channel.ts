import type { Request, Response } from 'express';
import express from 'express';
import { InvalidTurnError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { ConversationEngine, MessageBus, OutboundMessage } from '../../core/services';
import { toActivities, toTurn, type IncomingActivity } from './activity-mapping';

export interface BotFrameworkConfig {
  /** Empty = authentication off (Bot Framework Emulator, local testing). */
  appId?: string;
  appPassword?: string;
  appType?: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  tenantId?: string;
}

/**
 * `POST /api/messages` through botbuilder's CloudAdapter: JWT-checked when an app id is configured, works with the
 * Bot Framework Emulator and `deliveryMode: "expectReplies"`. botbuilder is loaded on the first request so a
 * server that never sees Bot Framework traffic starts without it.
 */
export function createBotFrameworkChannel(deps: { engine: ConversationEngine; config: BotFrameworkConfig; logger: Logger; bus?: MessageBus }): { router: express.Router; close(): Promise<void> } {
  const router = express.Router();
  /**
   * Where to send messages that do not answer a turn (an agent's reply after a live takeover): the Bot Framework
   * conversation reference of each conversation this instance has seen, most recent last.
   */
  const references = new Map<string, Partial<import('botbuilder').ConversationReference>>();
  const MAX_REFERENCES = 10_000;
  type Authentication = import('botbuilder').ConfigurationBotFrameworkAuthentication;
  type AuthResult = Awaited<ReturnType<Authentication['authenticateRequest']>>;
  type Activity = Parameters<Authentication['authenticateRequest']>[0];
  type TurnLogic = (context: import('botbuilder').TurnContext) => Promise<void>;
  interface Adapter {
    cloud: import('botbuilder').CloudAdapter;
    auth: Authentication;
    /** Runs a turn already authenticated (CloudAdapter.process would authenticate again and print errors to stderr). */
    run(auth: AuthResult, activity: Activity, logic: TurnLogic): Promise<{ status: number; body?: unknown } | undefined>;
  }
  let adapter: Promise<Adapter> | undefined;
  const getAdapter = (): Promise<Adapter> => {
    adapter ??= import('botbuilder').then(({ CloudAdapter, ConfigurationBotFrameworkAuthentication }) => {
      const auth = new ConfigurationBotFrameworkAuthentication({
        MicrosoftAppId: deps.config.appId ?? '',
        MicrosoftAppPassword: deps.config.appPassword ?? '',
        MicrosoftAppType: deps.config.appType ?? (deps.config.appId ? 'MultiTenant' : ''),
        MicrosoftAppTenantId: deps.config.tenantId ?? '',
      });
      class AspaCloudAdapter extends CloudAdapter {
        run(result: AuthResult, activity: Activity, logic: TurnLogic) {
          return this.processActivity(result, activity, logic);
        }
      }
      const created = new AspaCloudAdapter(auth);
      created.onTurnError = async (context, error) => {
        deps.logger.error('botframework.turn.failed', { error: String(error) });
        await context.sendActivity('Sorry, something went wrong. / Pahoittelut, jokin meni vikaan.');
      };
      return { cloud: created, auth, run: (result, activity, logic) => created.run(result, activity, logic) };
    });
    return adapter;
  };

  /** One line, no stack: what was wrong with the caller's credentials. */
  const firstLine = (error: unknown): string => String(error instanceof Error ? error.message : error).split('\n')[0].slice(0, 200);

  router.post('/api/messages', express.json({ limit: '256kb' }), async (req: Request, res: Response) => {
    if (!req.body || typeof req.body !== 'object' || typeof (req.body as { type?: unknown }).type !== 'string') {
      res.status(400).json({ error: { code: 'invalid_body', message: 'Send a Bot Framework Activity as JSON with Content-Type: application/json.' } });
      return;
    }
    const { auth, run } = await getAdapter();
    const activity = req.body as Activity;
    let authenticated: AuthResult;
    try {
      authenticated = await auth.authenticateRequest(activity, req.get('authorization') ?? '');
    } catch (error) {
      // A bad or missing token is the caller's problem, not ours: one warning line and 401, never a stack trace.
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 401 || status === 403) {
        deps.logger.warn('botframework.auth.rejected', { reason: firstLine(error), channelId: (activity as { channelId?: unknown }).channelId, hasToken: Boolean(req.get('authorization')) });
        res.status(401).json({ error: { code: 'unauthorized', message: 'The Bot Framework token is missing or not valid for this bot.' } });
        return;
      }
      // Not the caller's fault (the signing keys could not be fetched, ...): an error, still one line.
      deps.logger.error('botframework.auth.failed', { error: firstLine(error) });
      res.status(503).json({ error: { code: 'auth_unavailable', message: 'Bot Framework authentication is not available right now; try again.' } });
      return;
    }
    let invoke: { status: number; body?: unknown } | undefined;
    try {
      invoke = await run(authenticated, activity, async (context) => {
        const incoming = context.activity as unknown as IncomingActivity;
        const turn = toTurn(incoming);
        if (!turn) return;
        const { TurnContext } = await import('botbuilder');
        references.delete(turn.conversationId);
        references.set(turn.conversationId, TurnContext.getConversationReference(context.activity));
        if (references.size > MAX_REFERENCES) references.delete(references.keys().next().value as string);
        try {
          const result = await deps.engine.handleTurn({ ...turn, clientMessageId: (context.activity.id as string | undefined)?.slice(0, 100) });
          const activities = toActivities(result.replies, incoming.from?.id);
          if (activities.length > 0) await context.sendActivities(activities);
        } catch (error) {
          if (error instanceof InvalidTurnError) {
            await context.sendActivity(error.message);
            return;
          }
          throw error;
        }
      });
    } catch (error) {
      deps.logger.error('botframework.request.failed', { error: firstLine(error) });
      if (!res.headersSent) res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } });
      return;
    }
    res.status(invoke?.status ?? 200);
    if (invoke?.body !== undefined) res.json(invoke.body);
    else res.end();
  });
  // Agent messages and takeover notices published on the bus reach Teams / Web Chat as proactive messages.
  const deliver = async (message: OutboundMessage): Promise<void> => {
    const reference = references.get(message.conversationId);
    if (!reference || message.event === 'customer_message') return;
    const activities = toActivities(message.replies, reference.user?.id);
    if (activities.length === 0) return;
    const { cloud } = await getAdapter();
    await cloud.continueConversationAsync(deps.config.appId ?? '', reference, async (context) => {
      await context.sendActivities(activities);
    });
  };
  const unsubscribe = deps.bus?.subscribe((message) => {
    deliver(message).catch((error: unknown) => deps.logger.error('botframework.proactive.failed', { conversationId: message.conversationId, error: String(error) }));
  });

  return {
    router,
    async close() {
      const stop = await unsubscribe;
      await stop?.();
    },
  };
}
