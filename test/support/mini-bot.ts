import * as path from 'node:path';
import type { Nlu, NluResult, EntityMatch } from '../../src/core/nlu';
import type { Locale } from '../../src/core/turn';
import { compileFlows } from '../../src/flows/compile-flow';
import { loadFlows } from '../../src/flows/load-flows';
import { loadMessageCatalog } from '../../src/i18n/message-catalog';
import { BotLoadError, type LoadedBot } from '../../src/server/load-bot';
import { validateFlows } from '../../src/flows/validate-flows';

export const MINI_BOT_DIR = path.join(__dirname, '..', 'fixtures', 'mini-bot');

/** A keyword NLU: tests of the engine should not depend on the trained classifier. */
export const keywordNlu: Nlu = {
  understand(text, context): NluResult {
    const lower = text.toLowerCase();
    const rules: [RegExp, string][] = [
      [/tilau|order/, 'order_status'], [/ihmi|human|person/, 'human_agent'], [/auki|open/, 'faq.opening_hours'],
      [/^(kyllä|yes)$/, 'yes'], [/^(ei|no)$/, 'no'], [/alusta|restart/, 'restart'], [/hei hei|bye/, 'goodbye'],
      [/english|suomeksi/, 'change_language'],
    ];
    const intent = rules.find(([pattern]) => pattern.test(lower))?.[1] ?? 'oos';
    const entities: EntityMatch[] = [];
    const digits = /\d{5,8}/.exec(text);
    if (digits) entities.push({ type: 'order_number', value: digits[0], text: digits[0], start: digits.index, end: digits.index + digits[0].length });
    const number = /^\d{1,2}$/.exec(text.trim());
    if (number) entities.push({ type: 'number', value: number[0], text: number[0], start: 0, end: number[0].length });
    if (/english/.test(lower)) entities.push({ type: 'language', value: 'en', text: 'english', start: 0, end: 7 });
    if (/suomeksi/.test(lower)) entities.push({ type: 'language', value: 'fi', text: 'suomeksi', start: 0, end: 8 });
    const sentiment = /perkele|terrible/.test(lower) ? -0.9 : 0;
    void context;
    return { intent, confidence: intent === 'oos' ? 0.2 : 0.9, ranking: [{ intent, confidence: 0.9 }], entities, sentiment };
  },
  entityTypes: () => ['order_number', 'number', 'language', 'any_text', 'phone'],
  intents: (_locale: Locale) => ['order_status', 'human_agent', 'yes', 'no', 'restart', 'goodbye', 'change_language', 'faq.opening_hours'],
};

export function loadMiniBot(): LoadedBot {
  const flows = loadFlows(path.join(MINI_BOT_DIR, 'flows'));
  if (flows.diagnostics.some((d) => d.severity === 'error')) throw new Error(JSON.stringify(flows.diagnostics, null, 2));
  const catalog = loadMessageCatalog(path.join(MINI_BOT_DIR, 'locales'), ['fi', 'en']);
  if (catalog.problems.length) throw new Error(JSON.stringify(catalog.problems));
  return { bot: compileFlows({ flows: flows.flows.map((loaded) => loaded.flow) }), catalog, nlu: keywordNlu, diagnostics: [] };
}

/**
 * The mini bot read from `dir` (a copy of the fixture that a test edits) and validated as the server validates,
 * with the keyword NLU instead of training: what a hot reload loads in tests. Throws BotLoadError.
 */
export function loadMiniBotFrom(dir: string, locales: Locale[] = ['fi', 'en']): LoadedBot {
  const flows = loadFlows(path.join(dir, 'flows'));
  const catalog = loadMessageCatalog(path.join(dir, 'locales'), locales);
  const record = <T>(make: (locale: Locale) => T) => Object.fromEntries(locales.map((locale) => [locale, make(locale)])) as Record<Locale, T>;
  const diagnostics = [
    ...catalog.problems.map((problem) => ({ file: problem.file, line: problem.line, column: problem.column, rule: 'messages', severity: 'error' as const, message: problem.message, hint: 'fix the locale file.' })),
    ...flows.diagnostics,
    ...validateFlows(flows.flows, {
      locales, intents: record((locale) => keywordNlu.intents(locale)), entityTypes: keywordNlu.entityTypes(), messageKeys: record((locale) => catalog.keys(locale)),
      integrations: ['orders.lookup'], faqIds: record((locale) => [...catalog.keys(locale)].filter((key) => key.startsWith('faq.')).map((key) => key.slice(4))),
    }, { unparsed: flows.unparsed }),
  ];
  if (diagnostics.some((d) => d.severity === 'error')) throw new BotLoadError(diagnostics);
  return { bot: compileFlows({ flows: flows.flows.map((loaded) => loaded.flow) }), catalog, nlu: keywordNlu, diagnostics };
}
