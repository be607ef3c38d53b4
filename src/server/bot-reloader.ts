import { watch, type FSWatcher } from 'node:fs';
import type { BotVersion, BotVersionInfo, BotVersionRegistry } from '../core/bot-versions';
import type { Logger } from '../core/logger';
import type { BotVersionPointer } from '../core/ports';
import { formatDiagnostic, type Diagnostic } from '../flows/diagnostic';
import { botVersionId } from './bot-version-id';
import { BotLoadError, type LoadedBot } from './load-bot';

export type ReloadStatus = 'activated' | 'unchanged' | 'rejected';

export interface ReloadOutcome {
  status: ReloadStatus;
  /** The version now serving new conversations. */
  current: string;
  /** The version the files hash to (the rejected one when status is `rejected`). */
  candidate: string;
  diagnostics: Diagnostic[];
  ms: number;
}

export interface ReloaderStatus {
  current: string;
  versions: BotVersionInfo[];
  /** The problems of the last change that was refused (empty once a good change is served). */
  rejected?: { version: string; at: number; diagnostics: Diagnostic[] };
}

export interface BotReloader {
  /** Reads the files; a new content hash is validated, loaded (NLU trained) and made current on every instance. */
  reload(reason: string): Promise<ReloadOutcome>;
  status(): ReloaderStatus;
  /** Announces this instance's version, follows other instances' switches, and watches the files when asked to. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface BotReloaderDeps {
  versions: BotVersionRegistry;
  pointer: BotVersionPointer;
  flowsDir: string;
  localesDir: string;
  /** Loads, validates and compiles the files (throws BotLoadError listing every problem). */
  load: () => LoadedBot | Promise<LoadedBot>;
  logger: Logger;
  now: () => number;
  watch: boolean;
  /** Editors write a file in several steps: reload once they are done. */
  debounceMs?: number;
  /** Read the shared pointer this often, in case a pub/sub announcement was missed (a reconnect). */
  pollMs?: number;
}

/**
 * Hot reload with version pinning. The files' content hash names a version; a changed hash is loaded in the
 * background while the current version keeps serving, and a change that does not validate is refused with its
 * problems (logged, and shown in the studio). A good one becomes current here and is announced through the
 * store's version pointer; every other instance loads the same files, checks that they hash to the same id and
 * only then switches. Conversations already running stay on their version (see the engine's pinVersion).
 */
export function createBotReloader(deps: BotReloaderDeps): BotReloader {
  const { versions, pointer, logger } = deps;
  const debounceMs = deps.debounceMs ?? 300;
  const pollMs = deps.pollMs ?? 10_000;
  let rejected: ReloaderStatus['rejected'];
  let running: Promise<unknown> = Promise.resolve();
  let watchers: FSWatcher[] = [];
  let debounce: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let closed = false;

  /** One reload at a time: a change arriving during a reload is handled after it. */
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = running.then(work, work);
    running = next.catch(() => undefined);
    return next;
  };

  /** Loads the files as version `id`; the files changing meanwhile means the loaded bot is not `id`: try again. */
  const loadVersion = async (id: string): Promise<{ version?: BotVersion; diagnostics: Diagnostic[]; id: string }> => {
    let wanted = id;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      let loaded: LoadedBot;
      try {
        loaded = await deps.load();
      } catch (error) {
        if (error instanceof BotLoadError) return { diagnostics: error.diagnostics, id: wanted };
        throw error;
      }
      const after = botVersionId(deps.flowsDir, deps.localesDir);
      if (after === wanted) return { version: { id: wanted, bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu }, diagnostics: loaded.diagnostics, id: wanted };
      wanted = after;
    }
    return { diagnostics: [], id: wanted };
  };

  const activate = (version: BotVersion, reason: string, started: number): void => {
    const previous = versions.current().id;
    versions.activate(version);
    rejected = undefined;
    logger.info('bot.reload.activated', { version: version.id, previous, reason, ms: deps.now() - started });
  };

  const reloadNow = async (reason: string, expected?: string): Promise<ReloadOutcome> => {
    const started = deps.now();
    const outcome = (status: ReloadStatus, candidate: string, diagnostics: Diagnostic[] = []): ReloadOutcome =>
      ({ status, current: versions.current().id, candidate, diagnostics, ms: deps.now() - started });
    const candidate = botVersionId(deps.flowsDir, deps.localesDir);
    if (expected && candidate !== expected) {
      // Another instance switched to files this one does not have (yet): keep serving what it has.
      logger.warn('bot.reload.version_mismatch', { wanted: expected, files: candidate, current: versions.current().id });
      return outcome('unchanged', candidate);
    }
    if (candidate === versions.current().id) {
      rejected = undefined;
      return outcome('unchanged', candidate);
    }
    const known = versions.get(candidate);
    if (known) {
      activate(known, reason, started);
    } else {
      const loading = loadVersion(candidate);
      versions.loading(candidate, loading.then((result) => (result.id === candidate ? result.version : undefined)));
      const result = await loading;
      if (!result.version) {
        rejected = { version: result.id, at: deps.now(), diagnostics: result.diagnostics };
        const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
        logger.error('bot.reload.rejected', {
          version: result.id, current: versions.current().id, reason, errors: errors.length,
          problems: errors.slice(0, 20).map(formatDiagnostic),
        });
        return outcome('rejected', result.id, result.diagnostics);
      }
      if (expected && result.id !== expected) return outcome('unchanged', result.id);
      activate(result.version, reason, started);
    }
    const current = versions.current().id;
    if (!expected) {
      try {
        await pointer.set(current);
      } catch (error) {
        logger.error('bot.reload.announce_failed', { version: current, error: String(error) });
      }
    }
    return outcome('activated', current);
  };

  /** Another instance (or this one) announced a version. */
  const follow = (id: string): void => {
    if (closed || id === versions.current().id) return;
    const loaded = versions.get(id);
    if (loaded) {
      versions.activate(loaded);
      logger.info('bot.reload.followed', { version: id });
      return;
    }
    serially(() => reloadNow('announced', id)).catch((error: unknown) => logger.error('bot.reload.failed', { error: String(error) }));
  };

  const scheduleReload = (): void => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      serially(() => reloadNow('file_changed')).catch((error: unknown) => logger.error('bot.reload.failed', { error: String(error) }));
    }, debounceMs);
    debounce.unref();
  };

  const watchFolder = (dir: string, recursive: boolean): void => {
    try {
      const watcher = watch(dir, { recursive, persistent: false }, scheduleReload);
      watcher.on('error', (error) => logger.warn('bot.watch.error', { dir, error: String(error) }));
      watchers.push(watcher);
    } catch (error) {
      logger.warn('bot.watch.unavailable', { dir, error: String(error) });
    }
  };

  return {
    reload: (reason) => serially(() => reloadNow(reason)),
    status: () => ({ current: versions.current().id, versions: versions.list(), ...(rejected ? { rejected } : {}) }),
    async start() {
      unsubscribe = await pointer.subscribe(follow);
      const announced = await pointer.get();
      // This instance's files are the deployment's newest when it starts (a rolling deploy); others follow.
      if (announced !== versions.current().id) await pointer.set(versions.current().id);
      poll = setInterval(() => {
        pointer.get().then((id) => id && follow(id), (error: unknown) => logger.warn('bot.reload.poll_failed', { error: String(error) }));
      }, pollMs);
      poll.unref();
      if (deps.watch) {
        watchFolder(deps.flowsDir, false);
        watchFolder(deps.localesDir, true);
      }
    },
    async close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      for (const watcher of watchers) watcher.close();
      watchers = [];
      await unsubscribe?.();
      await running;
    },
  };
}
