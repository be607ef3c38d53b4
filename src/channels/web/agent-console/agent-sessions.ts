import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../../core/ports';
import { tokensEqual } from '../web-conversations';
import { verifyPassword } from './hash-password';

export const SESSION_COOKIE = 'aspa_agent';

export interface AgentSession {
  id: string;
  name: string;
  expiresAt: number;
}

export interface AgentUser {
  name: string;
  passwordHash: string;
}

export type LoginResult = { ok: true; session: AgentSession } | { ok: false; message: string };

/** Agent logins and their server-side sessions (in memory: a restart logs agents out). */
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
    return { name: record.name.trim(), passwordHash: record.passwordHash };
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

export function createAgentSessions(options: { token?: string; users?: AgentUser[]; clock: Clock; ttlMs: number }): AgentSessions {
  const sessions = new Map<string, AgentSession>();
  const { clock } = options;

  function newSession(name: string): AgentSession {
    // Drop expired sessions on the way so the map cannot grow without bound.
    const now = clock.now();
    for (const [id, session] of sessions) if (session.expiresAt <= now) sessions.delete(id);
    const session = { id: crypto.randomBytes(32).toString('base64url'), name, expiresAt: now + options.ttlMs };
    sessions.set(session.id, session);
    return session;
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
          ? { ok: true, session: newSession(user.name) }
          : { ok: false, message: 'Wrong name or password.' };
      }
      if (options.token && tokensEqual(options.token, secret)) return { ok: true, session: newSession(name) };
      return { ok: false, message: 'Wrong name or password.' };
    },

    logout(sessionId) {
      sessions.delete(sessionId);
    },

    fromRequest(req) {
      const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      if (!id) return undefined;
      const session = sessions.get(id);
      if (!session) return undefined;
      if (session.expiresAt <= clock.now()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
  };
}

/** Re-exported so callers that look for it next to the sessions find it (the CLI's `aspa agent hash-password`). */
export { hashPassword } from './hash-password';
