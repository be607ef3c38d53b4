import type { CompiledBot } from '../flows/compile-flow';
import type { MessageCatalog } from '../i18n/message-catalog';
import type { Nlu } from './nlu';

/**
 * One compiled bot: flows, messages and the trained NLU, identified by the content hash of the flow and locale
 * files it was built from. A conversation runs every turn on the version it started on.
 */
export interface BotVersion {
  id: string;
  bot: CompiledBot;
  catalog: MessageCatalog;
  nlu: Nlu;
}

export interface BotVersionInfo {
  id: string;
  current: boolean;
  loadedAt: number;
  /** The last turn that ran on it (for the current version: when it was activated, or later). */
  lastUsedAt: number;
}

/**
 * The loaded versions of the bot: the current one (new conversations start on it) and older ones that live
 * conversations still run on. An old version is evicted once no turn has used it for `keepUnusedMs` (the idle
 * timeout: by then every conversation that started on it has been forgotten).
 */
export interface BotVersionRegistry {
  current(): BotVersion;
  get(id: string): BotVersion | undefined;
  /** The version, waiting for it when it is being loaded (another instance switched to it first). */
  resolve(id: string): Promise<BotVersion | undefined>;
  /** Makes a loaded version current (adds it when new); new conversations start on it from now on. */
  activate(version: BotVersion): void;
  /** Announces a version being loaded, so turns pinned to it wait instead of falling back. */
  loading(id: string, load: Promise<BotVersion | undefined>): void;
  /** Notes that a turn ran on the version, and evicts old versions nobody used for too long. */
  touch(id: string): void;
  list(): BotVersionInfo[];
  /** Called after the current version changes. Returns an unsubscribe function. */
  onActivate(listener: (version: BotVersion) => void): () => void;
}

export interface BotVersionRegistryOptions {
  keepUnusedMs: number;
  now: () => number;
}

export function createBotVersionRegistry(initial: BotVersion, options: BotVersionRegistryOptions): BotVersionRegistry {
  interface Entry { version: BotVersion; loadedAt: number; lastUsedAt: number }
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<BotVersion | undefined>>();
  const listeners = new Set<(version: BotVersion) => void>();
  let currentId = initial.id;
  entries.set(initial.id, { version: initial, loadedAt: options.now(), lastUsedAt: options.now() });

  const evictUnused = (now: number): void => {
    for (const [id, entry] of entries) {
      if (id !== currentId && now - entry.lastUsedAt > options.keepUnusedMs) entries.delete(id);
    }
  };

  return {
    current: () => (entries.get(currentId) as Entry).version,
    get: (id) => entries.get(id)?.version,
    async resolve(id) {
      const loaded = entries.get(id)?.version;
      if (loaded) return loaded;
      const load = pending.get(id);
      return load ? load.catch(() => undefined) : undefined;
    },
    activate(version) {
      const now = options.now();
      const previous = entries.get(currentId);
      if (previous) previous.lastUsedAt = Math.max(previous.lastUsedAt, now);
      const existing = entries.get(version.id);
      entries.set(version.id, { version, loadedAt: existing?.loadedAt ?? now, lastUsedAt: now });
      const changed = version.id !== currentId;
      currentId = version.id;
      evictUnused(now);
      if (changed) for (const listener of [...listeners]) listener(version);
    },
    loading(id, load) {
      pending.set(id, load);
      const forget = () => {
        if (pending.get(id) === load) pending.delete(id);
      };
      load.then(forget, forget);
    },
    touch(id) {
      const now = options.now();
      const entry = entries.get(id);
      if (entry) entry.lastUsedAt = now;
      evictUnused(now);
    },
    list: () => [...entries.values()].map((entry) => ({
      id: entry.version.id, current: entry.version.id === currentId, loadedAt: entry.loadedAt, lastUsedAt: entry.lastUsedAt,
    })),
    onActivate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Where a conversation in `state` (`flow.state`) continues on `version`, when the designer declared the move
 * safe for its flow (`migrate: safe` and the state still exists, or a `migrate` map entry); otherwise undefined
 * and the conversation stays on the version it started on.
 */
export function migrationTarget(version: BotVersion, state: string): string | undefined {
  const dot = state.indexOf('.');
  if (dot < 0) return undefined;
  const flow = state.slice(0, dot);
  const policy = version.bot.migrations[flow];
  if (!policy) return undefined;
  const target = policy === 'safe' ? state : policy[state.slice(dot + 1)] ? `${flow}.${policy[state.slice(dot + 1)]}` : undefined;
  return target && version.bot.states.includes(target) ? target : undefined;
}
