import path from 'node:path';
import { OUT_OF_SCOPE } from '../core/nlu';
import type { Locale } from '../core/turn';
import { sortDiagnostics, type Diagnostic } from './diagnostic';
import { conditionEntities, conditionIntents, conditionsOf, edgesOf, isWaiting, kindConflict, kindOf, type StateEdge } from './flow-graph';
import { checkHandoffRequires, checkNoWayOut, checkReachability, checkSubflowReturns, checkUserTurnCycles } from './flow-graph-rules';
import { DERIVED_ENTITIES, type FlowState } from './flow-schema';
import type { FlowPath, LoadedFlow } from './load-flows';
import { loadFlows } from './load-flows';
import {
  createRuleContext, diagnosticAt, expectedFileFor, globalTargets, isComplete, MAIN_FLOW_ID, resolveGlobalTarget, stateIdsOf, statesOf,
  type FlowKnowledge, type Rule, type RuleContext, type ValidateFlowsOptions,
} from './rule-context';
import { didYouMean, listNames, suggestName } from './suggest-name';

export type { FlowKnowledge, ValidateFlowsOptions } from './rule-context';

/**
 * Checks loaded flows against each other and against what the bot knows (intents, entities, messages,
 * integrations, FAQ). Every rule runs and every problem is returned, sorted by file and line.
 */
export function validateFlows(flows: LoadedFlow[], knowledge: FlowKnowledge, options: ValidateFlowsOptions = {}): Diagnostic[] {
  const context = createRuleContext(flows, knowledge, options);
  return sortDiagnostics(RULES.flatMap((rule) => rule(context)));
}

/** Loads a flow folder and validates it: the whole of `aspa validate`. Syntax and schema errors come first per file. */
export function checkFlows(dir: string, knowledge: FlowKnowledge, options: { relativeTo?: string } = {}): Diagnostic[] {
  const loaded = loadFlows(dir, options);
  const semantic = validateFlows(loaded.flows, knowledge, { unparsed: loaded.unparsed });
  return sortDiagnostics([...loaded.diagnostics, ...semantic]);
}

const FAQ_OUTCOMES = ['answered', 'not_found'];
const CHANNELS = ['web', 'api', 'voice', 'botframework', 'cli', 'test'];

/** The flow id must be the file name, so `flow: order_status` tells a designer which file to open. */
export const checkFlowIdMatchesFile: Rule = ({ flows }) => flows.flatMap((loaded) => {
  const base = path.basename(loaded.file).replace(/\.(ya?ml|json)$/i, '');
  if (base === loaded.flow.id) return [];
  return [diagnosticAt(loaded, ['id'], 'value', 'flow-id-mismatch',
    `The flow id "${loaded.flow.id}" is not the file name "${path.basename(loaded.file)}".`,
    `change it to \`id: ${base}\`, or rename the file to ${loaded.flow.id}${path.extname(loaded.file)}.`)];
});

export const checkMainFlowExists: Rule = (context) => {
  if (context.knownFlowIds.has(MAIN_FLOW_ID)) return [];
  return [{
    file: expectedFileFor(context, MAIN_FLOW_ID), line: 1, column: 1, rule: 'missing-main-flow', severity: 'error',
    message: 'There is no main flow: every conversation starts in the flow with `id: main`.',
    hint: `create ${expectedFileFor(context, MAIN_FLOW_ID)} with \`id: main\`, a start state and the global section.`,
  }];
};

export const checkDuplicateFlowIds: Rule = ({ flows, byId }) => flows.flatMap((loaded) => {
  const first = byId.get(loaded.flow.id);
  if (!first || first === loaded) return [];
  return [diagnosticAt(loaded, ['id'], 'value', 'duplicate-flow-id',
    `The flow id "${loaded.flow.id}" is already used by ${first.file}.`, 'give each flow its own id (the file name without .yaml).')];
});

export const checkStartState: Rule = ({ flows }) => flows.flatMap((loaded) => {
  const ids = stateIdsOf(loaded);
  if (ids.has(loaded.flow.start)) return [];
  return [diagnosticAt(loaded, ['start'], 'value', 'unknown-start',
    `The flow "${loaded.flow.id}" starts in "${loaded.flow.start}", which is not one of its states.${didYouMean(loaded.flow.start, ids)}`,
    `use one of: ${listNames([...ids])}, or add a state "${loaded.flow.start}".`)];
});

function unknownTargetHint(target: string, ids: Set<string>): string {
  const suggestion = suggestName(target, ids);
  const choices = suggestion ? [suggestion, ...[...ids].filter((id) => id !== suggestion)] : [...ids];
  return `use one of: ${listNames(choices)} or add a state "${target}".`;
}

/** Targets inside a flow are its own states; another flow is entered with a `flow:` state. */
export const checkTargets: Rule = ({ flows }) => flows.flatMap((loaded) => {
  const ids = stateIdsOf(loaded);
  return statesOf(loaded).flatMap(([stateId, state]) => edgesOf(state).flatMap((edge: StateEdge) => {
    const at: FlowPath = ['states', stateId, ...edge.path];
    if (edge.target.includes('.')) {
      const [flowId] = edge.target.split('.');
      return [diagnosticAt(loaded, at, 'value', 'cross-flow-target',
        `State "${stateId}" goes to "${edge.target}", but a state can only go to states of its own flow ("${loaded.flow.id}").`,
        `to run flow "${flowId}", go to a state with \`flow: ${flowId}\` and \`next: <where to continue>\`.`)];
    }
    if (ids.has(edge.target)) return [];
    return [diagnosticAt(loaded, at, 'value', 'unknown-target',
      `State "${stateId}" goes to "${edge.target}", which does not exist in flow "${loaded.flow.id}".`, unknownTargetHint(edge.target, ids))];
  }));
});

/** Global targets are `flow.state` (a plain state id means the main flow); `repeat` asks the current question again. */
export const checkGlobalSection: Rule = (context) => context.flows.flatMap((loaded) => {
  const global = loaded.flow.global;
  if (!global) return [];
  if (loaded.flow.id !== MAIN_FLOW_ID) {
    return [diagnosticAt(loaded, ['global'], 'key', 'global-outside-main',
      `Flow "${loaded.flow.id}" has a global section, but only the main flow's is used.`, `move it to ${expectedFileFor(context, MAIN_FLOW_ID)}.`)];
  }
  const checks: { target: string; path: FlowPath; label: string }[] = [
    ...Object.entries(global.intents).filter(([, target]) => target !== 'repeat').map(([intent, target]) => ({ target, path: ['global', 'intents', intent], label: `The global intent "${intent}"` })),
    ...(global.fallback ? [{ target: global.fallback.goto, path: ['global', 'fallback', 'goto'], label: 'The global fallback' }] : []),
    ...(global.sentiment ? [{ target: global.sentiment.goto, path: ['global', 'sentiment', 'goto'], label: 'The global sentiment rule' }] : []),
    ...(global.after_agent ? [{ target: global.after_agent, path: ['global', 'after_agent'], label: 'The return point after an agent' }] : []),
    ...Object.entries(global.on_reply ?? {}).flatMap(([reply, target]) => (target ? [{ target, path: ['global', 'on_reply', reply] as FlowPath, label: `The global reading of the short reply "${reply}"` }] : [])),
  ];
  return checks.flatMap(({ target, path: at, label }) => {
    const { flowId, stateId } = resolveGlobalTarget(target);
    const flow = context.byId.get(flowId);
    if (!context.knownFlowIds.has(flowId)) {
      return [diagnosticAt(loaded, at, 'value', 'unknown-target',
        `${label} goes to "${target}", but there is no flow "${flowId}".${didYouMean(flowId, context.knownFlowIds)}`,
        `write the target as flow.state with one of the flows: ${listNames([...context.knownFlowIds])}.`)];
    }
    if (!flow) return [];
    const ids = stateIdsOf(flow);
    if (ids.has(stateId)) return [];
    return [diagnosticAt(loaded, at, 'value', 'unknown-target',
      `${label} goes to "${target}", but flow "${flowId}" has no state "${stateId}".${didYouMean(stateId, ids)}`,
      `use one of: ${listNames([...ids].map((id) => `${flowId}.${id}`))}.`)];
  });
});

/** A migration map moves conversations to states of this flow's new version: its targets must exist. */
export const checkMigrateTargets: Rule = ({ flows }) => flows.flatMap((loaded) => {
  const migrate = loaded.flow.migrate;
  if (!migrate || migrate === 'safe') return [];
  const ids = stateIdsOf(loaded);
  return Object.entries(migrate).flatMap(([from, to]) => (ids.has(to) ? [] : [diagnosticAt(loaded, ['migrate', from], 'value', 'unknown-target',
    `Conversations in "${from}" would move to "${to}", which does not exist in flow "${loaded.flow.id}".`, unknownTargetHint(to, ids))]));
});

interface IntentUse { loaded: LoadedFlow; path: FlowPath; at: 'key' | 'value'; intent: string; where: string }

function intentUses(context: RuleContext): IntentUse[] {
  const uses: IntentUse[] = [];
  for (const loaded of context.flows) {
    for (const [stateId, state] of statesOf(loaded)) {
      const base: FlowPath = ['states', stateId];
      for (const intent of Object.keys(state.on_intent ?? {})) uses.push({ loaded, path: [...base, 'on_intent', intent], at: 'key', intent, where: `on_intent of state "${stateId}"` });
      (state.quick_replies ?? []).forEach((reply, index) => {
        if (typeof reply === 'string') uses.push({ loaded, path: [...base, 'quick_replies', index], at: 'value', intent: reply, where: `a quick reply of state "${stateId}"` });
        // Without a slot the payload of a button is an intent; with one it is a value for the slot.
        else if (kindOf(state) === 'ask' && !state.slot) uses.push({ loaded, path: [...base, 'quick_replies', index, 'payload'], at: 'value', intent: reply.payload, where: `a quick reply payload of state "${stateId}"` });
      });
      for (const { condition, path: conditionPath } of conditionsOf(state)) {
        for (const found of conditionIntents(condition)) uses.push({ loaded, path: [...base, ...conditionPath, ...found.path], at: 'value', intent: found.intent, where: `a condition of state "${stateId}"` });
      }
    }
    (loaded.flow.follow_ups ?? []).forEach((intent, index) => uses.push({ loaded, path: ['follow_ups', index], at: 'value', intent, where: 'the follow_ups of the flow' }));
    for (const intent of Object.keys(loaded.flow.global?.intents ?? {})) {
      uses.push({ loaded, path: ['global', 'intents', intent], at: 'key', intent, where: 'the global section' });
    }
    for (const intent of Object.keys(loaded.flow.global?.answers ?? {})) {
      uses.push({ loaded, path: ['global', 'answers', intent], at: 'key', intent, where: 'the global answers' });
    }
  }
  return uses;
}

/** Every intent a flow names must be trained in every configured locale; `faq.<id>` must be an FAQ entry. */
export const checkIntents: Rule = (context) => {
  const { knowledge } = context;
  return intentUses(context).flatMap(({ loaded, path: at, at: where, intent, where: place }) => {
    // `oos` is what the NLU reports when nothing fits; it needs no training data of its own.
    if (intent === 'faq.*' || intent === OUT_OF_SCOPE) return [];
    const isFaq = intent.startsWith('faq.');
    const known = (locale: Locale): string[] => (isFaq ? (knowledge.faqIds[locale] ?? []).map((id) => `faq.${id}`) : knowledge.intents[locale] ?? []);
    const missing = knowledge.locales.filter((locale) => !known(locale).includes(intent));
    if (missing.length === 0) return [];
    const file = (locale: Locale): string => `locales/${locale}/${isFaq ? 'faq.yaml' : 'nlu.yaml'}`;
    if (missing.length === knowledge.locales.length) {
      // FAQ intents are listed by FAQ id elsewhere; mixing them in would bury the topic intents.
      const all = new Set(knowledge.locales.flatMap(known).filter((name) => isFaq || !name.startsWith('faq.')));
      return [diagnosticAt(loaded, at, where, 'unknown-intent',
        `Unknown ${isFaq ? 'FAQ entry' : 'intent'} "${intent}" in ${place}.${didYouMean(intent, all)}`,
        isFaq ? `use an FAQ id from ${file(knowledge.locales[0])}, or add an entry with \`id: ${intent.slice(4)}\` to every locale's faq.yaml.`
          : `use a known intent (${listNames([...all].sort())}), or add "${intent}" with training examples to ${knowledge.locales.map(file).join(', ')}.`)];
    }
    return [diagnosticAt(loaded, at, where, 'unknown-intent',
      `The ${isFaq ? 'FAQ entry' : 'intent'} "${intent}" in ${place} is missing from ${missing.map(file).join(', ')}.`,
      `add it with ${isFaq ? 'questions' : 'training examples'} to ${missing.map(file).join(', ')}; every locale must know every intent.`)];
  });
};

export const checkEntityTypes: Rule = ({ flows, knowledge }) => flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) => {
  const known = [...knowledge.entityTypes, ...DERIVED_ENTITIES];
  const uses: { entity: string; path: FlowPath; what: string }[] = [
    ...(state.slot ? [{ entity: state.slot.entity, path: ['states', stateId, 'slot', 'entity'] as FlowPath, what: 'asks for entity type' }] : []),
    ...Object.entries(state.remember ?? {}).map(([slot, entity]) => ({ entity, path: ['states', stateId, 'remember', slot] as FlowPath, what: `remembers slot "${slot}" as entity type` })),
    ...conditionsOf(state).flatMap(({ condition, path: at }) => conditionEntities(condition).map((found) => ({ entity: found.entity, path: ['states', stateId, ...at, ...found.path] as FlowPath, what: 'has a `given` condition on entity type' }))),
  ];
  return uses.filter(({ entity }) => !known.includes(entity)).map(({ entity, path: at, what }) => diagnosticAt(loaded, at, 'value', 'unknown-entity',
    `State "${stateId}" ${what} "${entity}", which the NLU does not know.${didYouMean(entity, known)}`,
    `use one of: ${listNames(known, 20)}, or define "${entity}" under entities: in every locale's nlu.yaml.`));
}));

/** Message keys with their paths: said, asked, reprompted and button labels. */
function messageUses(stateId: string, state: LoadedFlow['flow']['states'][string]): { key: string; path: FlowPath; what: string }[] {
  const base: FlowPath = ['states', stateId];
  const uses: { key: string; path: FlowPath; what: string }[] = [];
  if (typeof state.say === 'string') uses.push({ key: state.say, path: [...base, 'say'], what: 'say' });
  else (state.say ?? []).forEach((key, index) => uses.push({ key, path: [...base, 'say', index], what: 'say' }));
  if (state.ask !== undefined) uses.push({ key: state.ask, path: [...base, 'ask'], what: 'ask' });
  if (state.slot?.reprompt !== undefined) uses.push({ key: state.slot.reprompt, path: [...base, 'slot', 'reprompt'], what: 'reprompt' });
  if (state.slot?.confirm !== undefined) {
    const at: FlowPath = [...base, 'slot', 'confirm'];
    uses.push({ key: state.slot.confirm, path: at, what: 'the confirmation question' }, { key: 'buttons.yes', path: at, what: "the confirmation's yes button" }, { key: 'buttons.no', path: at, what: "the confirmation's no button" });
  }
  (state.quick_replies ?? []).forEach((reply, index) => {
    // An intent button's label is the intent's own message, so one label serves every state.
    if (typeof reply === 'string') uses.push({ key: `intents.${reply}`, path: [...base, 'quick_replies', index], what: 'the button label' });
    else uses.push({ key: reply.label, path: [...base, 'quick_replies', index, 'label'], what: 'the button label' });
  });
  return uses;
}

/** Messages the compiled flows say on their own when a feature is used (surveys, digressions, pending topics), at the first state that uses it. */
function featureMessages(flows: LoadedFlow[]): { loaded: LoadedFlow; key: string; path: FlowPath; what: string }[] {
  const states = flows.flatMap((loaded) => statesOf(loaded).map(([stateId, state]) => ({ loaded, stateId, state })));
  const found: { loaded: LoadedFlow; key: string; path: FlowPath; what: string }[] = [];
  const firstWith = (test: (state: FlowState) => boolean) => states.find(({ state }) => test(state));
  const survey = firstWith((state) => state.survey !== undefined);
  if (survey) {
    const path: FlowPath = ['states', survey.stateId, 'survey'];
    found.push({ loaded: survey.loaded, key: 'survey.reprompt', path, what: 'said when a survey answer is no rating' }, { loaded: survey.loaded, key: 'survey.skipped', path, what: 'said when the customer skips a survey' }, { loaded: survey.loaded, key: 'survey.thanks', path, what: 'said when the customer gives a rating' });
  }
  const question = firstWith((state) => state.ask !== undefined && state.digressions !== false);
  if (question && firstWith((state) => state.faq === true)) {
    found.push({ loaded: question.loaded, key: 'system.back_to_question', path: ['states', question.stateId, 'ask'], what: 'said after an FAQ answer in the middle of a question' });
  }
  const resume = firstWith((state) => state.resume_topics === true);
  if (resume) {
    const path: FlowPath = ['states', resume.stateId, 'resume_topics'];
    found.push({ loaded: resume.loaded, key: 'system.next_topic', path, what: 'said when a second request is taken up' }, { loaded: resume.loaded, key: 'system.second_request_noted', path, what: 'said when a second request will come later' });
  }
  return found;
}

/** The global answers' messages and the messages of the features the flows use exist in every locale. */
export const checkGlobalMessages: Rule = ({ flows, knowledge }) => {
  const uses = flows.filter((loaded) => loaded.flow.id === MAIN_FLOW_ID).flatMap((loaded) => Object.entries(loaded.flow.global?.answers ?? {})
    .map(([intent, key]) => ({ loaded, key, path: ['global', 'answers', intent] as FlowPath, what: `the answer to ${intent}` })));
  uses.push(...featureMessages(flows));
  return uses.flatMap(({ loaded, key, path: at, what }) => {
    const missing = knowledge.locales.filter((locale) => !knowledge.messageKeys[locale]?.has(key));
    if (missing.length === 0) return [];
    const files = missing.map((locale) => `locales/${locale}/messages.yaml`);
    return [diagnosticAt(loaded, at, 'value', 'missing-message', `Message "${key}" (${what}) is missing from ${files.join(', ')}.`, `add "${key}" to ${files.join(', ')} (nested keys: ${key.split('.').join(' → ')}).`)];
  });
};

export const checkMessageKeys: Rule = ({ flows, knowledge }) => flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) =>
  messageUses(stateId, state).flatMap(({ key, path: at, what }) => {
    const missing = knowledge.locales.filter((locale) => !knowledge.messageKeys[locale]?.has(key));
    if (missing.length === 0) return [];
    const files = missing.map((locale) => `locales/${locale}/messages.yaml`);
    const firstMissing = knowledge.messageKeys[missing[0]] ?? new Set<string>();
    return [diagnosticAt(loaded, at, 'value', 'missing-message',
      `Message "${key}" (${what} in state "${stateId}") is missing from ${files.join(', ')}.${didYouMean(key, firstMissing)}`,
      `add "${key}" to ${files.join(', ')} (nested keys: ${key.split('.').join(' → ')}).`)];
  })));

export const checkIntegrations: Rule = ({ flows, knowledge }) => flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) => {
  if (state.call === undefined || knowledge.integrations.includes(state.call)) return [];
  return [diagnosticAt(loaded, ['states', stateId, 'call'], 'value', 'unknown-integration',
    `State "${stateId}" calls "${state.call}", which is not a configured integration.${didYouMean(state.call, knowledge.integrations)}`,
    `use one of: ${listNames(knowledge.integrations)}, or configure "${state.call}" in the integrations settings.`)];
}));

/** Which keys may appear together and which keys need another key, so the compiler never has to guess. */
export const checkStateKinds: Rule = ({ flows }) => flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) => {
  const found: Diagnostic[] = [];
  const base: FlowPath = ['states', stateId];
  const conflict = (key: string, message: string, hint: string): void => { found.push(diagnosticAt(loaded, [...base, key], 'key', 'state-kind-conflict', message, hint)); };
  const clash = kindConflict(state);
  if (clash) {
    // Other kind rules would only repeat the confusion; one clear error per state.
    const [first, second] = clash;
    return [diagnosticAt(loaded, [...base, second], 'key', 'state-kind-conflict', `State "${stateId}" has both "${first}" and "${second}"; a state does one thing.`,
      `split it: keep "${first}" here and move "${second}" to a new state that this one leads to.`)];
  }
  const kind = kindOf(state);
  if (state.slot && state.ask === undefined) conflict('slot', `State "${stateId}" has a slot but no "ask": nothing asks for the value.`, 'add `ask: <message key>` with the question.');
  if (state.slot && state.ask !== undefined && kind === 'ask' && state.next === undefined) {
    conflict('slot', `State "${stateId}" fills slot "${state.slot.name}" but has no "next": there is nowhere to go with the answer.`, 'add `next: <state>` for where to continue once the slot is filled.');
  }
  if (state.on_failure !== undefined && !state.slot) conflict('on_failure', `State "${stateId}" has "on_failure" but no slot; it is only used when a slot's retries run out.`, 'remove "on_failure", or add a slot.');
  for (const key of ['on_intent', 'otherwise', 'on_reply', 'digressions', 'resume_topics'] as const) {
    if (state[key] !== undefined && kind !== 'ask') conflict(key, `State "${stateId}" has "${key}" but is not a question (no "ask"); it would never be used.`, `add \`ask: <message key>\`, or remove "${key}".`);
  }
  if (state.resume_topics && state.on_intent === undefined) {
    conflict('resume_topics', `State "${stateId}" takes up pending topics but has no on_intent to route them.`, 'add on_intent with the topics (e.g. `order_status: order_status`, `faq.*: faq_answer`), or remove resume_topics.');
  }
  if (state.slot?.prefill_min_words !== undefined && state.slot.entity !== 'any_text') {
    conflict('slot', `State "${stateId}" sets prefill_min_words, but its slot takes entity "${state.slot.entity}"; only free-text (any_text) slots are filled by the words of the topic line.`, 'remove prefill_min_words, or use `entity: any_text`.');
  }
  if (state.slot?.confirm !== undefined && (state.slot.entity === 'yes_no' || state.slot.entity === 'any_text' || state.slot.prefill === 'none')) {
    conflict('slot', `State "${stateId}" confirms its slot, but a ${state.slot.prefill === 'none' ? 'slot that is never pre-filled' : `${state.slot.entity} slot`} has no earlier value to confirm.`, 'remove confirm, or let the slot take a value said earlier (an entity slot with prefill: conversation).');
  }
  if (kind === 'ask' && !state.slot && state.next !== undefined) {
    conflict('next', `State "${stateId}" is a question without a slot, so "next" is never used: the answer is routed by on_intent/otherwise.`, 'use `otherwise: <state>` for any answer, or add a slot.');
  }
  if (state.on !== undefined && kind !== 'call' && kind !== 'faq') conflict('on', `State "${stateId}" has "on" outcomes, but only "call" and "faq" states have outcomes.`, 'use next (or on_intent for a question) instead.');
  if (kind === 'call' && state.on === undefined) conflict('call', `State "${stateId}" calls "${state.call}" but has no "on" to say where each outcome goes.`, 'add e.g. `on: { found: <state>, not_found: <state>, error: <state> }`.');
  if (kind === 'faq') {
    for (const outcome of Object.keys(state.on ?? {})) {
      if (!FAQ_OUTCOMES.includes(outcome)) {
        found.push(diagnosticAt(loaded, [...base, 'on', outcome], 'key', 'state-kind-conflict',
          `FAQ state "${stateId}" has outcome "${outcome}", but an FAQ answer is either "answered" or "not_found".${didYouMean(outcome, FAQ_OUTCOMES)}`, 'use answered and not_found.'));
      }
    }
  }
  for (const key of ['with', 'result'] as const) {
    if (state[key] !== undefined && kind !== 'call') conflict(key, `State "${stateId}" has "${key}" but no "call".`, `remove "${key}", or add \`call: <integration>\`.`);
  }
  if ((kind === 'end' || kind === 'return') && state.next !== undefined) conflict('next', `State "${stateId}" ${kind === 'end' ? 'ends the conversation' : 'returns to the calling flow'}, so its "next" is never used.`, 'remove "next".');
  if (state.branch) {
    const elseIndex = state.branch.findIndex((entry) => 'else' in entry);
    if (elseIndex >= 0 && elseIndex < state.branch.length - 1) {
      found.push(diagnosticAt(loaded, [...base, 'branch', elseIndex + 1], 'value', 'state-kind-conflict', `In state "${stateId}" the branch has entries after "else"; they can never be chosen.`, 'move "else" to the end of the list.'));
    }
    if (elseIndex < 0) {
      found.push(diagnosticAt(loaded, [...base, 'branch'], 'key', 'branch-without-else', `The branch in state "${stateId}" has no "else": when no condition matches the conversation is stuck.`, 'add `- else: <state>` as the last entry.', 'warning'));
    }
  }
  return found;
}));

export const checkSurveys: Rule = ({ flows }) => flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) => {
  if (state.survey === undefined || state.next !== undefined || state.end !== undefined) return [];
  return [diagnosticAt(loaded, ['states', stateId, 'survey'], 'key', 'survey-without-next',
    `Survey state "${stateId}" has neither "next" nor "end": what happens after the answer is not said.`, 'add `next: <state>` (e.g. a thank-you) or `end: resolved`.')];
}));

export const checkReturnInMain: Rule = ({ flows }) => flows.filter((loaded) => loaded.flow.id === MAIN_FLOW_ID).flatMap((loaded) =>
  statesOf(loaded).filter(([, state]) => state.return).map(([stateId]) => diagnosticAt(loaded, ['states', stateId, 'return'], 'key', 'return-in-main',
    `State "${stateId}" returns, but the main flow is not called by another flow: there is nowhere to return to.`, 'use `end: resolved` (or go to the main menu with next).')));

export const checkSubflowExists: Rule = (context) => context.flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) => {
  if (state.flow === undefined) return [];
  const at: FlowPath = ['states', stateId, 'flow'];
  if (state.flow === MAIN_FLOW_ID) return [diagnosticAt(loaded, at, 'value', 'unknown-flow', `State "${stateId}" runs the main flow as a subflow; the main flow cannot return.`, 'go back to the main menu with a global target or an end state instead.')];
  if (context.knownFlowIds.has(state.flow)) return [];
  return [diagnosticAt(loaded, at, 'value', 'unknown-flow',
    `State "${stateId}" runs flow "${state.flow}", which does not exist.${didYouMean(state.flow, context.knownFlowIds)}`,
    `use one of: ${listNames([...context.knownFlowIds])}, or create ${expectedFileFor(context, state.flow)}.`)];
}));

export const checkConditionValues: Rule = ({ flows, knowledge }) => flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) =>
  conditionsOf(state).flatMap(({ condition, path: conditionPath }) => {
    const found: Diagnostic[] = [];
    const visit = (node: typeof condition, at: FlowPath): void => {
      if ('all' in node) node.all.forEach((inner, index) => visit(inner, [...at, 'all', index]));
      else if ('any' in node) node.any.forEach((inner, index) => visit(inner, [...at, 'any', index]));
      else if ('not' in node) visit(node.not, [...at, 'not']);
      else if ('locale' in node || 'channel' in node) {
        const key = 'locale' in node ? 'locale' : 'channel';
        const allowed: string[] = key === 'locale' ? knowledge.locales : CHANNELS;
        const values = ([] as string[]).concat('locale' in node ? node.locale : (node as { channel: string | string[] }).channel);
        values.filter((value) => !allowed.includes(value)).forEach((value) => {
          found.push(diagnosticAt(loaded, ['states', stateId, ...at, key], 'value', 'unknown-condition-value',
            `The condition in state "${stateId}" tests ${key} "${value}", which never occurs.${didYouMean(value, allowed)}`, `use one of: ${allowed.join(', ')}.`));
        });
      }
    };
    visit(condition, conditionPath);
    return found;
  })));

/** Warning: a flow nothing runs is dead weight, or a forgotten `flow:` state. */
export const checkUnusedFlows: Rule = (context) => {
  const called = new Set(context.flows.flatMap((loaded) => statesOf(loaded).flatMap(([, state]) => (state.flow === undefined ? [] : [state.flow]))));
  // A missing main flow, a state left out for a schema error, or a mistyped flow name would make this a false alarm.
  const trustworthy = context.byId.has(MAIN_FLOW_ID) && context.unparsed.length === 0 && context.flows.every(isComplete)
    && [...called].every((flowId) => context.knownFlowIds.has(flowId));
  if (!trustworthy) return [];
  for (const { target } of globalTargets(context)) called.add(resolveGlobalTarget(target).flowId);
  return context.flows.filter((loaded) => loaded.flow.id !== MAIN_FLOW_ID && !called.has(loaded.flow.id) && context.byId.get(loaded.flow.id) === loaded)
    .map((loaded) => diagnosticAt(loaded, ['id'], 'value', 'unused-flow', `No state runs the flow "${loaded.flow.id}".`,
      `run it from another flow with a state \`flow: ${loaded.flow.id}\`, or delete the file.`, 'warning'));
};

/**
 * Warning: a question with on_intent but no otherwise makes the bot say "I did not understand" and ask again, with
 * no end, unless the main flow's global `fallback` takes over after a few misunderstood turns: then asking again is
 * the designed behaviour (an open menu must not send every unknown answer to one place), and nothing is reported.
 */
export const checkOtherwise: Rule = ({ flows, byId }) => {
  if (byId.get(MAIN_FLOW_ID)?.flow.global?.fallback) return [];
  return flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) => {
    if (kindOf(state) !== 'ask' || state.slot || state.on_intent === undefined || state.otherwise !== undefined) return [];
    return [diagnosticAt(loaded, ['states', stateId, 'on_intent'], 'key', 'no-otherwise',
      `Question "${stateId}" has no "otherwise" and the bot has no global fallback: any other answer makes the bot say it did not understand and ask again, however often.`,
      'add `otherwise: <state>`, or `fallback: { after: 2, goto: <state> }` to the global section of the main flow.', 'warning')];
  }));
};

/** Warning: buttons on a state that does not wait are replaced by the next state's before anyone can press them. */
export const checkQuickRepliesWait: Rule = ({ flows }) => flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) => {
  if (!state.quick_replies || state.quick_replies.length === 0 || isWaiting(state) || kindOf(state) === 'end') return [];
  return [diagnosticAt(loaded, ['states', stateId, 'quick_replies'], 'key', 'quick-replies-not-waiting',
    `State "${stateId}" shows quick replies but does not wait for the customer.`, 'move the quick replies to the question (ask) that follows.', 'warning')];
}));

/** Every rule, in the order their findings are most useful; output is sorted by place anyway. */
export const RULES: Rule[] = [
  checkFlowIdMatchesFile, checkMainFlowExists, checkDuplicateFlowIds, checkStartState, checkTargets, checkGlobalSection,
  checkIntents, checkEntityTypes, checkMessageKeys, checkGlobalMessages, checkIntegrations, checkStateKinds, checkSurveys, checkReturnInMain,
  checkSubflowExists, checkSubflowReturns, checkConditionValues, checkReachability, checkNoWayOut, checkUserTurnCycles,
  checkHandoffRequires, checkOtherwise, checkQuickRepliesWait, checkUnusedFlows, checkMigrateTargets,
];
