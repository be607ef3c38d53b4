import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Locale } from '../core/turn';

/** One message: text variants and optional spoken variants. */
export interface MessageTemplate {
  text: string[];
  voice?: string[];
}

export interface CatalogProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Every message of every locale, by dotted key (`order_status.ask_number`, `faq.opening_hours`). */
export interface MessageCatalog {
  locales: Locale[];
  get(locale: Locale, key: string): MessageTemplate | undefined;
  keys(locale: Locale): Set<string>;
  problems: CatalogProblem[];
}

/**
 * Reads `locales/<lang>/messages.yaml` and the answers of `faq.yaml` (as `faq.<id>`). Problems are collected,
 * not thrown, so `aspa validate` can list them all.
 */
export function loadMessageCatalog(localesDir: string, locales: Locale[]): MessageCatalog {
  const byLocale = new Map<Locale, Map<string, MessageTemplate>>();
  const problems: CatalogProblem[] = [];
  for (const locale of locales) {
    const messages = new Map<string, MessageTemplate>();
    byLocale.set(locale, messages);
    const messagesFile = path.join(localesDir, locale, 'messages.yaml');
    const doc = readYaml(messagesFile, problems);
    if (doc) walkMessages(doc.node, '', messages, doc.at, messagesFile, problems);
    const faqFile = path.join(localesDir, locale, 'faq.yaml');
    const faq = readYaml(faqFile, problems, true);
    if (faq && isSeq(faq.node)) {
      for (const entry of faq.node.items) {
        if (!isMap(entry)) continue;
        const id = entry.get('id');
        const answer = entry.get('answer', true) as Node | undefined;
        if (typeof id !== 'string') continue;
        const template = answer ? toTemplate(answer) : undefined;
        if (template) messages.set(`faq.${id}`, template);
        else problems.push({ file: faqFile, ...faq.at(entry), message: `FAQ entry "${id}" has no answer: add an \`answer:\` text.` });
      }
    }
  }
  return {
    locales,
    problems,
    get: (locale, key) => byLocale.get(locale)?.get(key),
    keys: (locale) => new Set(byLocale.get(locale)?.keys() ?? []),
  };
}

type At = (node: Node) => { line: number; column: number };

function readYaml(file: string, problems: CatalogProblem[], optional = false): { node: Node | null; at: At } | undefined {
  if (!fs.existsSync(file)) {
    if (!optional) problems.push({ file, line: 1, column: 1, message: `File is missing: create ${file}.` });
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { lineCounter });
  const at: At = (node) => {
    const pos = lineCounter.linePos(node.range?.[0] ?? 0);
    return { line: pos.line, column: pos.col };
  };
  for (const error of doc.errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    problems.push({ file, line: pos.line, column: pos.col, message: `YAML syntax: ${error.message.split('\n')[0]}` });
  }
  return { node: doc.contents as Node | null, at };
}

function toTemplate(node: Node): MessageTemplate | undefined {
  const strings = (value: Node | undefined): string[] | undefined => {
    if (!value) return undefined;
    if (isScalar(value) && typeof value.value === 'string') return [value.value];
    if (isSeq(value) && value.items.every((item) => isScalar(item) && typeof item.value === 'string')) {
      return value.items.map((item) => String((item as { value: unknown }).value));
    }
    return undefined;
  };
  if (isMap(node) && node.has('text')) {
    const text = strings(node.get('text', true) as Node);
    if (!text || text.length === 0) return undefined;
    const voice = strings(node.get('voice', true) as Node | undefined);
    return voice ? { text, voice } : { text };
  }
  const text = strings(node);
  return text && text.length > 0 ? { text } : undefined;
}

function walkMessages(node: Node | null, prefix: string, out: Map<string, MessageTemplate>, at: At, file: string, problems: CatalogProblem[]): void {
  if (!node) return;
  if (isMap(node) && !node.has('text')) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (!key) continue;
      walkMessages(pair.value as Node | null, prefix ? `${prefix}.${key}` : key, out, at, file, problems);
    }
    return;
  }
  const template = toTemplate(node);
  if (template) out.set(prefix, template);
  else problems.push({ file, ...at(node), message: `Message "${prefix}" must be a text, a list of texts, or { text, voice }.` });
}
