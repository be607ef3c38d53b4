#!/usr/bin/env node
import cluster from 'node:cluster';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AspaConfig } from './config/load-config';
import { createEngine } from './core/engine';
import { silentLogger } from './core/logger';
import { systemClock } from './core/ports';
import type { Reply } from './core/reply';
import { isLocale, type Locale } from './core/turn';
import { formatDiagnostic, hasErrors } from './flows/diagnostic';
import { createAspa, createHandoffFor, createIntegrations, engineOptionsFor, INTEGRATIONS, loadBotFor } from './server/composition';
import { BotLoadError, checkBot } from './server/load-bot';
import { createMemoryStores } from './stores/memory/create-memory-stores';
import { createCoverageRecorder, formatCoverage } from './testing/flow-coverage';
import { runScripts } from './testing/run-scripts';

const USAGE = `aspa — conversational engine for customer service

Usage:
  aspa serve                         serve the bot (PORT, ASPA_DATA_DIR, REDIS_URL, ... from the environment)
  aspa chat [--locale fi|en|sv]      chat with the bot in the terminal
  aspa validate [--flows DIR] [--locales DIR]
                                     check flows, messages and NLU data; lists every problem
  aspa test [FILE|DIR ...] [--coverage]  run conversation tests, chat and phone calls (--coverage: states and transitions they reach)
                                     (default: test/conversations and test/voice/conversations)
  aspa eval [DIR|FILE ...] [--json] evaluate whole conversations: the share of scripts that pass, per
                                     language and kind (default: test/conversations/realistic)
  aspa graph [FLOW] [--flows DIR]    print a Mermaid state diagram of a flow (default: main)
  aspa nlu eval [--train F --test F [--val F] [--lang fi] [--oos-recall R] [--json]]
                                     evaluate the intent classifier: accuracy, calibration,
                                     out-of-scope trade-off, data warnings
  aspa agent hash-password PASSWORD  hash a password for AGENT_USERS_FILE

Every command takes --help.
`;

/** Each command's own help, printed by `aspa <command> --help`. */
const HELP: Record<string, string> = {
  serve: `Usage: aspa serve

Serves the bot: the web widget and its demo page, the JSON API, the agent console and dashboard, the phone and
Bot Framework channels, /metrics and /healthz. Every setting comes from the environment (PORT, ASPA_DATA_DIR,
REDIS_URL, ASPA_OPENING_HOURS, AGENT_TOKEN, ...; the table is in README.md) and is checked at start.
`,
  chat: `Usage: aspa chat [--locale fi|en|sv] [--flows DIR]

Chat with the bot in the terminal, with the same settings as the server (opening hours, holidays, time zone,
languages, NLU threshold, from the environment), on memory stores: nothing is kept. Type a number to press a
quick reply, /quit to end.

  --locale   the language the conversation starts in (default: fi)
  --flows    the flows folder (default: ASPA_FLOWS_DIR or ./flows)
`,
  validate: `Usage: aspa validate [--flows DIR] [--locales DIR]

Checks the flows, messages and NLU data and lists every problem as file:line:column with how to fix it.
Exits 1 when there are errors (warnings alone pass).

  --flows    the flows folder (default: ASPA_FLOWS_DIR or ./flows)
  --locales  the locales folder (default: ASPA_LOCALES_DIR or ./locales)
`,
  test: `Usage: aspa test [FILE|DIR ...]

Runs conversation tests (YAML scripts: "user says ... / bot answers ..."), chat and phone calls, through the real
engine. Default: test/conversations and test/voice/conversations. Exits 1 when any fails.
`,
  graph: `Usage: aspa graph [FLOW] [--flows DIR]

Prints a Mermaid state diagram of a flow (default: main).
`,
  nlu: `Usage: aspa nlu eval [--train FILE --test FILE [--val FILE]] [--lang fi|en|sv] [--oos-recall R] [--json]

Evaluates the intent classifier: cross-validation of locales/*/nlu.yaml by default, or a train/test split of
labelled files; accuracy, confused intents, calibration, the out-of-scope trade-off and data warnings.
`,
  agent: `Usage: aspa agent hash-password PASSWORD

Prints a scrypt hash of PASSWORD for an AGENT_USERS_FILE entry: {"name": "...", "passwordHash": "...", "roles": ["agent"]}.
`,
};

/** `parseArgs` refusing an option or a value: a usage error, not a crash. */
function isUsageError(error: unknown): error is Error {
  // By its code, not instanceof: Node's own errors may come from another realm (jest's VM does that).
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function config(overrides: Record<string, string | undefined> = {}): AspaConfig {
  const env = { ...process.env };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) env[key] = value;
  return loadConfig(env);
}

async function serve(): Promise<number> {
  const cfg = config();
  if (cfg.workers > 1 && cluster.isPrimary) return servePrimary(cfg);
  const started = Date.now();
  const aspa = await createAspa(cfg);
  const port = await aspa.listen();
  aspa.logger.info('server.started', { port, store: aspa.config.store, ms: Date.now() - started, worker: cluster.isWorker ? cluster.worker?.id : undefined });
  if (cluster.isPrimary) console.log(`Aspa is serving on http://localhost:${port} (store: ${aspa.config.store}, started in ${Date.now() - started} ms)`);
  else process.send?.({ type: 'aspa.listening', port, ms: Date.now() - started });
  const stop = async (signal: string) => {
    aspa.logger.info('server.stopping', { signal });
    await aspa.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return new Promise<number>(() => undefined);
}

/**
 * Several worker processes share the port (node:cluster). Everything a turn needs between requests lives in Redis
 * (conversations, locks, tickets, call state, the agent bus) and agent sessions are signed cookies, so any worker
 * may take any request. A worker that dies is replaced.
 */
async function servePrimary(cfg: AspaConfig): Promise<number> {
  const started = Date.now();
  let stopping = false;
  let listening = 0;
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: { type?: string; port?: number }) => {
      if (message?.type !== 'aspa.listening') return;
      listening += 1;
      if (listening === cfg.workers) console.log(`Aspa is serving on http://localhost:${message.port} (store: ${cfg.store}, ${cfg.workers} workers, started in ${Date.now() - started} ms)`);
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    // A worker that dies before it ever listened has a start-up problem (config, Redis down): do not loop on it.
    if (listening < cfg.workers) {
      console.error(`worker ${worker.id} failed to start (${signal ?? code}); stopping`);
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.kill('SIGTERM');
      process.exitCode = 1;
      return;
    }
    console.error(`worker ${worker.id} stopped (${signal ?? code}); starting another`);
    fork();
  });
  for (let index = 0; index < cfg.workers; index += 1) fork();
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    cluster.disconnect(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise<number>(() => undefined);
}

async function validate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { flows: { type: 'string' }, locales: { type: 'string' } } });
  const cfg = config({ ASPA_FLOWS_DIR: values.flows, ASPA_LOCALES_DIR: values.locales });
  const { diagnostics } = checkBot({ flowsDir: cfg.flowsDir, localesDir: cfg.localesDir, locales: cfg.locales, integrations: INTEGRATIONS, orderNumberPattern: cfg.orderNumberPattern, oosThreshold: cfg.nluOosThreshold });
  for (const diagnostic of diagnostics) console.log(formatDiagnostic(diagnostic));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  console.log(errors === 0 ? `OK: flows in ${path.relative(process.cwd(), cfg.flowsDir) || '.'} are valid${warnings ? ` (${warnings} warning(s))` : ''}.` : `${errors} error(s), ${warnings} warning(s).`);
  return hasErrors(diagnostics) ? 1 : 0;
}

async function test(args: string[]): Promise<number> {
  const cfg = config();
  const loaded = loadBotFor(cfg);
  const withCoverage = args.includes('--coverage');
  const coverage = withCoverage ? createCoverageRecorder(loaded.flows ?? []) : undefined;
  args = args.filter((arg) => arg !== '--coverage');
  const paths = args.length > 0 ? args : [path.resolve('test/conversations'), path.resolve('test/voice/conversations')].filter((dir) => fs.existsSync(dir));
  const { results, problems } = await runScripts(paths, loaded, createIntegrations(cfg), { onStateChange: coverage?.record });
  for (const problem of problems) console.log(`INVALID ${problem}`);
  for (const result of results) {
    console.log(`${result.passed ? 'PASS' : 'FAIL'} ${path.relative(process.cwd(), result.file)} — ${result.name}`);
    if (!result.passed) {
      for (const failure of result.failures) console.log(`    ${failure}`);
      for (const line of result.log) console.log(`      ${line}`);
    }
  }
  const failed = results.filter((result) => !result.passed).length + problems.length;
  if (coverage) process.stdout.write(formatCoverage(coverage.report()));
  console.log(`${results.length - failed + problems.length} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

const EVAL_USAGE = `Usage: aspa eval [DIR|FILE ...] [--json]

Runs conversation scripts (folders recursively) through the real engine, NLU and flows, and prints the share that
pass overall, per language and per kind (the script's kinds: list), then each failing script with its first failure.
It is an evaluation, not a test: it exits 0 however many scripts fail, and 1 only when a script is malformed.

  DIR|FILE   scripts to run (default: test/conversations/realistic)
  --json     print one JSON line {total, passed, rate, byLocale, byKind, failures} instead
  --help     show this help
`;

async function evaluate(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${EVAL_USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(EVAL_USAGE);
    return 0;
  }
  const paths = parsed.positionals.length > 0 ? parsed.positionals : [path.resolve('test/conversations/realistic')];
  const missing = paths.filter((entry) => !fs.existsSync(entry));
  if (missing.length > 0) {
    process.stderr.write(`No such file or folder: ${missing.join(', ')}\n`);
    return 2;
  }
  const cfg = config();
  const { evaluateConversations, formatEvaluation } = await import('./testing/evaluate-conversations');
  const { report, problems } = await evaluateConversations(paths, loadBotFor(cfg), createIntegrations(cfg), { relativeTo: process.cwd() });
  if (parsed.values.json) {
    console.log(JSON.stringify(problems.length > 0 ? { ...report, problems } : report));
  } else {
    for (const problem of problems) console.log(`INVALID ${problem}`);
    console.log(formatEvaluation(report));
  }
  return problems.length > 0 ? 1 : 0;
}

function printReplies(replies: Reply[], write: (line: string) => void): void {
  for (const reply of replies) {
    if (reply.kind === 'message') {
      write(`${reply.from?.role === 'agent' ? reply.from.name ?? 'Agent' : 'Aspa'}: ${reply.text}`);
      reply.quickReplies?.forEach((quick, index) => write(`   [${index + 1}] ${quick.label}`));
    } else if (reply.kind === 'handoff') {
      write(`   — ticket ${reply.ticketId} (${reply.queue}, ${reply.priority})${reply.agentsAvailable ? '' : ', callback'} —`);
    } else if (reply.kind === 'end') {
      write(`   — conversation ended (${reply.outcome}) —`);
    }
  }
}

async function chat(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { locale: { type: 'string', default: 'fi' }, flows: { type: 'string' } } });
  if (!isLocale(values.locale)) {
    console.error('--locale must be fi, en or sv');
    return 2;
  }
  const locale: Locale = values.locale;
  const cfg = config({ ASPA_FLOWS_DIR: values.flows });
  const loaded = loadBotFor(cfg);
  const stores = createMemoryStores();
  // The server's own handoff and engine settings: opening hours, holidays and time zone answer as they would there.
  const handoff = createHandoffFor(cfg, { stores, clock: systemClock, logger: silentLogger, loaded });
  const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, integrations: createIntegrations(cfg), clock: systemClock, logger: silentLogger, options: engineOptionsFor(cfg) });
  const conversationId = `cli-${Date.now()}`;
  const write = (line: string) => process.stdout.write(`${line}\n`);
  let lastQuickReplies: { payload: string }[] = [];
  const remember = (replies: Reply[]) => {
    const withButtons = [...replies].reverse().find((reply) => reply.kind === 'message' && reply.quickReplies?.length);
    lastQuickReplies = withButtons && withButtons.kind === 'message' ? withButtons.quickReplies ?? [] : [];
  };
  const first = await engine.handleTurn({ conversationId, channel: 'cli', input: { kind: 'start' }, locale });
  printReplies(first.replies, write);
  remember(first.replies);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
  rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === '/quit' || text === '/exit') break;
    if (text) {
      const pick = /^\d+$/.test(text) ? lastQuickReplies[Number(text) - 1] : undefined;
      try {
        const result = await engine.handleTurn({ conversationId, channel: 'cli', input: pick ? { kind: 'payload', payload: pick.payload } : { kind: 'text', text } });
        printReplies(result.replies, write);
        remember(result.replies);
      } catch (error) {
        write(`(${(error as Error).message})`);
      }
    }
    rl.prompt();
  }
  rl.close();
  await stores.close();
  return 0;
}

async function graph(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { flows: { type: 'string' } }, allowPositionals: true });
  const cfg = config({ ASPA_FLOWS_DIR: values.flows });
  const { loadFlows } = await import('./flows/load-flows');
  const { flowToMermaid } = await import('./flows/graph-flow');
  const wanted = positionals[0] ?? 'main';
  const flow = loadFlows(cfg.flowsDir).flows.find((loaded) => loaded.flow.id === wanted);
  if (!flow) {
    console.error(`No flow "${wanted}" in ${cfg.flowsDir}.`);
    return 1;
  }
  console.log(flowToMermaid(flow.flow));
  return 0;
}

async function nlu(args: string[]): Promise<number> {
  if (args[0] !== 'eval') {
    console.error('Usage: aspa nlu eval [--train FILE --test FILE [--val FILE]] [--lang fi|sv|en] [--oos-recall R] [--json]');
    return 2;
  }
  const cfg = config();
  const { runNluEval } = await import('./nlu/evaluation/run-nlu-eval');
  return runNluEval(args.slice(1), (line) => console.log(line), { localesDir: cfg.localesDir, oosThreshold: cfg.nluOosThreshold, cacheDir: path.join(cfg.dataDir, 'nlu-cache') });
}

async function agent(args: string[]): Promise<number> {
  if (args[0] !== 'hash-password' || !args[1]) {
    console.error('Usage: aspa agent hash-password PASSWORD');
    return 2;
  }
  const { hashPassword } = await import('./channels/web/agent-console/agent-sessions');
  console.log(await hashPassword(args[1]));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const help = command === 'eval' ? EVAL_USAGE : command ? HELP[command] : undefined;
  if (help && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(help);
    return 0;
  }
  try {
    switch (command) {
      case 'serve': return await serve();
      case 'chat': return await chat(rest);
      case 'validate': return await validate(rest);
      case 'test': return await test(rest);
      case 'eval': return await evaluate(rest);
      case 'graph': return await graph(rest);
      case 'nlu': return await nlu(rest);
      case 'agent': return await agent(rest);
      case undefined: case 'help': case '--help': case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof BotLoadError) {
      console.error(error.message);
      return 1;
    }
    if (isUsageError(error)) {
      process.stderr.write(`${error.message}\n\n${help ?? USAGE}`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error: unknown) => { console.error(error); process.exitCode = 1; },
  );
}

