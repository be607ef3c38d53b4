import type { Diagnostic } from '../../../flows/diagnostic';
import { edgesOf, kindOf, type StateKind } from '../../../flows/flow-graph';
import type { FlowFile } from '../../../flows/flow-schema';
import { describeState } from '../../../flows/graph-flow';

/** A problem shown on the state it belongs to. */
export interface StateProblem { state: string; severity: Diagnostic['severity']; message: string; hint: string; line: number }

interface DiagramNode { id: string; label: string; detail: string; kind: StateKind | 'start' | 'end' | 'global'; layer: number; order: number; problems: StateProblem[] }
interface DiagramEdge { from: string; to: string; label: string; global?: boolean }

const NODE_WIDTH = 196;
const NODE_HEIGHT = 54;
const GAP_X = 34;
const GAP_Y = 64;
const MARGIN = 24;
const START = '__start';
const END = '__end';
const ANY = '__any';

/** Fill colours by what a state does: questions stand out, handoffs warn, ends recede. */
const FILL: Record<string, string> = {
  ask: '#dbeafe', survey: '#dbeafe', branch: '#fef9c3', faq: '#dcfce7', call: '#e0e7ff', handoff: '#ffedd5', flow: '#f3e8ff',
  end: '#e5e7eb', return: '#e5e7eb', say: '#ffffff', global: '#fce7f3',
};

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Which state a diagnostic of this flow's file is about: the state whose key is the last one at or above its line. */
export function problemsByState(flow: FlowFile, source: string, diagnostics: Diagnostic[]): StateProblem[] {
  const lines = source.split('\n');
  const starts: { state: string; line: number }[] = [];
  let inStates = false;
  lines.forEach((text, index) => {
    if (/^states:\s*$/.test(text)) inStates = true;
    else if (/^\S/.test(text)) inStates = false;
    const match = inStates ? /^ {2}([a-z][a-z0-9_]*):/.exec(text) : null;
    if (match && flow.states[match[1]]) starts.push({ state: match[1], line: index + 1 });
  });
  return diagnostics.flatMap((diagnostic) => {
    const owner = [...starts].reverse().find((start) => start.line <= diagnostic.line);
    return owner ? [{ state: owner.state, severity: diagnostic.severity, message: diagnostic.message, hint: diagnostic.hint, line: diagnostic.line }] : [];
  });
}

/**
 * The flow as an SVG diagram, laid out in layers from the start state (each state one layer below the nearest
 * state that leads to it, ordered to keep edges short), with subflow calls, handoffs, ends and (for main) the
 * global intents drawn from an "any state" node. States with problems get a red frame and the fix as a tooltip.
 */
export function renderFlowDiagram(flow: FlowFile, problems: StateProblem[] = []): string {
  const nodes = new Map<string, DiagramNode>();
  const edges: DiagramEdge[] = [];
  const add = (id: string, label: string, detail: string, kind: DiagramNode['kind']): void => {
    nodes.set(id, { id, label, detail, kind, layer: -1, order: 0, problems: problems.filter((problem) => problem.state === id) });
  };
  add(START, 'start', '', 'start');
  for (const [stateId, state] of Object.entries(flow.states)) add(stateId, stateId, describeState(state), kindOf(state));
  edges.push({ from: START, to: flow.start, label: '' });
  let ends = false;
  for (const [stateId, state] of Object.entries(flow.states)) {
    for (const edge of edgesOf(state)) {
      if (!nodes.has(edge.target)) continue;
      edges.push({ from: stateId, to: edge.target, label: edge.via === 'next' && state.flow ? `after ${state.flow}` : edge.label });
    }
    const kind = kindOf(state);
    const endLabel = state.end !== undefined && state.next === undefined ? state.end : kind === 'return' ? 'return' : kind === 'handoff' && state.next === undefined ? 'with humans' : undefined;
    if (endLabel) {
      edges.push({ from: stateId, to: END, label: endLabel });
      ends = true;
    }
  }
  if (ends) add(END, 'end', '', 'end');
  const global = flow.global;
  if (global) {
    const local = (target: string): string | undefined => {
      const [flowId, stateId] = target.includes('.') ? target.split('.') : [flow.id, target];
      return flowId === flow.id && flow.states[stateId] ? stateId : undefined;
    };
    const globalEdges = [
      ...Object.entries(global.intents).flatMap(([intent, target]) => (target !== 'repeat' && local(target) ? [{ to: local(target) as string, label: intent }] : [])),
      ...(global.fallback && local(global.fallback.goto) ? [{ to: local(global.fallback.goto) as string, label: `not understood ×${global.fallback.after}` }] : []),
      ...(global.sentiment && local(global.sentiment.goto) ? [{ to: local(global.sentiment.goto) as string, label: `sentiment < ${global.sentiment.below}` }] : []),
    ];
    const outside = Object.entries(global.intents).filter(([, target]) => target !== 'repeat' && !local(target)).map(([intent, target]) => `${intent} → ${target}`);
    if (globalEdges.length > 0 || outside.length > 0) {
      add(ANY, 'any state', outside.length ? shorten(outside.join(', '), 60) : 'global intents', 'global');
      for (const edge of globalEdges) edges.push({ from: ANY, to: edge.to, label: edge.label, global: true });
    }
  }

  // Layers: breadth-first from the start (and the global node), unreachable states below everything else.
  const outgoing = new Map<string, string[]>();
  for (const edge of edges) outgoing.set(edge.from, [...(outgoing.get(edge.from) ?? []), edge.to]);
  const queue = [START, ...(nodes.has(ANY) ? [ANY] : [])];
  for (const id of queue) (nodes.get(id) as DiagramNode).layer = 0;
  for (let index = 0; index < queue.length; index += 1) {
    const node = nodes.get(queue[index]) as DiagramNode;
    for (const next of outgoing.get(node.id) ?? []) {
      const target = nodes.get(next) as DiagramNode;
      if (target.layer < 0 && next !== END) {
        target.layer = node.layer + 1;
        queue.push(next);
      }
    }
  }
  let deepest = Math.max(0, ...[...nodes.values()].map((node) => node.layer));
  for (const node of nodes.values()) if (node.layer < 0 && node.id !== END) node.layer = ++deepest;
  if (nodes.has(END)) (nodes.get(END) as DiagramNode).layer = deepest + 1;

  // Order within a layer by the mean position of the states above that lead there (one sweep keeps it readable).
  const layers: DiagramNode[][] = [];
  for (const node of nodes.values()) (layers[node.layer] ??= []).push(node);
  layers.forEach((layer, depth) => {
    if (depth > 0) {
      const position = (node: DiagramNode): number => {
        const above = edges.filter((edge) => edge.to === node.id).map((edge) => nodes.get(edge.from) as DiagramNode).filter((from) => from.layer < depth);
        return above.length ? above.reduce((sum, from) => sum + from.order, 0) / above.length : Number.MAX_SAFE_INTEGER;
      };
      const keyed = layer.map((node, index) => ({ node, key: position(node), index }));
      keyed.sort((a, b) => a.key - b.key || a.index - b.index);
      layer.splice(0, layer.length, ...keyed.map((entry) => entry.node));
    }
    const offset = -(layer.length - 1) / 2;
    layer.forEach((node, index) => { node.order = offset + index; });
  });

  const widest = Math.max(...layers.map((layer) => layer?.length ?? 0));
  const width = MARGIN * 2 + widest * NODE_WIDTH + (widest - 1) * GAP_X;
  const height = MARGIN * 2 + layers.length * NODE_HEIGHT + (layers.length - 1) * GAP_Y;
  const centre = (node: DiagramNode) => ({ x: width / 2 + node.order * (NODE_WIDTH + GAP_X), y: MARGIN + node.layer * (NODE_HEIGHT + GAP_Y) + NODE_HEIGHT / 2 });

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" data-flow="${escapeXml(flow.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(`Flow ${flow.id}`)}">`);
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>');
  for (const edge of edges) {
    const from = centre(nodes.get(edge.from) as DiagramNode);
    const to = centre(nodes.get(edge.to) as DiagramNode);
    const fromNode = nodes.get(edge.from) as DiagramNode;
    const toNode = nodes.get(edge.to) as DiagramNode;
    let path: string;
    let labelAt: { x: number; y: number };
    if (toNode.layer > fromNode.layer) {
      const start = { x: from.x, y: from.y + NODE_HEIGHT / 2 };
      const end = { x: to.x, y: to.y - NODE_HEIGHT / 2 };
      const bend = (end.y - start.y) / 2;
      path = `M${start.x},${start.y} C${start.x},${start.y + bend} ${end.x},${end.y - bend} ${end.x},${end.y}`;
      labelAt = { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 };
    } else {
      // Back or sideways edges (loops to an earlier question) go round the right side of the boxes.
      const start = { x: from.x + NODE_WIDTH / 2, y: from.y };
      const end = { x: to.x + NODE_WIDTH / 2, y: to.y };
      const out = 40 + Math.abs(fromNode.layer - toNode.layer) * 8;
      path = edge.from === edge.to
        ? `M${start.x},${start.y - 10} C${start.x + out},${start.y - 30} ${start.x + out},${start.y + 30} ${start.x},${start.y + 10}`
        : `M${start.x},${start.y} C${start.x + out},${start.y} ${end.x + out},${end.y} ${end.x},${end.y}`;
      labelAt = { x: Math.max(start.x, end.x) + out * 0.75, y: (start.y + end.y) / 2 };
    }
    parts.push(`<g class="edge${edge.global ? ' global' : ''}" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}"><path d="${path}" fill="none" stroke="${edge.global ? '#db2777' : '#6b7280'}" stroke-width="1.4"${edge.global ? ' stroke-dasharray="5 4"' : ''} marker-end="url(#arrow)"/>`
      + (edge.label ? `<text x="${labelAt.x}" y="${labelAt.y}" font-size="11" text-anchor="middle" fill="#374151" paint-order="stroke" stroke="#fff" stroke-width="3">${escapeXml(shorten(edge.label, 28))}</text>` : '')
      + '</g>');
  }
  for (const node of nodes.values()) {
    const { x, y } = centre(node);
    if (node.kind === 'start' || node.kind === 'end') {
      parts.push(`<g class="node ${node.kind}" data-state="${node.id}"><circle cx="${x}" cy="${y}" r="11" fill="#111827"/>${node.kind === 'end' ? `<circle cx="${x}" cy="${y}" r="15" fill="none" stroke="#111827"/>` : ''}</g>`);
      continue;
    }
    const errors = node.problems.filter((problem) => problem.severity === 'error').length;
    const flagged = node.problems.length > 0;
    const stroke = errors > 0 ? '#dc2626' : flagged ? '#d97706' : '#9ca3af';
    const title = [node.detail, ...node.problems.map((problem) => `${problem.severity} (line ${problem.line}): ${problem.message} Fix: ${problem.hint}`)].join('\n');
    parts.push(`<g class="node kind-${node.kind}${errors ? ' has-error' : flagged ? ' has-warning' : ''}" data-state="${escapeXml(node.id)}" tabindex="0">`
      + `<title>${escapeXml(title)}</title>`
      + `<rect x="${x - NODE_WIDTH / 2}" y="${y - NODE_HEIGHT / 2}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="8" fill="${FILL[node.kind] ?? '#fff'}" stroke="${stroke}" stroke-width="${flagged ? 2.5 : 1.2}"/>`
      + `<text x="${x}" y="${y - 5}" font-size="13" font-weight="600" text-anchor="middle" fill="#111827">${escapeXml(shorten(node.label, 26))}</text>`
      + `<text x="${x}" y="${y + 13}" font-size="11" text-anchor="middle" fill="#4b5563">${escapeXml(shorten(node.detail, 32))}</text>`
      + (flagged ? `<text class="problem-badge" x="${x + NODE_WIDTH / 2 - 6}" y="${y - NODE_HEIGHT / 2 + 14}" font-size="12" text-anchor="end" fill="${stroke}">⚠ ${node.problems.length}</text>` : '')
      + '</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}
