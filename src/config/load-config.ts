import * as net from 'node:net';
import * as path from 'node:path';
import { z } from 'zod';
import { SUPPORTED_LOCALES, type Locale } from '../core/turn';
import { webConfigFromEnv } from '../channels/web/web-config';

/**
 * Every setting, read once from the environment at start-up. Unknown values fail with one message
 * that lists every problem and how to fix it.
 */
const localeList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.enum(SUPPORTED_LOCALES as [Locale, ...Locale[]])).min(1));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalText = z.string().trim().min(1).optional();

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Server processes sharing the port; more than one needs Redis (ASPA_STORE=redis / REDIS_URL). */
  ASPA_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  ASPA_DATA_DIR: z.string().default('./data'),
  ASPA_FLOWS_DIR: z.string().default('./flows'),
  ASPA_LOCALES_DIR: z.string().default('./locales'),
  ASPA_LOCALES: localeList.default(['fi', 'en', 'sv']),
  ASPA_DEFAULT_LOCALE: z.enum(SUPPORTED_LOCALES as [Locale, ...Locale[]]).default('fi'),
  ASPA_STORE: z.enum(['embedded', 'memory', 'redis']).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  REDIS_KEY_PREFIX: z.string().default('aspa:'),
  ASPA_IDLE_TIMEOUT_MINUTES: positiveInt(30),
  ASPA_MAX_TEXT_LENGTH: positiveInt(2000),
  ASPA_ORDER_NUMBER_PATTERN: z.string().default('\\d{5,8}').refine((value) => {
    try { new RegExp(value); return true; } catch { return false; }
  }, 'must be a valid regular expression'),
  ASPA_TIMEZONE: z.string().default('Europe/Helsinki'),
  /** JSON: { "mon": ["08:00-18:00"], ... } */
  ASPA_OPENING_HOURS: optionalText,
  /** Comma-separated YYYY-MM-DD dates when agents are off besides Finnish public holidays. */
  ASPA_HOLIDAYS: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TICKET_WEBHOOK_URL: z.url().optional(),
  TICKET_WEBHOOK_SECRET: optionalText,
  WEB_ALLOWED_ORIGINS: optionalText,
  AGENT_TOKEN: optionalText,
  AGENT_USERS_FILE: optionalText,
  AGENT_SESSION_SECRET: z.string().min(16, 'use at least 16 random characters').optional(),
  /** Reverse proxies in front: off (default), a hop count (1), or their addresses (10.0.0.2,10.0.1.0/24,loopback). */
  TRUST_PROXY: optionalText,
  PUBLIC_URL: z.url().optional(),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits').optional(),
  VOICE_MODE: z.enum(['gather', 'stream']).default('gather'),
  VOICE_TRANSFER_NUMBER: optionalText,
  VOICE_TRANSFER_SIP: optionalText,
  VOICE_TRANSFER_QUEUE: z.enum(['on', 'off']).default('off'),
  VOICE_EMERGENCY_NUMBER: optionalText,
  VOICE_CALLER_ID: optionalText,
  MICROSOFT_APP_ID: optionalText,
  MICROSOFT_APP_PASSWORD: optionalText,
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
  MICROSOFT_APP_TENANT_ID: optionalText,
  GOOGLE_SPEECH: z.enum(['on', 'off']).default('off'),
  /** Reload the bot when a file in the flow or locale folder changes (validated first; a broken change is not served). */
  ASPA_WATCH_FLOWS: z.enum(['on', 'off']).default('on'),
  /** Speech model per language: `fi=experimental_conversations,sv=googlev2_telephony` (Gather) or Google models (stream mode). */
  /** Out-of-scope threshold of the NLU: `0.4` for every language or `fi=0.35,en=0.4`; unset = calibrated per model. */
  NLU_OOS_THRESHOLD: optionalText,
  /** Bearer token Prometheus must send for GET /metrics. */
  METRICS_TOKEN: z.string().trim().min(16, 'use at least 16 random characters').optional(),
  /** host:port where /metrics is served instead of the main port (e.g. 127.0.0.1:9464). */
  METRICS_LISTEN: z.string().trim().regex(/^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/, 'use host:port, e.g. 127.0.0.1:9464').optional(),
  VOICE_SPEECH_MODELS: z.string().regex(/^(fi|en|sv)=[\w.-]+(,(fi|en|sv)=[\w.-]+)*$/, 'use lang=model pairs, e.g. fi=experimental_conversations,sv=googlev2_telephony').optional(),
});

export interface AspaConfig {
  port: number;
  host: string;
  workers: number;
  dataDir: string;
  flowsDir: string;
  localesDir: string;
  locales: Locale[];
  defaultLocale: Locale;
  store: 'embedded' | 'memory' | 'redis';
  redisUrl?: string;
  redisKeyPrefix: string;
  idleTimeoutMs: number;
  maxTextLength: number;
  orderNumberPattern: string;
  timeZone: string;
  openingHours?: Record<string, string[]>;
  holidays: string[];
  logLevel: string;
  ticketWebhook?: { url: string; secret: string };
  webAllowedOrigins: string[];
  agentToken?: string;
  agentUsersFile?: string;
  agentSessionSecret?: string;
  /** Express `trust proxy`: false, the number of proxies in front, or their addresses / subnets. */
  trustProxy: TrustProxy;
  publicUrl?: string;
  twilio?: { authToken: string; accountSid?: string };
  voiceMode: 'gather' | 'stream';
  voiceTransfer: { number?: string; sip?: string; enqueue: boolean; emergencyNumber?: string; callerId?: string };
  googleSpeech: boolean;
  /** Hot reload on file changes in flowsDir and localesDir. */
  watchFlows: boolean;
  speechModels: Partial<Record<Locale, string>>;
  /** Out-of-scope thresholds set by the bot's designer; a language without one uses its model's calibrated threshold. */
  nluOosThreshold: Partial<Record<Locale, number>>;
  botFramework: { appId?: string; appPassword?: string; appType?: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI'; tenantId?: string };
  /** Who may read GET /metrics: a bearer token, a separate listen address (then not on the main port), both or neither. */
  metrics: { token?: string; listen?: { host: string; port: number } };
}

/** A setting that works but leaves something unprotected or fragile: logged once at start-up as a warning. */
export interface ConfigWarning {
  event: string;
  message: string;
}

/** What a deployment should still set; each warning says which variable and why. */
export function configWarnings(config: AspaConfig): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (config.store === 'memory' && (config.agentToken || config.agentUsersFile)) {
    warnings.push({
      event: 'config.agent_sessions_in_memory',
      message: 'ASPA_STORE=memory: agent sessions and login counts live in this process only, so every restart logs agents out and other instances refuse them; use the embedded store (the default) or Redis (REDIS_URL)',
    });
  }
  if (!config.metrics.token && !config.metrics.listen) {
    warnings.push({
      event: 'config.metrics_unprotected',
      message: `GET /metrics is open to anyone who reaches port ${config.port}; set METRICS_TOKEN (Prometheus sends it as a bearer token) or METRICS_LISTEN=127.0.0.1:9464 (a private address)`,
    });
  }
  return warnings;
}

export type TrustProxy = false | number | string[];

const TRUST_PROXY_HINT = 'use off, the number of proxies in front of Aspa (e.g. 1), or their addresses (10.0.0.2,10.0.1.0/24,loopback)';
const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Reads TRUST_PROXY, which tells Express whose X-Forwarded-For / X-Forwarded-Proto to believe (`trust proxy`):
 * off, a hop count, or a list of proxy addresses and subnets. `true` (believe anyone) is refused: any client could
 * then pick its address and dodge the login limits.
 */
export function parseTrustProxy(value: string | undefined): { trustProxy: TrustProxy; problems: string[] } {
  const text = (value ?? '').trim();
  if (text === '' || /^(off|false|no|0)$/i.test(text)) return { trustProxy: false, problems: [] };
  if (/^(on|true|yes|all|\*)$/i.test(text)) {
    return { trustProxy: false, problems: [`TRUST_PROXY: "${text}" would believe X-Forwarded-For from anyone, so any client could choose its address; ${TRUST_PROXY_HINT}`] };
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops >= 1 && hops <= 10 ? { trustProxy: hops, problems: [] } : { trustProxy: false, problems: [`TRUST_PROXY: ${text} hops is not from 1 to 10; ${TRUST_PROXY_HINT}`] };
  }
  const problems: string[] = [];
  const entries = text.split(',').map((part) => part.trim()).filter(Boolean);
  for (const entry of entries) {
    if (TRUST_PROXY_NAMES.includes(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = net.isIP(address);
    const prefixOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || extra !== undefined) problems.push(`TRUST_PROXY: "${entry}" is not an IP address, a subnet (10.0.1.0/24) or one of ${TRUST_PROXY_NAMES.join(', ')}; ${TRUST_PROXY_HINT}`);
  }
  return problems.length > 0 ? { trustProxy: false, problems } : { trustProxy: entries, problems };
}

const OOS_THRESHOLD_HINT = 'use one number from 0 to 1 for every language (0.4) or lang=number pairs (fi=0.35,en=0.4)';

/**
 * Reads NLU_OOS_THRESHOLD: one number for every language, or a number per language. Problems name the part that
 * is wrong; a language that is not enabled is one too (most likely a typo).
 */
export function parseOosThreshold(value: string, enabled: readonly Locale[]): { thresholds: Partial<Record<Locale, number>>; problems: string[] } {
  const problems: string[] = [];
  const thresholds: Partial<Record<Locale, number>> = {};
  const number = (text: string): number | undefined => {
    const parsed = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
    return parsed >= 0 && parsed <= 1 ? parsed : undefined;
  };
  const parts = value.split(',').map((part) => part.trim());
  if (parts.length === 1 && !parts[0].includes('=')) {
    const all = number(parts[0]);
    if (all === undefined) return { thresholds, problems: [`NLU_OOS_THRESHOLD: "${value}" is not a number from 0 to 1; ${OOS_THRESHOLD_HINT}`] };
    for (const locale of SUPPORTED_LOCALES) thresholds[locale] = all;
    return { thresholds, problems };
  }
  for (const part of parts) {
    const [locale, text, ...rest] = part.split('=').map((piece) => piece.trim());
    const threshold = text === undefined || rest.length > 0 ? undefined : number(text);
    if (!(SUPPORTED_LOCALES as readonly string[]).includes(locale)) problems.push(`NLU_OOS_THRESHOLD: "${part}" does not start with a language (${SUPPORTED_LOCALES.join(', ')}); ${OOS_THRESHOLD_HINT}`);
    else if (threshold === undefined) problems.push(`NLU_OOS_THRESHOLD: "${part}": the threshold must be a number from 0 to 1`);
    else if (!enabled.includes(locale as Locale)) problems.push(`NLU_OOS_THRESHOLD: ${locale} is not in ASPA_LOCALES (${enabled.join(',')})`);
    else if (thresholds[locale as Locale] !== undefined) problems.push(`NLU_OOS_THRESHOLD: ${locale} is given twice`);
    else thresholds[locale as Locale] = threshold;
  }
  return { thresholds, problems };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AspaConfig {
  // An empty variable means "not set", as in most deployment tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  // The web channel's own settings (origins, agent token) are checked by the channel's parser: one set of rules.
  const web = webConfigFromEnv(present);
  const problems: string[] = [...web.problems];
  if (!values.ASPA_LOCALES.includes(values.ASPA_DEFAULT_LOCALE)) problems.push(`ASPA_DEFAULT_LOCALE: ${values.ASPA_DEFAULT_LOCALE} is not in ASPA_LOCALES (${values.ASPA_LOCALES.join(',')})`);
  if (values.ASPA_WORKERS > 1 && !(values.ASPA_STORE === 'redis' || (values.REDIS_URL && !values.ASPA_STORE))) problems.push('ASPA_WORKERS > 1 needs Redis (REDIS_URL): the embedded store is for one process');
  if (values.ASPA_STORE === 'redis' && !values.REDIS_URL) problems.push('ASPA_STORE=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379)');
  if (values.TICKET_WEBHOOK_URL && !values.TICKET_WEBHOOK_SECRET) problems.push('TICKET_WEBHOOK_URL needs TICKET_WEBHOOK_SECRET (the HMAC key the receiver checks)');
  if (values.MICROSOFT_APP_ID && !values.MICROSOFT_APP_PASSWORD && values.MICROSOFT_APP_TYPE !== 'UserAssignedMSI') problems.push('MICROSOFT_APP_ID needs MICROSOFT_APP_PASSWORD (the bot registration\'s client secret)');
  if (values.VOICE_MODE === 'stream' && values.TWILIO_AUTH_TOKEN && (values.GOOGLE_SPEECH !== 'on' || !values.TWILIO_ACCOUNT_SID)) problems.push('VOICE_MODE=stream needs GOOGLE_SPEECH=on (speech-to-text) and TWILIO_ACCOUNT_SID (replies update the live call)');
  if (values.TWILIO_AUTH_TOKEN && !values.PUBLIC_URL) problems.push('TWILIO_AUTH_TOKEN needs PUBLIC_URL (the https address Twilio calls; signatures cover it)');
  let openingHours: Record<string, string[]> | undefined;
  if (values.ASPA_OPENING_HOURS) {
    try {
      openingHours = JSON.parse(values.ASPA_OPENING_HOURS) as Record<string, string[]>;
    } catch {
      problems.push('ASPA_OPENING_HOURS: must be JSON such as {"mon":["08:00-18:00"],"sat":["10:00-15:00"]}');
    }
  }
  const holidays = (values.ASPA_HOLIDAYS ?? '').split(',').map((day) => day.trim()).filter(Boolean);
  for (const day of holidays) if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) problems.push(`ASPA_HOLIDAYS: "${day}" is not a YYYY-MM-DD date`);
  let metricsListen: { host: string; port: number } | undefined;
  if (values.METRICS_LISTEN) {
    const at = values.METRICS_LISTEN.lastIndexOf(':');
    const host = values.METRICS_LISTEN.slice(0, at).replace(/^\[(.*)\]$/, '$1');
    const port = Number(values.METRICS_LISTEN.slice(at + 1));
    if (port > 65535) problems.push(`METRICS_LISTEN: port ${port} is above 65535`);
    else if (port !== 0 && port === values.PORT) problems.push(`METRICS_LISTEN: port ${port} is the main PORT; pick another one (e.g. 9464) or leave METRICS_LISTEN unset`);
    else metricsListen = { host, port };
  }
  const oosThreshold = values.NLU_OOS_THRESHOLD ? parseOosThreshold(values.NLU_OOS_THRESHOLD, values.ASPA_LOCALES) : { thresholds: {}, problems: [] };
  problems.push(...oosThreshold.problems);
  const trustProxy = parseTrustProxy(values.TRUST_PROXY);
  problems.push(...trustProxy.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port: values.PORT,
    host: values.HOST,
    workers: values.ASPA_WORKERS,
    dataDir: path.resolve(cwd, values.ASPA_DATA_DIR),
    flowsDir: path.resolve(cwd, values.ASPA_FLOWS_DIR),
    localesDir: path.resolve(cwd, values.ASPA_LOCALES_DIR),
    locales: values.ASPA_LOCALES,
    defaultLocale: values.ASPA_DEFAULT_LOCALE,
    store: values.ASPA_STORE ?? (values.REDIS_URL ? 'redis' : 'embedded'),
    redisUrl: values.REDIS_URL,
    redisKeyPrefix: values.REDIS_KEY_PREFIX,
    idleTimeoutMs: values.ASPA_IDLE_TIMEOUT_MINUTES * 60_000,
    maxTextLength: values.ASPA_MAX_TEXT_LENGTH,
    orderNumberPattern: values.ASPA_ORDER_NUMBER_PATTERN,
    timeZone: values.ASPA_TIMEZONE,
    openingHours,
    holidays,
    logLevel: values.LOG_LEVEL,
    ticketWebhook: values.TICKET_WEBHOOK_URL && values.TICKET_WEBHOOK_SECRET ? { url: values.TICKET_WEBHOOK_URL, secret: values.TICKET_WEBHOOK_SECRET } : undefined,
    webAllowedOrigins: web.config.allowedOrigins,
    agentToken: web.config.agentToken,
    agentUsersFile: values.AGENT_USERS_FILE,
    agentSessionSecret: values.AGENT_SESSION_SECRET,
    trustProxy: trustProxy.trustProxy,
    publicUrl: values.PUBLIC_URL,
    twilio: values.TWILIO_AUTH_TOKEN ? { authToken: values.TWILIO_AUTH_TOKEN, accountSid: values.TWILIO_ACCOUNT_SID } : undefined,
    voiceMode: values.VOICE_MODE,
    voiceTransfer: { number: values.VOICE_TRANSFER_NUMBER, sip: values.VOICE_TRANSFER_SIP, enqueue: values.VOICE_TRANSFER_QUEUE === 'on', emergencyNumber: values.VOICE_EMERGENCY_NUMBER, callerId: values.VOICE_CALLER_ID },
    googleSpeech: values.GOOGLE_SPEECH === 'on',
    watchFlows: values.ASPA_WATCH_FLOWS === 'on',
    speechModels: Object.fromEntries((values.VOICE_SPEECH_MODELS ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [Locale, string])),
    nluOosThreshold: oosThreshold.thresholds,
    botFramework: { appId: values.MICROSOFT_APP_ID, appPassword: values.MICROSOFT_APP_PASSWORD, appType: values.MICROSOFT_APP_TYPE, tenantId: values.MICROSOFT_APP_TENANT_ID },
    metrics: { token: values.METRICS_TOKEN, listen: metricsListen },
  });
}
