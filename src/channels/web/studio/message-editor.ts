import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { Locale } from '../../../core/turn';
import { createLocaleFileWriter, MessageEditError, type EditPreview, type ValidateLocales } from './locale-file-edit';

export { lineDiff, MessageEditError, type DiffLine, type EditPreview } from './locale-file-edit';

export interface MessageEdit {
  locale: Locale;
  key: string;
  /** The chat variants, at least one. */
  text: string[];
  /** The phone variants; empty = the phone says the chat text. */
  voice: string[];
}

const KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const MAX_VARIANT = 1000;

/** Refuses a message without text, or with an empty or overlong variant. */
export function checkVariants(text: string[], voice: string[]): void {
  const variants = [...text, ...voice];
  if (text.length === 0 || variants.some((variant) => typeof variant !== 'string' || variant.trim() === '' || variant.length > MAX_VARIANT)) {
    throw new MessageEditError('invalid_text', `A message needs at least one text, and no variant may be empty or longer than ${MAX_VARIANT} characters.`);
  }
}

/**
 * The file with one message's value (a text, a list of variants, or `{text, voice}`) rewritten: only that value's
 * characters change (JSON strings and lists are valid YAML), the rest of the file stays byte for byte.
 */
export function rewriteMessageValue(before: string, current: YamlNode & { range: [number, number, number] }, textVariants: string[], voiceVariants: string[]): string {
  const text = textVariants.map((variant) => variant.trim());
  const voice = voiceVariants.map((variant) => variant.trim());
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
  return after;
}

/**
 * Edits one message in `locales/<lang>/messages.yaml` the way a designer would by hand: the YAML document keeps its
 * comments and layout, only the message's value changes. Every edit is checked with the whole bot (the same
 * validation as a reload) on a copy of the locale folder before it may be written; writing goes through a temp
 * file and a rename, so the file is never half-written.
 */
export function createMessageEditor(options: { localesDir: string; validate: ValidateLocales }) {
  const writer = createLocaleFileWriter(options);

  const edited = (edit: MessageEdit) => {
    if (!KEY.test(edit.key) || edit.key.startsWith('faq.')) throw new MessageEditError('invalid_key', 'Give a message key such as order_status.ask_number (FAQ answers live in faq.yaml).');
    checkVariants(edit.text, edit.voice);
    const before = readFileSync(writer.fileOf(edit.locale, 'messages.yaml'), 'utf8');
    const current = parseDocument(before).getIn(edit.key.split('.'), true) as YamlNode | undefined;
    if (!current || !current.range) throw new MessageEditError('unknown_key', `There is no message ${edit.key} in ${edit.locale}/messages.yaml.`);
    return { locale: edit.locale, fileName: 'messages.yaml', before, after: rewriteMessageValue(before, current as YamlNode & { range: [number, number, number] }, edit.text, edit.voice) };
  };

  return {
    /** The change as a diff, and the problems the bot would have with it. */
    preview: async (edit: MessageEdit): Promise<EditPreview> => writer.preview(edited(edit)),
    /** Writes the previewed change; refused when it would not validate or the file changed since the preview. */
    save: async (edit: MessageEdit, previewed: string): Promise<EditPreview> => writer.save(edited(edit), previewed),
  };
}
