import { existsSync, readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Locale } from '../../../core/turn';
import { createLocaleFileWriter, MessageEditError, yamlScalar, type EditPreview, type LocaleFileChange, type ValidateLocales } from './locale-file-edit';
import { checkVariants, rewriteMessageValue } from './message-editor';

/** Examples added to and removed from one intent; `faq.<id>` edits that FAQ entry's questions in faq.yaml. */
export interface ExampleEdit {
  locale: Locale;
  intent: string;
  add: string[];
  remove: string[];
}

/** A new answer for one FAQ entry, in the same shape as a message. */
export interface FaqAnswerEdit {
  locale: Locale;
  id: string;
  text: string[];
  voice: string[];
}

export interface LocaleNluView {
  intents: { intent: string; examples: string[] }[];
  faq: { id: string; questions: string[]; answer: unknown }[];
}

const INTENT = /^(faq\.)?[a-z0-9_]+$/;
const MAX_EXAMPLE = 500;

type Ranged = YamlNode & { range: [number, number, number] };

/**
 * Edits the NLU training data in the browser the way a designer would by hand: an example is one line added to or
 * removed from its intent's list in `nlu.yaml` (or an FAQ entry's questions in `faq.yaml`), an FAQ answer is its
 * value rewritten; comments, order and every other line stay as they are. The whole bot is validated with the
 * change before it may be written (see createLocaleFileWriter); the reload afterwards retrains the NLU.
 */
export function createNluEditor(options: { localesDir: string; validate: ValidateLocales }) {
  const writer = createLocaleFileWriter(options);
  const read = (locale: Locale, fileName: string): string => {
    const file = writer.fileOf(locale, fileName);
    if (!existsSync(file)) throw new MessageEditError('unknown_intent', `There is no ${locale}/${fileName}.`);
    return readFileSync(file, 'utf8');
  };
  const faqEntry = (source: string, id: string): YAMLMap | undefined => {
    const root = parseDocument(source).contents as YamlNode | null;
    return isSeq(root) ? (root.items as unknown[]).find((item) => isMap(item) && item.get('id') === id) as YAMLMap | undefined : undefined;
  };

  const examplesEdited = (edit: ExampleEdit): LocaleFileChange => {
    if (!INTENT.test(edit.intent)) throw new MessageEditError('invalid_intent', 'Give an intent such as order_status, or faq.<id> for an FAQ entry\'s questions.');
    const add = edit.add.map((example) => example.trim());
    const remove = edit.remove.map((example) => example.trim());
    if (add.length + remove.length === 0) throw new MessageEditError('invalid_example', 'Add or remove at least one example.');
    if ([...add, ...remove].some((example) => example === '' || example.length > MAX_EXAMPLE || /[\r\n]/.test(example))) {
      throw new MessageEditError('invalid_example', `An example is one line of at most ${MAX_EXAMPLE} characters, not empty.`);
    }
    const isFaq = edit.intent.startsWith('faq.');
    const fileName = isFaq ? 'faq.yaml' : 'nlu.yaml';
    const before = read(edit.locale, fileName);
    const listOf = (source: string): YAMLSeq | undefined => {
      const node = isFaq ? faqEntry(source, edit.intent.slice(4))?.get('questions', true) : parseDocument(source).getIn(['intents', edit.intent], true);
      return isSeq(node) && node.range ? node : undefined;
    };
    const itemsOf = (list: YAMLSeq): string[] => list.items.map((item) => (isScalar(item) ? String(item.value) : ''));
    const original = listOf(before);
    if (!original) throw new MessageEditError('unknown_intent', `There is no intent ${edit.intent} with a list of examples in ${edit.locale}/${fileName}.`);
    const existing = itemsOf(original);
    const missing = remove.find((example) => !existing.includes(example));
    if (missing !== undefined) throw new MessageEditError('unknown_example', `${edit.intent} has no example "${missing}".`);
    const duplicate = add.find((example, index) => (existing.includes(example) && !remove.includes(example)) || add.indexOf(example) !== index);
    if (duplicate !== undefined) throw new MessageEditError('duplicate_example', `${edit.intent} already has the example "${duplicate}".`);
    if (existing.length - remove.length + add.length < 1) throw new MessageEditError('invalid_example', `${edit.intent} needs at least one example.`);

    let after = before;
    if (original.flow) {
      // [a, b] stays a one-line list.
      const items = [...existing.filter((example) => !remove.includes(example)), ...add];
      const range = original.range as [number, number, number];
      after = before.slice(0, range[0]) + `[${items.map((item) => yamlScalar(item, true)).join(', ')}]` + before.slice(range[0] + before.slice(range[0], range[1]).trimEnd().length);
      return { locale: edit.locale, fileName, before, after };
    }
    // A block list: each removal deletes its item's lines, each addition is a new line after the last item.
    for (const example of remove) {
      const list = listOf(after) as YAMLSeq;
      const item = list.items.find((node) => isScalar(node) && String(node.value) === example) as Ranged;
      const lineStart = after.lastIndexOf('\n', item.range[0]) + 1;
      const end = item.range[0] + after.slice(item.range[0], item.range[1]).trimEnd().length;
      const lineEnd = after.indexOf('\n', end);
      after = after.slice(0, lineStart) + (lineEnd === -1 ? '' : after.slice(lineEnd + 1));
    }
    for (const example of add) {
      const list = listOf(after) as YAMLSeq;
      const last = list.items[list.items.length - 1] as Ranged;
      const lineStart = after.lastIndexOf('\n', last.range[0]) + 1;
      const indent = /^\s*/.exec(after.slice(lineStart))?.[0] ?? '';
      const end = last.range[0] + after.slice(last.range[0], last.range[1]).trimEnd().length;
      let lineEnd = after.indexOf('\n', end);
      if (lineEnd === -1) { after += '\n'; lineEnd = after.length - 1; }
      after = `${after.slice(0, lineEnd + 1)}${indent}- ${yamlScalar(example)}\n${after.slice(lineEnd + 1)}`;
    }
    return { locale: edit.locale, fileName, before, after };
  };

  const answerEdited = (edit: FaqAnswerEdit): LocaleFileChange => {
    checkVariants(edit.text, edit.voice);
    const before = read(edit.locale, 'faq.yaml');
    const answer = faqEntry(before, edit.id)?.get('answer', true) as YamlNode | undefined;
    if (!answer?.range) throw new MessageEditError('unknown_faq', `There is no FAQ entry ${edit.id} with an answer in ${edit.locale}/faq.yaml.`);
    return { locale: edit.locale, fileName: 'faq.yaml', before, after: rewriteMessageValue(before, answer as Ranged, edit.text, edit.voice) };
  };

  return {
    /** The intents' examples and the FAQ entries of a locale as the files say now (a broken file: an error naming it). */
    view(locale: Locale): LocaleNluView {
      const parsed = (fileName: string): unknown => {
        if (!existsSync(writer.fileOf(locale, fileName))) return undefined;
        const document = parseDocument(read(locale, fileName));
        if (document.errors.length > 0) throw new MessageEditError('broken_file', `${locale}/${fileName} is not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
        return document.toJS() as unknown;
      };
      const nlu = parsed('nlu.yaml') as { intents?: Record<string, unknown> } | undefined;
      const faq = parsed('faq.yaml');
      const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
      return {
        intents: Object.entries(nlu?.intents ?? {}).map(([intent, examples]) => ({ intent, examples: strings(examples) })),
        faq: (Array.isArray(faq) ? faq as { id?: unknown; questions?: unknown; answer?: unknown }[] : [])
          .filter((entry) => typeof entry?.id === 'string')
          .map((entry) => ({ id: String(entry.id), questions: strings(entry.questions), answer: entry.answer ?? null })),
      };
    },
    previewExamples: async (edit: ExampleEdit): Promise<EditPreview> => writer.preview(examplesEdited(edit)),
    saveExamples: async (edit: ExampleEdit, previewed: string): Promise<EditPreview> => writer.save(examplesEdited(edit), previewed),
    previewAnswer: async (edit: FaqAnswerEdit): Promise<EditPreview> => writer.preview(answerEdited(edit)),
    saveAnswer: async (edit: FaqAnswerEdit, previewed: string): Promise<EditPreview> => writer.save(answerEdited(edit), previewed),
  };
}
