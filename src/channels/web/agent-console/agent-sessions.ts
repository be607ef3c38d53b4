import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { AgentSessionStore, Clock } from '../../../core/ports';
import { tokensEqual } from '../web-conversations';
import { verifyPassword } from './hash-password';

export const SESSION_COOKIE = 'aspa_agent';

/**
 * What a login may do: `agent` works the ticket queue, `manager` sees the service dashboard, `designer` uses the
 * flow studio. A users-file entry without `roles` is an agent; the shared AGENT_TOKEN is the operator's key and has all.
 */
export const AGENT_ROLES = ['agent', 'manager', 'designer'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export interface AgentSession {
  id: string;
  name: string;
  roles: AgentRole[];
  expiresAt: number;
}

export interface AgentUser {
  name: string;
  passwordHash: string;
  roles: AgentRole[];
}

export function hasRole(session: Pick<AgentSession, 'roles'>, role: AgentRole): boolean {
  return session.roles.includes(role);
}

function isRoleList(value: unknown): value is AgentRole[] {
  return Array.isArray(value) && value.length > 0 && value.every((role) => (AGENT_ROLES as readonly unknown[]).includes(role));
}

export type LoginResult = { ok: true; session: AgentSession } | { ok: false; message: string };

/** Agent logins and their sessions. */
export interface AgentSessions {
  login(name: string, secret: string): Promise<LoginResult>;
  /** Revokes the session of this cookie value in the store: every instance refuses it from now on. */
  logout(cookieValue: string): Promise<void>;
  /** The live session a request's cookie points to (asks the store). */
  fromRequest(req: IncomingMessage): Promise<AgentSession | undefined>;
  /** Whether a session is still live (not logged out, not expired), e.g. for a console socket opened earlier. */
  isLive(session: AgentSession): Promise<boolean>;
  /** True when agents can log in at all (a token or a users file is configured). */
  configured(): boolean;
}

/** Reads and checks `AGENT_USERS_FILE`; throws a message naming the file and the entry at fault. */
export function loadAgentUsers(file: string): AgentUser[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`AGENT_USERS_FILE ${file}: cannot read it as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`AGENT_USERS_FILE ${file}: expected a JSON array of {"name", "passwordHash"}`);
  return parsed.map((entry: unknown, index) => {
    const record = entry as Record<string, unknown> | null;
    if (!record || typeof record.name !== 'string' || record.name.trim() === '' || typeof record.passwordHash !== 'string' || !record.passwordHash.startsWith('scrypt$')) {
      throw new Error(`AGENT_USERS_FILE ${file}: entry ${index} needs "name" and a "passwordHash" made with \`aspa agent hash-password\``);
    }
    if (record.roles !== undefined && !isRoleList(record.roles)) {
      throw new Error(`AGENT_USERS_FILE ${file}: entry ${index} "roles" must be a non-empty list of ${AGENT_ROLES.map((r) => `"${r}"`).join(', ')}`);
    }
    return { name: record.name.trim(), passwordHash: record.passwordHash, roles: record.roles ?? ['agent'] };
  });
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      cookies[key] = decodeURIComponent(value);
    } catch {
      cookies[key] = value;
    }
  }
  return cookies;
}

/** A display name an agent may use: what customers see, so short and plain. */
export function cleanAgentName(name: string): string | undefined {
  const trimmed = name.normalize('NFC').replace(/\s+/g, ' ').trim();
  const hasControl = [...trimmed].some((ch) => ch.charCodeAt(0) < 0x20);
  return trimmed.length >= 1 && trimmed.length <= 60 && !hasControl && !/[<>]/.test(trimmed) ? trimmed : undefined;
}

/** The cookie's secret: 32 random bytes, base64url. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Sessions live in the store (`AgentSessionStore`): the cookie carries a random secret, the store keeps its SHA-256
 * under the agent's name, roles and expiry, and decides validity. So every instance sharing the store (Redis) sees
 * a login and a logout at once, sessions survive restarts (embedded, Redis), and a copy of the store logs nobody in.
 * With `secret` (AGENT_SESSION_SECRET) the cookie also carries an HMAC of its secret (`<secret>.<mac>`), checked
 * before the store is asked: defence in depth, never a substitute for the store. Changing it logs agents out.
 */
export function createAgentSessions(options: {
  token?: string; users?: AgentUser[]; clock: Clock; ttlMs: number; secret?: string; store: AgentSessionStore;
}): AgentSessions {
  const { clock, store } = options;
  const key = options.secret ? crypto.createHash('sha256').update(`aspa-agent-session:${options.secret}`).digest() : undefined;
  const sign = (value: string) => crypto.createHmac('sha256', key as Buffer).update(value).digest('base64url');
  const storeId = (value: string) => crypto.createHash('sha256').update(value).digest('base64url');

  /** The store id a cookie value stands for, when it is well formed (and signed, with a secret). */
  function idOf(cookieValue: string): string | undefined {
    const [value, mac, extra] = cookieValue.split('.');
    if (!value || !SECRET_PATTERN.test(value) || extra !== undefined) return undefined;
    if (key ? !mac || !tokensEqual(sign(value), mac) : mac !== undefined) return undefined;
    return storeId(value);
  }

  async function newSession(name: string, roles: AgentRole[]): Promise<AgentSession> {
    const value = crypto.randomBytes(32).toString('base64url');
    const createdAt = clock.now();
    const expiresAt = createdAt + options.ttlMs;
    await store.create({ id: storeId(value), name, roles, createdAt, expiresAt });
    return { id: key ? `${value}.${sign(value)}` : value, name, roles, expiresAt };
  }

  async function lookup(cookieValue: string): Promise<AgentSession | undefined> {
    const id = idOf(cookieValue);
    if (!id) return undefined;
    const record = await store.get(id);
    if (!record || record.expiresAt <= clock.now() || !isRoleList(record.roles)) return undefined;
    return { id: cookieValue, name: record.name, roles: record.roles, expiresAt: record.expiresAt };
  }

  return {
    configured: () => Boolean(options.token) || (options.users?.length ?? 0) > 0,

    async login(rawName, secret) {
      const name = cleanAgentName(rawName);
      if (!name) return { ok: false, message: 'Give your name (1–60 characters, no < or >).' };
      if (!secret) return { ok: false, message: 'Give your password or the agent token.' };
      const user = options.users?.find((u) => u.name.toLowerCase() === name.toLowerCase());
      if (user) {
        return (await verifyPassword(secret, user.passwordHash))
          ? { ok: true, session: await newSession(user.name, user.roles) }
          : { ok: false, message: 'Wrong name or password.' };
      }
      if (options.token && tokensEqual(options.token, secret)) return { ok: true, session: await newSession(name, [...AGENT_ROLES]) };
      return { ok: false, message: 'Wrong name or password.' };
    },

    async logout(cookieValue) {
      const id = idOf(cookieValue);
      if (id) await store.revoke(id);
    },

    async fromRequest(req) {
      const value = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      return value ? lookup(value) : undefined;
    },

    async isLive(session) {
      return (await lookup(session.id)) !== undefined;
    },
  };
}

/** Re-exported so callers that look for it next to the sessions find it (the CLI's `aspa agent hash-password`). */
export { hashPassword } from './hash-password';
