import type { LoginThrottleOptions } from './agent-console/login-throttle';

/** Settings of the web channel and the agent console. Read once by the composition root. */
export interface WebConfig {
  /**
   * Origins (scheme://host[:port]) allowed to embed the widget and call the web API from a browser.
   * The server's own origin is always allowed. `*` allows any origin (development only).
   */
  allowedOrigins: string[];
  /** Shared agent login token (`AGENT_TOKEN`); any agent name is accepted with it. */
  agentToken?: string;
  /** Path of a JSON users file (`AGENT_USERS_FILE`): `[{ "name": "...", "passwordHash": "..." }]`. */
  agentUsersFile?: string;
  /** Locale of the demo page and the widget when the page does not say. */
  defaultLocale: 'fi' | 'en' | 'sv';
  /**
   * Always mark the session cookie `Secure` (PUBLIC_URL is https). Without it the cookie is `Secure` when the login
   * came over TLS (`req.secure`: HTTPS, or X-Forwarded-Proto from a proxy the app trusts, TRUST_PROXY).
   */
  secureCookies: boolean;
  /** Agent session lifetime in ms (default 12 h). */
  agentSessionTtlMs: number;
  /**
   * Adds an HMAC to agent session cookies (`AGENT_SESSION_SECRET`), checked before the session store is asked; share it
   * between instances. Sessions live in the store either way, so they survive restarts without it.
   */
  agentSessionSecret?: string;
  /** Limits on login attempts per name and per client address (defaults: 10 and 100 per 15 minutes). */
  loginThrottle?: Partial<LoginThrottleOptions>;
}

export const DEFAULT_WEB_CONFIG: WebConfig = {
  allowedOrigins: [],
  defaultLocale: 'fi',
  secureCookies: false,
  agentSessionTtlMs: 12 * 60 * 60 * 1000,
};

/**
 * Builds a `WebConfig` from environment variables: `WEB_ALLOWED_ORIGINS` (comma-separated),
 * `AGENT_TOKEN`, `AGENT_USERS_FILE`, `WEB_DEFAULT_LOCALE`, `WEB_SECURE_COOKIES=1`.
 * Returns the problems found instead of throwing so the caller can list them all.
 */
export function webConfigFromEnv(env: Record<string, string | undefined>): { config: WebConfig; problems: string[] } {
  const problems: string[] = [];
  const origins = (env.WEB_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !isOrigin(origin)) {
      problems.push(`WEB_ALLOWED_ORIGINS: "${origin}" is not an origin; write it as https://shop.example.com (no path)`);
    }
  }
  const locale = env.WEB_DEFAULT_LOCALE ?? 'fi';
  if (locale !== 'fi' && locale !== 'en' && locale !== 'sv') {
    problems.push(`WEB_DEFAULT_LOCALE: "${locale}" is not supported; use fi, en or sv`);
  }
  const token = env.AGENT_TOKEN?.trim();
  if (token !== undefined && token !== '' && token.length < 16) {
    problems.push('AGENT_TOKEN: use at least 16 characters (e.g. `openssl rand -hex 24`)');
  }
  return {
    config: {
      ...DEFAULT_WEB_CONFIG,
      allowedOrigins: origins.filter((o) => o === '*' || isOrigin(o)).map((o) => o.replace(/\/$/, '')),
      agentToken: token && token.length >= 16 ? token : undefined,
      agentUsersFile: env.AGENT_USERS_FILE?.trim() || undefined,
      defaultLocale: locale === 'en' || locale === 'sv' ? locale : 'fi',
      secureCookies: env.WEB_SECURE_COOKIES === '1' || env.WEB_SECURE_COOKIES === 'true',
    },
    problems,
  };
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash
      && value.replace(/\/$/, '') === url.origin;
  } catch {
    return false;
  }
}
