import { readFileSync } from 'node:fs';
import type { LabelledText } from '../intent-classifier';

/** A labelled file could not be read; the message names the file and line. */
export class LabelledFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelledFileError';
  }
}

/** Splits one CSV line into fields (RFC 4180 quoting, no line breaks inside fields). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (quoted) {
      if (char === '"' && line[at + 1] === '"') {
        field += '"';
        at++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/**
 * Reads labelled utterances: JSON lines `{"text": "...", "intent": "..."}` or CSV `text,intent` (an optional
 * header line `text,intent` is skipped). The format is told from the file name (.csv) or the first line.
 */
export function readLabelledFile(file: string): LabelledText[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LabelledFileError(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  const firstLine = lines.find((line) => line.trim() !== '') ?? '';
  const csv = file.toLowerCase().endsWith('.csv') || !firstLine.trimStart().startsWith('{');
  const examples: LabelledText[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    if (csv) {
      const fields = parseCsvLine(line);
      if (examples.length === 0 && fields[0]?.trim().toLowerCase() === 'text' && fields[1]?.trim().toLowerCase() === 'intent') return;
      if (fields.length < 2) throw new LabelledFileError(`${where}: expected "text,intent" (quote a text that has commas)`);
      const intent = fields[fields.length - 1].trim();
      const text = fields.slice(0, -1).join(',').trim();
      if (!text || !intent) throw new LabelledFileError(`${where}: both text and intent must be non-empty`);
      examples.push({ text, intent });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new LabelledFileError(`${where}: not valid JSON; each line must be {"text": "...", "intent": "..."}`);
    }
    const record = parsed as { text?: unknown; intent?: unknown };
    if (!record || typeof record.text !== 'string' || typeof record.intent !== 'string' || !record.text.trim() || !record.intent.trim()) {
      throw new LabelledFileError(`${where}: each line needs "text" and "intent" as non-empty strings`);
    }
    examples.push({ text: record.text, intent: record.intent.trim() });
  });
  if (examples.length === 0) throw new LabelledFileError(`${file}: no labelled lines found`);
  return examples;
}
