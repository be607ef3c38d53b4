import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { Locale } from '../../../core/turn';
import type { Diagnostic } from '../../../flows/diagnostic';

export interface DiffLine { kind: 'same' | 'removed' | 'added'; line: number; text: string }

export interface EditPreview {
  file: string;
  diff: DiffLine[];
  /** Errors of the whole bot with the change in place; a save is refused while there are any. */
  problems: Diagnostic[];
  /** The edited file's content, to save exactly what was previewed. */
  content: string;
}

/** One locale file before and after a studio edit. */
export interface LocaleFileChange {
  locale: Locale;
  /** The file's name in `locales/<lang>/`: messages.yaml, faq.yaml, nlu.yaml. */
  fileName: string;
  before: string;
  after: string;
}

export class MessageEditError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'MessageEditError';
  }
}

export type ValidateLocales = (localesDir: string) => Diagnostic[] | Promise<Diagnostic[]>;

/**
 * The checked write every studio edit of a locale file goes through: the whole bot is validated (the same check as a
 * reload) on a copy of the locale folder with the change in place, and only a change without errors, identical to
 * what the designer previewed, is written, through a temp file and a rename so the file is never half-written.
 */
export function createLocaleFileWriter(options: { localesDir: string; validate: ValidateLocales }) {
  const fileOf = (locale: Locale, fileName: string): string => path.join(options.localesDir, locale, fileName);
  return {
    fileOf,

    async preview(change: LocaleFileChange): Promise<EditPreview> {
      const copy = mkdtempSync(path.join(tmpdir(), 'aspa-edit-'));
      try {
        cpSync(options.localesDir, copy, { recursive: true });
        writeFileSync(path.join(copy, change.locale, change.fileName), change.after);
        const problems = (await options.validate(copy)).filter((diagnostic) => diagnostic.severity === 'error')
          .map((diagnostic) => ({ ...diagnostic, file: diagnostic.file.split(copy).join(options.localesDir), message: diagnostic.message.split(copy).join(options.localesDir) }));
        return { file: fileOf(change.locale, change.fileName), diff: lineDiff(change.before, change.after), problems, content: change.after };
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },

    async save(change: LocaleFileChange, previewed: string): Promise<EditPreview> {
      const preview = await this.preview(change);
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

/** A phrase as a YAML scalar: plain when it reads back as the same text, otherwise a JSON string (valid YAML). */
export function yamlScalar(text: string, inFlowList = false): string {
  const probe = inFlowList ? `[${text}]` : `- ${text}`;
  const document = parseDocument(probe);
  const value = document.errors.length === 0 ? document.toJS() as unknown : undefined;
  return Array.isArray(value) && value.length === 1 && value[0] === text ? text : JSON.stringify(text);
}
