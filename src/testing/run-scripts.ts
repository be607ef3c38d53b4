import type { Locale } from '../core/turn';
import type { Integration, StateChange } from '../core/engine';
import type { LoadedBot } from '../server/load-bot';
import { loadConversationScripts, type ConversationScript, type LoadScriptsOptions } from './conversation-script';
import { createScriptHarness, DEFAULT_SCRIPT_TIME, runConversationScript, type ScriptResult } from './run-conversation-script';

/** Runs conversation scripts (files or folders), each in its own fresh harness. */
export async function runScripts(paths: string[], loaded: LoadedBot, integrations: Record<string, Integration>, options: LoadScriptsOptions & { onStateChange?: (change: StateChange) => void } = {}): Promise<{ results: ScriptResult[]; problems: string[] }> {
  const { scripts, problems } = loadConversationScripts(paths, options);
  return runLoadedScripts(scripts, problems, loaded, integrations, options.onStateChange);
}

/** Runs scripts already loaded (problems found while loading are passed through and added to). */
export async function runLoadedScripts(scripts: ConversationScript[], problems: string[], loaded: LoadedBot, integrations: Record<string, Integration>, onStateChange?: (change: StateChange) => void): Promise<{ results: ScriptResult[]; problems: string[] }> {
  const results: ScriptResult[] = [];
  for (const script of scripts) {
    const startAt = Date.parse(script.clock ?? DEFAULT_SCRIPT_TIME);
    if (Number.isNaN(startAt)) {
      problems.push(`${script.file}: clock "${script.clock}" is not an ISO date-time such as 2026-12-02T10:00:00+02:00`);
      continue;
    }
    // Conversation ids repeat across scripts: the script's file and name keep coverage's subflow tracking apart.
    const scoped = onStateChange ? (change: StateChange) => onStateChange({ ...change, conversationId: `${script.file}#${script.name}:${change.conversationId}` }) : undefined;
    const harness = createScriptHarness(loaded, integrations, startAt, scoped);
    // Phone calls replay through the voice channel's signed webhooks, so the channel's own steps (reprompts,
    // keypad menu, "did I hear right?") are tested too.
    if (script.channel === 'voice') {
      const { runVoiceConversationScript } = await import('../channels/voice/run-voice-script');
      // The bot's own voice texts, as the server gives them to the channel (the whisper names the topic from them).
      const messages = (key: string, locale: Locale) => {
        const message = loaded.catalog.get(locale, key);
        return message?.voice?.[0] ?? message?.text[0];
      };
      results.push(await runVoiceConversationScript(script, harness, { transfer: { number: '+358290000000', emergencyNumber: '+358290000112' } }, { messages }));
    } else {
      results.push(await runConversationScript(script, harness));
    }
    await harness.stores.close();
  }
  return { results, problems };
}
