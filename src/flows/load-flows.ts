import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type Pair } from 'yaml';
import type { Diagnostic } from './diagnostic';
import { flowSchema, type FlowFile } from './flow-schema';
import { humaniseSchemaIssues } from './humanise-schema-issue';

export type FlowPath = (string | number)[];
export interface SourcePosition { line: number; column: number }

/** A flow file that passed the schema, with a way back from any node to its place in the file. */
export interface LoadedFlow {
  file: string;
  flow: FlowFile;
  /** Where the value at `path` starts (falls back to the nearest enclosing node that exists). */
  position(path: FlowPath): SourcePosition;
  /** Where the key of the last path segment is written (falls back to `position`). */
  keyPosition(path: FlowPath): SourcePosition;
  /**
   * Set when parts of the file broke the schema and were left out so the rest could still be checked:
   * their errors are already reported, and rules that need the whole graph skip this flow.
   */
  skipped?: { states: string[]; global: boolean };
}

/** A file that could not be read as a flow at all; its id (when readable) keeps references to it from cascading. */
export interface UnparsedFlow { file: string; id?: string }

export interface LoadFlowsResult {
  flows: LoadedFlow[];
  diagnostics: Diagnostic[];
  unparsed: UnparsedFlow[];
}

export interface LoadFlowsOptions {
  /** File names in diagnostics are relative to this directory when the file is inside it (default: the working directory). */
  relativeTo?: string;
}

const FLOW_FILE = /\.(ya?ml|json)$/i;
const SCHEMA_FILE = 'flow.schema.json';

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` file in `dir` (not `flow.schema.json`), keeps YAML positions,
 * and validates each against the flow schema. Never throws for bad input: every problem is a diagnostic.
 */
export function loadFlows(dir: string, options: LoadFlowsOptions = {}): LoadFlowsResult {
  const base = options.relativeTo ?? process.cwd();
  const display = (file: string): string => {
    const relative = path.relative(base, file);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
  };
  const result: LoadFlowsResult = { flows: [], diagnostics: [], unparsed: [] };
  if (!isDirectory(dir)) {
    result.diagnostics.push({
      file: display(path.resolve(dir)), line: 1, column: 1, rule: 'no-flows', severity: 'error',
      message: `The flow folder "${dir}" does not exist.`, hint: 'create it with a main.yaml, or point to it with --flows DIR.',
    });
    return result;
  }
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => FLOW_FILE.test(name) && name !== SCHEMA_FILE).sort();
  } catch (error) {
    result.diagnostics.push({
      file: display(path.resolve(dir)), line: 1, column: 1, rule: 'no-flows', severity: 'error',
      message: `The flow folder "${dir}" cannot be read: ${(error as Error).message}.`, hint: 'check the folder permissions.',
    });
    return result;
  }
  for (const name of names) {
    const absolute = path.resolve(dir, name);
    let source: string;
    try {
      if (!statSync(absolute).isFile()) continue;
      source = readFileSync(absolute, 'utf8');
    } catch (error) {
      result.diagnostics.push({
        file: display(absolute), line: 1, column: 1, rule: 'yaml-syntax', severity: 'error',
        message: `The file cannot be read: ${(error as Error).message}.`, hint: 'check the file permissions.',
      });
      result.unparsed.push({ file: display(absolute) });
      continue;
    }
    const parsed = parseFlowSource(source, display(absolute));
    result.diagnostics.push(...parsed.diagnostics);
    if (parsed.flow) result.flows.push(parsed.flow);
    else result.unparsed.push({ file: display(absolute), id: parsed.id });
  }
  return result;
}

export interface ParseFlowResult {
  flow?: LoadedFlow;
  /** The `id` written in the file, when one could be read (also for files that failed). */
  id?: string;
  diagnostics: Diagnostic[];
}

/** Parses one flow file's text; `file` is only used in diagnostics. Exposed for tests and hot reload. */
export function parseFlowSource(source: string, file: string): ParseFlowResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const locate = createLocator(document, lineCounter);
  const diagnostics: Diagnostic[] = [];

  for (const error of document.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    diagnostics.push({
      file, line, column: col, rule: 'yaml-syntax', severity: 'error',
      message: `YAML syntax: ${firstLine(error.message)}`, hint: yamlHint(error.code),
    });
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Only alias misuse gets here (e.g. an alias "bomb"); syntax errors are already in document.errors.
    if (diagnostics.length === 0) {
      diagnostics.push({
        file, line: 1, column: 1, rule: 'yaml-syntax', severity: 'error',
        message: `YAML aliases cannot be resolved: ${firstLine((error as Error).message)}`, hint: 'write the repeated part out instead of using * aliases.',
      });
    }
    return { diagnostics };
  }
  const id = isRecord(raw) && typeof raw.id === 'string' ? raw.id : undefined;
  if (diagnostics.length > 0) return { id, diagnostics };

  if (!isRecord(raw)) {
    diagnostics.push({
      file, line: 1, column: 1, rule: 'wrong-type', severity: 'error',
      message: raw == null ? 'The flow file is empty.' : 'A flow file must be a map with "id", "start" and "states".',
      hint: 'start the file with `id: <flow id>`, `start: <first state>` and `states:`; see docs/flows.md.',
    });
    return { id, diagnostics };
  }

  const parsed = flowSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { id, diagnostics, flow: { file, flow: parsed.data, ...locate } };

  for (const issue of humaniseSchemaIssues(parsed.error.issues, raw)) {
    const where = issue.at === 'key' ? locate.keyPosition(issue.path) : locate.position(issue.path);
    diagnostics.push({ file, ...where, rule: issue.rule, severity: 'error', message: issue.message, hint: issue.hint });
  }

  // Leave out the broken states (or global section) and check the rest, so one typo does not hide other mistakes.
  const repaired = leaveOutBrokenParts(raw, parsed.error.issues.map((issue) => issue.path as FlowPath));
  if (!repaired) return { id, diagnostics };
  const second = flowSchema.safeParse(repaired.raw);
  if (!second.success) return { id, diagnostics };
  return { id, diagnostics, flow: { file, flow: second.data, ...locate, skipped: repaired.skipped } };
}

function leaveOutBrokenParts(raw: Record<string, unknown>, paths: FlowPath[]): { raw: Record<string, unknown>; skipped: { states: string[]; global: boolean } } | undefined {
  const states = new Set<string>();
  let global = false;
  for (const issuePath of paths) {
    if (issuePath[0] === 'states' && issuePath.length >= 2) states.add(String(issuePath[1]));
    else if (issuePath[0] === 'global') global = true;
    else return undefined;
  }
  const copy: Record<string, unknown> = { ...raw };
  if (global) delete copy.global;
  if (isRecord(copy.states)) {
    const kept = { ...copy.states };
    for (const state of states) delete kept[state];
    copy.states = kept;
  }
  return { raw: copy, skipped: { states: [...states], global } };
}

function createLocator(document: Document, lineCounter: LineCounter): Pick<LoadedFlow, 'position' | 'keyPosition'> {
  const toPosition = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  /** Walks as far along `path` as the document goes; returns the last node and the pair that led to it. */
  const walk = (flowPath: FlowPath): { node: YamlNode | null; pair?: Pair; complete: boolean } => {
    let node = document.contents as YamlNode | null;
    let pair: Pair | undefined;
    for (const segment of flowPath) {
      if (isMap(node)) {
        const found = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!found) return { node, pair, complete: false };
        pair = found;
        node = (found.value as YamlNode | null) ?? (found.key as YamlNode);
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
        pair = undefined;
        node = node.items[segment] as YamlNode;
      } else {
        return { node, pair, complete: false };
      }
    }
    return { node, pair, complete: true };
  };
  return {
    position: (flowPath) => {
      const { node, pair, complete } = walk(flowPath);
      // An incomplete walk means the key is missing: point at the key of the enclosing node, which is where to add it.
      if (!complete && pair && isScalar(pair.key)) return toPosition(pair.key.range?.[0]);
      return toPosition(node?.range?.[0]);
    },
    keyPosition: (flowPath) => {
      const { node, pair } = walk(flowPath);
      if (pair && isScalar(pair.key)) return toPosition(pair.key.range?.[0]);
      return toPosition(node?.range?.[0]);
    },
  };
}

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'a key may appear only once in a map: remove or rename one of them.',
  TAB_AS_INDENT: 'indent with spaces, not tabs.',
  BAD_INDENT: 'line up keys of the same map with the same number of spaces.',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation of this line and the one before it.',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check for a missing ":" or a wrong indentation above.',
  MISSING_CHAR: 'a quote or bracket is not closed.',
  UNEXPECTED_TOKEN: 'check the indentation and quoting; a value containing ": " or " #" needs quotes.',
  MULTIPLE_DOCS: 'a flow file holds one flow: remove the "---" line or split the file.',
};

function yamlHint(code: string): string {
  return YAML_HINTS[code] ?? 'check the indentation and quoting on this line; a value containing ": " or " #" needs quotes.';
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.endsWith('.') || line.endsWith(':') ? line.replace(/:$/, '.') : `${line}.`;
}

function isDirectory(dir: string): boolean {
  try {
    return existsSync(dir) && statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
