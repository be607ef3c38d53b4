import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../../core/ports';
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
  logout(sessionId: string): void;
  /** The live session a request's cookie points to. */
  fromRequest(req: IncomingMessage): AgentSession | undefined;
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

/**
 * Sessions are signed, not stored: the cookie carries the agent's name and expiry with an HMAC, so any instance
 * that shares `secret` (AGENT_SESSION_SECRET) accepts it and a restart does not log agents out. Without a secret
 * a random one is made per process (one instance; a restart logs agents out). Logging out revokes the session on
 * this instance until it expires; the cookie is cleared in the browser as well.
 */
export function createAgentSessions(options: { token?: string; users?: AgentUser[]; clock: Clock; ttlMs: number; secret?: string }): AgentSessions {
  const { clock } = options;
  const key = options.secret ? crypto.createHash('sha256').update(`aspa-agent-session:${options.secret}`).digest() : crypto.randomBytes(32);
  const revoked = new Map<string, number>();
  const sign = (payload: string) => crypto.createHmac('sha256', key).update(payload).digest('base64url');

  function newSession(name: string, roles: AgentRole[]): AgentSession {
    const expiresAt = clock.now() + options.ttlMs;
    const payload = Buffer.from(JSON.stringify({ n: name, g: roles, e: expiresAt, r: crypto.randomBytes(12).toString('base64url') })).toString('base64url');
    return { id: `${payload}.${sign(payload)}`, name, roles, expiresAt };
  }

  function verify(id: string): AgentSession | undefined {
    const [payload, mac, extra] = id.split('.');
    if (!payload || !mac || extra !== undefined || !tokensEqual(sign(payload), mac)) return undefined;
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { n?: unknown; g?: unknown; e?: unknown };
      if (typeof data.n !== 'string' || typeof data.e !== 'number' || data.e <= clock.now() || !isRoleList(data.g)) return undefined;
      if (revoked.has(id)) return undefined;
      return { id, name: data.n, roles: data.g, expiresAt: data.e };
    } catch {
      return undefined;
    }
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
          ? { ok: true, session: newSession(user.name, user.roles) }
          : { ok: false, message: 'Wrong name or password.' };
      }
      if (options.token && tokensEqual(options.token, secret)) return { ok: true, session: newSession(name, [...AGENT_ROLES]) };
      return { ok: false, message: 'Wrong name or password.' };
    },

    logout(sessionId) {
      const session = verify(sessionId);
      if (!session) return;
      // Forget revocations that have expired anyway, so the map stays small.
      const now = clock.now();
      for (const [id, expiresAt] of revoked) if (expiresAt <= now) revoked.delete(id);
      revoked.set(sessionId, session.expiresAt);
    },

    fromRequest(req) {
      const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      return id ? verify(id) : undefined;
    },
  };
}

/** Re-exported so callers that look for it next to the sessions find it (the CLI's `aspa agent hash-password`). */
export { hashPassword } from './hash-password';
