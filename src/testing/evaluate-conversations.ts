import * as path from 'node:path';
import type { Integration } from '../core/engine';
import type { LoadedBot } from '../server/load-bot';
import { loadConversationScripts, type ConversationScript } from './conversation-script';
import type { ScriptResult } from './run-conversation-script';
import { runLoadedScripts } from './run-scripts';

/**
 * Conversation-level evaluation (`aspa eval`): runs a folder of conversation scripts through the real engine and
 * reports the share that pass, per language and per kind. It judges NLU and dialog changes by whole conversations;
 * unlike `aspa test` a failing script is a measurement, not an error.
 */

export interface PassRate {
  total: number;
  passed: number;
  /** passed / total, 0 when there is nothing to count. */
  rate: number;
}

export interface EvaluationFailure {
  file: string;
  name: string;
  locale: string;
  kinds: string[];
  /** The first expectation that failed. */
  failure: string;
}

export interface EvaluationReport extends PassRate {
  byLocale: Record<string, PassRate>;
  /** A script with several kinds counts under each; a script with none under "untagged". */
  byKind: Record<string, PassRate>;
  failures: EvaluationFailure[];
}

function rateOf(total: number, passed: number): PassRate {
  return { total, passed, rate: total === 0 ? 0 : Math.round((passed / total) * 10_000) / 10_000 };
}

function tally(groups: Map<string, { total: number; passed: number }>, key: string, passed: boolean): void {
  const group = groups.get(key) ?? { total: 0, passed: 0 };
  group.total += 1;
  if (passed) group.passed += 1;
  groups.set(key, group);
}

function sortedRates(groups: Map<string, { total: number; passed: number }>): Record<string, PassRate> {
  return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, group]) => [key, rateOf(group.total, group.passed)]));
}

/** Sums up the results of the given scripts (matched by file). `relativeTo` shortens the file names in failures. */
export function summarizeResults(scripts: ConversationScript[], results: ScriptResult[], relativeTo?: string): EvaluationReport {
  const byFile = new Map(scripts.map((script) => [script.file, script]));
  const locales = new Map<string, { total: number; passed: number }>();
  const kinds = new Map<string, { total: number; passed: number }>();
  const failures: EvaluationFailure[] = [];
  let passed = 0;
  for (const result of results) {
    const script = byFile.get(result.file);
    const locale = script?.locale ?? 'unknown';
    const scriptKinds = script?.kinds?.length ? script.kinds : ['untagged'];
    if (result.passed) passed += 1;
    tally(locales, locale, result.passed);
    for (const kind of scriptKinds) tally(kinds, kind, result.passed);
    if (!result.passed) {
      failures.push({
        file: relativeTo ? path.relative(relativeTo, result.file) : result.file,
        name: result.name,
        locale,
        kinds: [...scriptKinds],
        failure: result.failures[0] ?? 'failed',
      });
    }
  }
  return { ...rateOf(results.length, passed), byLocale: sortedRates(locales), byKind: sortedRates(kinds), failures };
}

/** Loads every script under `paths` (folders recursively), runs each in a fresh harness and sums up. */
export async function evaluateConversations(
  paths: string[],
  loaded: LoadedBot,
  integrations: Record<string, Integration>,
  options: { relativeTo?: string } = {},
): Promise<{ report: EvaluationReport; problems: string[] }> {
  const { scripts, problems } = loadConversationScripts(paths, { recursive: true });
  const run = await runLoadedScripts(scripts, problems, loaded, integrations);
  return { report: summarizeResults(scripts, run.results, options.relativeTo), problems: run.problems };
}

function percent(rate: PassRate): string {
  return `${(rate.rate * 100).toFixed(1).padStart(5)} %  ${String(rate.passed).padStart(4)}/${rate.total}`;
}

/** The human-readable report: overall, per language, per kind, then each failing script with its first failure. */
export function formatEvaluation(report: EvaluationReport): string {
  const lines: string[] = [];
  lines.push(`Conversations passed: ${percent(report)}`);
  lines.push('', 'By language:');
  for (const [locale, rate] of Object.entries(report.byLocale)) lines.push(`  ${locale.padEnd(16)} ${percent(rate)}`);
  lines.push('', 'By kind:');
  for (const [kind, rate] of Object.entries(report.byKind)) lines.push(`  ${kind.padEnd(16)} ${percent(rate)}`);
  if (report.failures.length > 0) {
    lines.push('', `Failing (${report.failures.length}):`);
    for (const failure of report.failures) {
      lines.push(`  ${failure.file} — ${failure.name} [${failure.locale}; ${failure.kinds.join(', ')}]`);
      lines.push(`      ${failure.failure.length > 300 ? `${failure.failure.slice(0, 297)}...` : failure.failure}`);
    }
  }
  return lines.join('\n');
}
