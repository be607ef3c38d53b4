import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { Locale } from '../../../core/turn';
import type { Diagnostic } from '../../../flows/diagnostic';

export interface MessageEdit {
  locale: Locale;
  key: string;
  /** The chat variants, at least one. */
  text: string[];
  /** The phone variants; empty = the phone says the chat text. */
  voice: string[];
}

export interface DiffLine { kind: 'same' | 'removed' | 'added'; line: number; text: string }

export interface EditPreview {
  file: string;
  diff: DiffLine[];
  /** Errors of the whole bot with the change in place; a save is refused while there are any. */
  problems: Diagnostic[];
  /** The edited file's content, to save exactly what was previewed. */
  content: string;
}

const KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const MAX_VARIANT = 1000;

export class MessageEditError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'MessageEditError';
  }
}

/**
 * Edits one message in `locales/<lang>/messages.yaml` the way a designer would by hand: the YAML document keeps its
 * comments and layout, only the message's value changes. Every edit is checked with the whole bot (the same
 * validation as a reload) on a copy of the locale folder before it may be written; writing goes through a temp
 * file and a rename, so the file is never half-written.
 */
export function createMessageEditor(options: { localesDir: string; validate: (localesDir: string) => Diagnostic[] | Promise<Diagnostic[]> }) {
  const fileOf = (locale: Locale): string => path.join(options.localesDir, locale, 'messages.yaml');

  const edited = (edit: MessageEdit): { file: string; before: string; after: string } => {
    if (!KEY.test(edit.key) || edit.key.startsWith('faq.')) throw new MessageEditError('invalid_key', 'Give a message key such as order_status.ask_number (FAQ answers live in faq.yaml).');
    const variants = [...edit.text, ...edit.voice];
    if (edit.text.length === 0 || variants.some((variant) => typeof variant !== 'string' || variant.trim() === '' || variant.length > MAX_VARIANT)) {
      throw new MessageEditError('invalid_text', `A message needs at least one text, and no variant may be empty or longer than ${MAX_VARIANT} characters.`);
    }
    const file = fileOf(edit.locale);
    const before = readFileSync(file, 'utf8');
    const document = parseDocument(before);
    const at = edit.key.split('.');
    const current = document.getIn(at, true) as YamlNode | undefined;
    if (!current || !current.range) throw new MessageEditError('unknown_key', `There is no message ${edit.key} in ${edit.locale}/messages.yaml.`);
    const text = edit.text.map((variant) => variant.trim());
    const voice = edit.voice.map((variant) => variant.trim());
    // Only the message's own value is rewritten (JSON strings and lists are valid YAML), the rest of the file stays byte for byte.
    const value = (list: string[]): string => (list.length === 1 ? JSON.stringify(list[0]) : JSON.stringify(list));
    const replacements: { from: number; to: number; text: string }[] = [];
    const textNode = isMap(current) ? (current.get('text', true) as YamlNode | undefined) : undefined;
    const voiceNode = isMap(current) ? (current.get('voice', true) as YamlNode | undefined) : undefined;
    if (isMap(current) && textNode?.range && voiceNode?.range && voice.length > 0) {
      // An unchanged part keeps its writing as it is.
      const same = (node: YamlNode, list: string[]): boolean => JSON.stringify([node.toJSON()].flat()) === JSON.stringify(list);
      if (!same(textNode, text)) replacements.push({ from: textNode.range[0], to: textNode.range[1], text: value(text) });
      if (!same(voiceNode, voice)) replacements.push({ from: voiceNode.range[0], to: voiceNode.range[1], text: value(voice) });
    } else if (isMap(current) || voice.length > 0) {
      replacements.push({ from: current.range[0], to: current.range[1], text: voice.length ? `{ text: ${value(text)}, voice: ${value(voice)} }` : `{ text: ${value(text)} }` });
    } else if (isScalar(current) || isSeq(current)) {
      replacements.push({ from: current.range[0], to: current.range[1], text: value(text) });
    }
    let after = before;
    for (const replacement of replacements.sort((a, b) => b.from - a.from)) {
      // A block value's range runs on to the next key's indentation: keep that whitespace (and any comment after).
      const to = replacement.from + before.slice(replacement.from, replacement.to).trimEnd().length;
      after = after.slice(0, replacement.from) + replacement.text + after.slice(to);
    }
    return { file, before, after };
  };

  return {
    /** The change as a diff, and the problems the bot would have with it. */
    async preview(edit: MessageEdit): Promise<EditPreview> {
      const { file, before, after } = edited(edit);
      const copy = mkdtempSync(path.join(tmpdir(), 'aspa-edit-'));
      try {
        cpSync(options.localesDir, copy, { recursive: true });
        writeFileSync(path.join(copy, edit.locale, 'messages.yaml'), after);
        const problems = (await options.validate(copy)).filter((diagnostic) => diagnostic.severity === 'error')
          .map((diagnostic) => ({ ...diagnostic, file: diagnostic.file.split(copy).join(options.localesDir) }));
        return { file, diff: lineDiff(before, after), problems, content: after };
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },

    /** Writes the previewed change; refused when it would not validate or the file changed since the preview. */
    async save(edit: MessageEdit, previewed: string): Promise<EditPreview> {
      const preview = await this.preview(edit);
      if (preview.problems.length > 0) throw new MessageEditError('would_not_validate', `The change would not validate: ${preview.problems[0].message}`);
      if (preview.content !== previewed) throw new MessageEditError('changed_since_preview', 'The file changed since the preview: preview again.');
      const temporary = `${preview.file}.${process.pid}.tmp`;
      writeFileSync(temporary, preview.content);
      renameSync(temporary, preview.file);
      return preview;
    },
  };
}

/** A line diff (common head and tail kept as context, the changed middle as removed and added lines). */
export function lineDiff(before: string, after: string, context = 2): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  const lines: DiffLine[] = [];
  for (let index = Math.max(0, head - context); index < head; index += 1) lines.push({ kind: 'same', line: index + 1, text: a[index] });
  for (let index = head; index < a.length - tail; index += 1) lines.push({ kind: 'removed', line: index + 1, text: a[index] });
  for (let index = head; index < b.length - tail; index += 1) lines.push({ kind: 'added', line: index + 1, text: b[index] });
  for (let index = b.length - tail; index < Math.min(b.length, b.length - tail + context); index += 1) lines.push({ kind: 'same', line: index + 1, text: b[index] });
  return lines;
}
