import type { Request, Response } from 'express';
import express from 'express';
import { InvalidTurnError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { ConversationEngine } from '../../core/services';
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
export function createBotFrameworkChannel(deps: { engine: ConversationEngine; config: BotFrameworkConfig; logger: Logger }): express.Router {
  const router = express.Router();
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
  return router;
}
