import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { SUPPORTED_LOCALES, type Locale } from '../core/turn';

const expectedMessage = z.union([
  z.strictObject({ key: z.string() }),
  z.strictObject({ text: z.string() }),
  z.strictObject({ key: z.string(), text: z.string() }),
]);

const stepSchema = z.strictObject({
  start: z.literal(true).optional(),
  user: z.string().optional(),
  payload: z.string().optional(),
  /** Voice: what speech-to-text heard, with its confidence. */
  speech: z.string().optional(),
  confidence: z.number().min(0).max(1).optional(),
  /** Voice: the caller said nothing. */
  silence: z.literal(true).optional(),
  dtmf: z.string().regex(/^[0-9*#]+$/).optional(),
  /** Voice: the caller spoke over the prompt (the text is still what counts). */
  barge_in: z.literal(true).optional(),
  /** Minutes that pass before this step (idle expiry, opening hours). */
  wait_minutes: z.number().min(0).optional(),
  bot: z.array(expectedMessage).optional(),
  /** Messages that must NOT be said. */
  not_bot: z.array(expectedMessage).optional(),
  intent: z.string().optional(),
  state: z.string().optional(),
  locale: z.enum(SUPPORTED_LOCALES as [Locale, ...Locale[]]).optional(),
  ticket: z.union([z.literal(true), z.literal(false), z.strictObject({ queue: z.string().optional(), priority: z.string().optional(), reason: z.string().optional() })]).optional(),
  ended: z.boolean().optional(),
  /** The step must fail with this error code (bad input). */
  error: z.string().optional(),
  /** Voice: what the TwiML of this step must do, and what the agent who answers a transfer receives. */
  call: z.strictObject({
    /** The call listens again (a `<Gather>`), or not. */
    listens: z.boolean().optional(),
    /** The call goes to a person this way (`none`: no transfer in this step). */
    transfer: z.enum(['number', 'sip', 'queue', 'none']).optional(),
    /** The agent hears or gets this with the ticket id (whisper, SIP header, task attributes). */
    agent_gets: z.string().optional(),
    /** Heard exactly once in this step (no contradicting double message). */
    said_once: z.string().optional(),
    /** Never heard in this step as written (e.g. a raw "5–8" or "(WiFi 6"); compared with the spoken text only. */
    not_heard: z.array(z.string()).optional(),
  }).optional(),
});

/** What a script exercises (realistic corpus): `aspa eval` reports the pass rate per kind. */
export const SCRIPT_KINDS = [
  'prefill', 'callback', 'topic_change', 'digression', 'short_reply', 'small_talk', 'off_topic',
  'language_switch', 'survey', 'indirect_faq', 'no_order_number', 'multi_request', 'swedish', 'happy_path',
] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

export const conversationScriptSchema = z.strictObject({
  name: z.string(),
  /** What the script exercises, for reports per kind (`aspa eval`). */
  kinds: z.array(z.enum(SCRIPT_KINDS)).min(1).optional(),
  locale: z.enum(SUPPORTED_LOCALES as [Locale, ...Locale[]]).default('fi'),
  channel: z.enum(['web', 'voice', 'api']).default('web'),
  customer: z.strictObject({ phone: z.string().optional(), email: z.string().optional(), name: z.string().optional() }).optional(),
  clock: z.string().optional(),
  /** Open tickets already waiting in each agent queue when the conversation starts (a long queue): `{ general: 5 }`. */
  waiting_tickets: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.number().int().min(0).max(200)).optional(),
  /** Voice: where transfers go in this call (`none`: no transfer target configured). */
  voice: z.strictObject({ transfer: z.enum(['number', 'sip', 'queue', 'none']).optional(), barge_in: z.boolean().optional() }).optional(),
  steps: z.array(stepSchema).min(1),
});

export type ConversationScript = z.infer<typeof conversationScriptSchema> & { file: string };
export type ScriptStep = z.infer<typeof stepSchema>;
export type ExpectedMessage = z.infer<typeof expectedMessage>;

export interface LoadScriptsOptions {
  /** Also read the scripts in subfolders (sorted, depth first). */
  recursive?: boolean;
  /** Subfolder names not to descend into (with `recursive`). */
  exclude?: string[];
}

function scriptFilesIn(dir: string, options: LoadScriptsOptions): string[] {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const files = entries.filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name)).map((entry) => path.join(dir, entry.name));
  if (!options.recursive) return files;
  const subfolders = entries.filter((entry) => entry.isDirectory() && !(options.exclude ?? []).includes(entry.name));
  return [...files, ...subfolders.flatMap((entry) => scriptFilesIn(path.join(dir, entry.name), options))];
}

/** Reads every `*.yaml` script in `dir` (or the given files); a malformed script is reported, not thrown. */
export function loadConversationScripts(paths: string[], options: LoadScriptsOptions = {}): { scripts: ConversationScript[]; problems: string[] } {
  const files = paths.flatMap((entry) => (fs.statSync(entry).isDirectory() ? scriptFilesIn(entry, options) : [entry]));
  const scripts: ConversationScript[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      const parsed = conversationScriptSchema.safeParse(parse(fs.readFileSync(file, 'utf8')));
      if (!parsed.success) {
        problems.push(`${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
        continue;
      }
      scripts.push({ ...parsed.data, file });
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { scripts, problems };
}
