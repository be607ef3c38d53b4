import * as path from 'node:path';
import { compileFlows, type CompiledBot } from '../flows/compile-flow';
import { formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../flows/diagnostic';
import { loadFlows } from '../flows/load-flows';
import type { FlowFile } from '../flows/flow-schema';
import { validateFlows } from '../flows/validate-flows';
import { loadMessageCatalog, type MessageCatalog } from '../i18n/message-catalog';
import type { Nlu } from '../core/nlu';
import type { Locale } from '../core/turn';
import { createNlu } from '../nlu/create-nlu';
import { loadNluData } from '../nlu/load-nlu-data';

export interface BotSources {
  flowsDir: string;
  localesDir: string;
  locales: Locale[];
  /** Where the trained NLU model is cached; none = always train. */
  cacheDir?: string;
  orderNumberPattern?: string;
  /** Out-of-scope thresholds per locale set by the designer (NLU_OOS_THRESHOLD); others use the calibrated one. */
  oosThreshold?: Partial<Record<Locale, number>>;
  /** Integration names the deployment provides (for validation). */
  integrations: string[];
}

export interface LoadedBot {
  bot: CompiledBot;
  catalog: MessageCatalog;
  nlu: Nlu;
  diagnostics: Diagnostic[];
  /** The flow files it was compiled from (coverage, the studio); absent for bots built in tests. */
  flows?: FlowFile[];
}

export class BotLoadError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`The bot has ${diagnostics.filter((d) => d.severity === 'error').length} error(s):\n${diagnostics.map(formatDiagnostic).join('\n')}`);
    this.name = 'BotLoadError';
  }
}

/** Checks flows, messages and NLU data together, as `aspa validate` and server start do: every problem at once. */
export function checkBot(sources: BotSources): { diagnostics: Diagnostic[]; catalog: MessageCatalog; nlu?: Nlu; flows: ReturnType<typeof loadFlows> } {
  const relativeTo = process.cwd();
  const catalog = loadMessageCatalog(sources.localesDir, sources.locales);
  const diagnostics: Diagnostic[] = catalog.problems.map((problem) => ({
    file: path.relative(relativeTo, problem.file) || problem.file, line: problem.line, column: problem.column,
    rule: 'messages', severity: 'error', message: problem.message, hint: 'Fix the locale file as the message says.',
  }));
  let nlu: Nlu | undefined;
  try {
    const data = loadNluData(sources.localesDir, sources.locales);
    nlu = createNlu(data, { cacheDir: sources.cacheDir, orderNumberPattern: sources.orderNumberPattern, oosThreshold: sources.oosThreshold });
  } catch (error) {
    diagnostics.push({ file: sources.localesDir, line: 1, column: 1, rule: 'nlu-data', severity: 'error', message: (error as Error).message, hint: 'Fix the NLU data file named in the message.' });
  }
  const flows = loadFlows(sources.flowsDir, { relativeTo });
  diagnostics.push(...flows.diagnostics);
  if (nlu) {
    const intents = {} as Record<Locale, string[]>;
    const messageKeys = {} as Record<Locale, Set<string>>;
    const faqIds = {} as Record<Locale, string[]>;
    for (const locale of sources.locales) {
      intents[locale] = nlu.intents(locale);
      messageKeys[locale] = catalog.keys(locale);
      faqIds[locale] = [...catalog.keys(locale)].filter((key) => key.startsWith('faq.')).map((key) => key.slice(4));
    }
    diagnostics.push(...validateFlows(flows.flows, { locales: sources.locales, intents, entityTypes: nlu.entityTypes(), messageKeys, integrations: sources.integrations, faqIds }, { unparsed: flows.unparsed }));
  }
  return { diagnostics: sortDiagnostics(diagnostics), catalog, nlu, flows };
}

/** Loads and compiles the bot; throws BotLoadError (listing every problem) when anything is wrong. */
export function loadBot(sources: BotSources): LoadedBot {
  const checked = checkBot(sources);
  if (hasErrors(checked.diagnostics) || !checked.nlu) throw new BotLoadError(checked.diagnostics);
  const bot = compileFlows({ flows: checked.flows.flows.map((loaded) => loaded.flow) });
  return { bot, catalog: checked.catalog, nlu: checked.nlu, diagnostics: checked.diagnostics, flows: checked.flows.flows.map((loaded) => loaded.flow) };
}
