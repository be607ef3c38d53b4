import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../../../core/logger';
import { hasRole, type AgentSessions } from '../agent-console/agent-sessions';
import { checkOrigin } from '../origin-policy';
import type { BotReloader } from '../../../server/bot-reloader';

export interface StudioDeps {
  sessions: AgentSessions;
  reloader: BotReloader;
  logger: Logger;
}

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

  const sameOriginOrNone = (req: IncomingMessage): boolean => {
    const verdict = checkOrigin(req.headers, []);
    return verdict === 'none' || verdict === 'same';
  };

  router.use('/api/studio', express.json({ limit: '256kb' }), (req: Request, res: Response, next: NextFunction) => {
    const session = sessions.fromRequest(req);
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

  router.post('/api/studio/reload', async (req, res, next) => {
    try {
      const outcome = await reloader.reload('studio');
      logger.info('studio.reload', { by: sessions.fromRequest(req)?.name, status: outcome.status, version: outcome.current });
      res.status(outcome.status === 'rejected' ? 422 : 200).json(outcome);
    } catch (error) {
      next(error);
    }
  });

  return { router };
}
