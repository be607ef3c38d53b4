import { edgesOf, kindOf } from './flow-graph';
import type { FlowFile, FlowState } from './flow-schema';

/** Words Mermaid's state-diagram grammar reserves; a state with such an id gets a safe alias. */
const RESERVED = new Set(['end', 'state', 'note', 'direction', 'as', 'left', 'right', 'of', 'click', 'class', 'classdef', 'style', 'fork', 'join', 'choice', 'default']);

function nodeId(stateId: string): string {
  return RESERVED.has(stateId.toLowerCase()) ? `s_${stateId}` : stateId;
}

/** Labels end at the line; a colon or semicolon would start a new statement. */
function label(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[:;]/g, ' ').replace(/"/g, "'").replace(/#/g, '').trim();
}

export function describeState(state: FlowState): string {
  const kind = kindOf(state);
  switch (kind) {
    case 'ask': return state.slot ? `ask ${state.slot.name} (${state.slot.entity})` : `ask ${state.ask ?? ''}`;
    case 'survey': return `survey ${state.survey ?? ''}`;
    case 'branch': return 'branch';
    case 'faq': return 'answer from FAQ';
    case 'call': return `call ${state.call ?? ''}`;
    case 'handoff': return `handoff ${state.handoff?.reason ?? ''} (${state.handoff?.priority ?? 'normal'})`;
    case 'flow': return `run flow ${state.flow ?? ''}`;
    case 'end': return state.say === undefined ? `end ${state.end ?? ''}` : `${sayText(state)}, end ${state.end ?? ''}`;
    case 'return': return 'return to caller';
    default: return sayText(state);
  }
}

function sayText(state: FlowState): string {
  return typeof state.say === 'string' ? `say ${state.say}` : `say ${(state.say ?? []).join(', ')}`;
}

/**
 * The flow as a Mermaid `stateDiagram-v2`: one node per state (with what it does), edges labelled with
 * the intent, outcome or (shortened) condition that takes them; `[*]` marks the start and the ends.
 * Global intents of the main flow are drawn from an "any state" node.
 */
export function flowToMermaid(flow: FlowFile): string {
  const lines: string[] = ['stateDiagram-v2'];
  if (flow.description) lines.push(`  %% ${label(flow.description)}`);
  for (const [stateId, state] of Object.entries(flow.states)) {
    const id = nodeId(stateId);
    if (id !== stateId) lines.push(`  state "${stateId}" as ${id}`);
    lines.push(`  ${id} : ${label(describeState(state))}`);
  }
  lines.push(`  [*] --> ${nodeId(flow.start)}`);
  for (const [stateId, state] of Object.entries(flow.states)) {
    const from = nodeId(stateId);
    for (const edge of edgesOf(state)) {
      const to = nodeId(edge.target.replace('.', '_'));
      const text = edge.via === 'next' && state.flow ? `after ${state.flow}` : edge.label;
      lines.push(text ? `  ${from} --> ${to} : ${label(text)}` : `  ${from} --> ${to}`);
    }
    const kind = kindOf(state);
    if (state.end !== undefined && state.next === undefined) lines.push(`  ${from} --> [*] : ${label(state.end)}`);
    else if (kind === 'return') lines.push(`  ${from} --> [*] : return`);
    else if (kind === 'handoff' && state.next === undefined) lines.push(`  ${from} --> [*] : with humans`);
  }
  const global = flow.global;
  if (global) {
    const local = (target: string): string | undefined => {
      const [flowId, stateId] = target.includes('.') ? target.split('.') : [flow.id, target];
      return flowId === flow.id && flow.states[stateId] ? nodeId(stateId) : undefined;
    };
    const globalEdges: [string, string][] = [
      ...Object.entries(global.intents).flatMap(([intent, target]): [string, string][] => {
        const to = target === 'repeat' ? undefined : local(target);
        return to ? [[to, intent]] : [];
      }),
      ...(global.fallback && local(global.fallback.goto) ? [[local(global.fallback.goto) as string, `not understood ×${global.fallback.after}`] as [string, string]] : []),
      ...(global.sentiment && local(global.sentiment.goto) ? [[local(global.sentiment.goto) as string, `sentiment below ${global.sentiment.below}`] as [string, string]] : []),
      ...Object.entries(global.on_reply ?? {}).flatMap(([reply, target]): [string, string][] => {
        const to = target ? local(target) : undefined;
        return to ? [[to, `reply ${reply}`]] : [];
      }),
    ];
    if (globalEdges.length > 0) {
      lines.push('  state "any state" as any_state');
      for (const [to, text] of globalEdges) lines.push(`  any_state --> ${to} : ${label(text)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
