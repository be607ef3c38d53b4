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
  type Adapter = import('botbuilder').CloudAdapter;
  let adapter: Promise<Adapter> | undefined;
  const getAdapter = (): Promise<Adapter> => {
    adapter ??= import('botbuilder').then(({ CloudAdapter, ConfigurationBotFrameworkAuthentication }) => {
      const auth = new ConfigurationBotFrameworkAuthentication({
        MicrosoftAppId: deps.config.appId ?? '',
        MicrosoftAppPassword: deps.config.appPassword ?? '',
        MicrosoftAppType: deps.config.appType ?? (deps.config.appId ? 'MultiTenant' : ''),
        MicrosoftAppTenantId: deps.config.tenantId ?? '',
      });
      const created = new CloudAdapter(auth);
      created.onTurnError = async (context, error) => {
        deps.logger.error('botframework.turn.failed', { error: String(error) });
        await context.sendActivity('Sorry, something went wrong. / Pahoittelut, jokin meni vikaan.');
      };
      return created;
    });
    return adapter;
  };

  router.post('/api/messages', express.json({ limit: '256kb' }), async (req: Request, res: Response) => {
    if (!req.body || typeof req.body !== 'object') {
      res.status(400).json({ error: { code: 'invalid_body', message: 'Send a Bot Framework Activity as JSON with Content-Type: application/json.' } });
      return;
    }
    const cloud = await getAdapter();
    await cloud.process(req, res, async (context) => {
      const activity = context.activity as unknown as IncomingActivity;
      const turn = toTurn(activity);
      if (!turn) return;
      const { TurnContext } = await import('botbuilder');
      references.delete(turn.conversationId);
      references.set(turn.conversationId, TurnContext.getConversationReference(context.activity));
      if (references.size > MAX_REFERENCES) references.delete(references.keys().next().value as string);
      try {
        const result = await deps.engine.handleTurn({ ...turn, clientMessageId: (context.activity.id as string | undefined)?.slice(0, 100) });
        const activities = toActivities(result.replies, activity.from?.id);
        if (activities.length > 0) await context.sendActivities(activities);
      } catch (error) {
        if (error instanceof InvalidTurnError) {
          await context.sendActivity(error.message);
          return;
        }
        throw error;
      }
    });
  });
  // Agent messages and takeover notices published on the bus reach Teams / Web Chat as proactive messages.
  const deliver = async (message: OutboundMessage): Promise<void> => {
    const reference = references.get(message.conversationId);
    if (!reference || message.event === 'customer_message') return;
    const activities = toActivities(message.replies, reference.user?.id);
    if (activities.length === 0) return;
    const cloud = await getAdapter();
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
