import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Locale } from '../core/turn';
import { emptyConversationWords, SHORT_REPLY_ORDER, type ConversationWords, type ShortReplyCategory } from './conversation-words';
import { emptyLexicon, type SentimentLexicon } from './sentiment';

/** A value of a custom list entity and the other ways customers say it. */
export interface ListEntityValue {
  value: string;
  synonyms: string[];
}

/** The NLU training data of one locale, from `locales/<lang>/{nlu,faq,sentiment}.yaml`. */
export interface LocaleNluData {
  locale: Locale;
  /** Intent → example utterances; FAQ entries are here as `faq.<id>`. */
  intents: Record<string, string[]>;
  /** Custom list entities. */
  entities: Record<string, ListEntityValue[]>;
  /** Out-of-scope examples. */
  oos: string[];
  sentiment: SentimentLexicon;
  /** Short replies, rating words and request joiners (`conversation.yaml`). */
  conversation: ConversationWords;
}

export interface NluData {
  locales: Partial<Record<Locale, LocaleNluData>>;
}

/** Malformed NLU data; the message names the file and line and says what to fix. */
export class NluDataError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, problem: string) {
    super(`${file}${line ? `:${line}` : ''}: ${problem}`);
    this.name = 'NluDataError';
  }
}

const INTENT_NAME = /^[a-z][a-z0-9_]*$/;

interface YamlFile {
  file: string;
  root: Node | null;
  lineOf(node: Node | null | undefined): number | undefined;
}

function readYaml(file: string): YamlFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    throw new NluDataError(file, lineCounter.linePos(error.pos[0]).line, `not valid YAML: ${error.message.split('\n')[0]}`);
  }
  return {
    file,
    root: document.contents as Node | null,
    lineOf: (node) => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined),
  };
}

function stringList(yaml: YamlFile, node: unknown, what: string): string[] {
  if (!isSeq(node)) throw new NluDataError(yaml.file, yaml.lineOf(node as Node), `${what} must be a list of phrases`);
  return node.items.map((item) => {
    if (!isScalar(item) || (typeof item.value !== 'string' && typeof item.value !== 'number') || String(item.value).trim() === '') {
      throw new NluDataError(yaml.file, yaml.lineOf(item as Node), `${what}: every item must be a non-empty phrase`);
    }
    return String(item.value);
  });
}

function readNluYaml(yaml: YamlFile, data: LocaleNluData): void {
  if (yaml.root === null) return;
  if (!isMap(yaml.root)) throw new NluDataError(yaml.file, yaml.lineOf(yaml.root), 'expected a map with intents, entities and oos');
  for (const pair of yaml.root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as Node | null;
    if (key === 'intents') {
      if (!isMap(value)) throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), 'intents must map intent names to lists of example phrases');
      for (const intentPair of value.items) {
        const name = isScalar(intentPair.key) ? String(intentPair.key.value) : '';
        if (!INTENT_NAME.test(name)) {
          throw new NluDataError(yaml.file, yaml.lineOf(intentPair.key as Node), `intent name "${name}" must be lower-case letters, digits and _ (e.g. order_status)`);
        }
        data.intents[name] = [...(data.intents[name] ?? []), ...stringList(yaml, intentPair.value, `intent ${name}`)];
      }
    } else if (key === 'entities') {
      if (!isMap(value)) throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), 'entities must map entity names to lists of {value, synonyms}');
      for (const entityPair of value.items) {
        const name = isScalar(entityPair.key) ? String(entityPair.key.value) : '';
        if (!INTENT_NAME.test(name)) throw new NluDataError(yaml.file, yaml.lineOf(entityPair.key as Node), `entity name "${name}" must be lower-case letters, digits and _`);
        if (!isSeq(entityPair.value)) throw new NluDataError(yaml.file, yaml.lineOf(entityPair.key as Node), `entity ${name} must be a list of {value, synonyms}`);
        data.entities[name] = entityPair.value.items.map((item) => {
          const json = (item as Node).toJSON() as unknown;
          if (typeof json === 'string') return { value: json, synonyms: [] };
          const entry = json as { value?: unknown; synonyms?: unknown };
          if (!entry || typeof entry.value !== 'string' || (entry.synonyms !== undefined && !(Array.isArray(entry.synonyms) && entry.synonyms.every((s) => typeof s === 'string')))) {
            throw new NluDataError(yaml.file, yaml.lineOf(item as Node), `entity ${name}: each item needs value: text and optionally synonyms: [list of texts]`);
          }
          return { value: entry.value, synonyms: (entry.synonyms as string[] | undefined) ?? [] };
        });
      }
    } else if (key === 'oos') {
      data.oos.push(...stringList(yaml, value, 'oos'));
    } else {
      throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), `unknown key "${key}": use intents, entities or oos`);
    }
  }
}

function readFaqYaml(yaml: YamlFile, data: LocaleNluData): void {
  if (yaml.root === null) return;
  if (!isSeq(yaml.root)) throw new NluDataError(yaml.file, yaml.lineOf(yaml.root), 'expected a list of entries with id, questions and answer');
  for (const item of yaml.root.items) {
    if (!isMap(item)) throw new NluDataError(yaml.file, yaml.lineOf(item as Node), 'each FAQ entry must be a map with id, questions and answer');
    const id = item.get('id');
    if (typeof id !== 'string' || !/^[a-z0-9_]+$/.test(id)) {
      throw new NluDataError(yaml.file, yaml.lineOf(item), 'FAQ entry needs an id of lower-case letters, digits and _ (e.g. opening_hours)');
    }
    const questions = item.get('questions', true);
    if (!questions) throw new NluDataError(yaml.file, yaml.lineOf(item), `FAQ entry ${id} needs questions: [list of example questions]`);
    data.intents[`faq.${id}`] = stringList(yaml, questions, `FAQ entry ${id} questions`);
  }
}

/**
 * Reads the NLU data of each locale: `nlu.yaml` (required), `faq.yaml` and `sentiment.yaml` (optional).
 * Throws an `NluDataError` naming file and line on malformed data.
 */
export function loadNluData(localesDir: string, locales: Locale[]): NluData {
  const data: NluData = { locales: {} };
  for (const locale of locales) {
    const localeData: LocaleNluData = { locale, intents: {}, entities: {}, oos: [], sentiment: emptyLexicon(), conversation: emptyConversationWords() };
    const nluFile = join(localesDir, locale, 'nlu.yaml');
    if (!existsSync(nluFile)) throw new NluDataError(nluFile, undefined, `missing: every enabled locale needs its NLU training data`);
    readNluYaml(readYaml(nluFile), localeData);
    const faqFile = join(localesDir, locale, 'faq.yaml');
    if (existsSync(faqFile)) readFaqYaml(readYaml(faqFile), localeData);
    const sentimentFile = join(localesDir, locale, 'sentiment.yaml');
    if (existsSync(sentimentFile)) localeData.sentiment = readSentimentYaml(readYaml(sentimentFile));
    const conversationFile = join(localesDir, locale, 'conversation.yaml');
    if (existsSync(conversationFile)) localeData.conversation = readConversationYaml(readYaml(conversationFile));
    if (Object.keys(localeData.intents).length === 0) throw new NluDataError(nluFile, undefined, 'no intents: add intents with example phrases');
    data.locales[locale] = localeData;
  }
  return data;
}

function readSentimentYaml(yaml: YamlFile): SentimentLexicon {
  const lexicon = emptyLexicon();
  if (yaml.root === null) return lexicon;
  if (!isMap(yaml.root)) throw new NluDataError(yaml.file, yaml.lineOf(yaml.root), 'expected a map with positive, negative, negations, intensifiers');
  for (const pair of yaml.root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as Node | null;
    if (key === 'negations' || key === 'contrasts') {
      lexicon[key] = stringList(yaml, value, key).map((word) => word.toLowerCase());
    } else if (key === 'positive' || key === 'negative' || key === 'intensifiers') {
      if (!isMap(value)) throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), `${key} must map words (a trailing * matches any ending) to weights`);
      for (const entry of value.items) {
        const word = isScalar(entry.key) ? String(entry.key.value).toLowerCase() : '';
        const weight = isScalar(entry.value) ? entry.value.value : undefined;
        if (!word || typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 3) {
          throw new NluDataError(yaml.file, yaml.lineOf(entry.key as Node), `${key}: "${word}" needs a weight between 0 and 3 (e.g. ${word || 'hyvä'}: 0.5)`);
        }
        lexicon[key][word] = weight;
      }
    } else {
      throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), `unknown key "${key}": use positive, negative, negations, intensifiers, contrasts`);
    }
  }
  return lexicon;
}

/** Reads one `sentiment.yaml`; throws an `NluDataError` naming file and line on malformed data. */
export function loadSentimentLexicon(file: string): SentimentLexicon {
  return readSentimentYaml(readYaml(file));
}

function readConversationYaml(yaml: YamlFile): ConversationWords {
  const words = emptyConversationWords();
  if (yaml.root === null) return words;
  if (!isMap(yaml.root)) throw new NluDataError(yaml.file, yaml.lineOf(yaml.root), 'expected a map with replies, filler, ratings and joiners');
  for (const pair of yaml.root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as Node | null;
    if (key === 'replies') {
      if (!isMap(value)) throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), `replies must map ${SHORT_REPLY_ORDER.join(', ')} to lists of phrases`);
      for (const entry of value.items) {
        const category = isScalar(entry.key) ? String(entry.key.value) : '';
        if (!(SHORT_REPLY_ORDER as readonly string[]).includes(category)) {
          throw new NluDataError(yaml.file, yaml.lineOf(entry.key as Node), `unknown short reply "${category}": use ${SHORT_REPLY_ORDER.join(', ')}`);
        }
        words.replies[category as ShortReplyCategory] = stringList(yaml, entry.value, `replies.${category}`);
      }
    } else if (key === 'filler' || key === 'joiners' || key === 'another') {
      words[key] = stringList(yaml, value, key);
    } else if (key === 'question_words') {
      words.questionWords = stringList(yaml, value, key);
    } else if (key === 'refers_back') {
      words.refersBack = stringList(yaml, value, key);
    } else if (key === 'corrections') {
      words.corrections = stringList(yaml, value, key);
    } else if (key === 'story_words') {
      words.storyWords = stringList(yaml, value, key);
    } else if (key === 'request_words') {
      words.requestWords = stringList(yaml, value, key);
    } else if (key === 'acknowledgements') {
      words.acknowledgements = stringList(yaml, value, key);
    } else if (key === 'synonyms') {
      if (!isMap(value)) throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), 'synonyms must map a word to the words that mean the same (e.g. netti: [laajakaista, valokuitu])');
      for (const entry of value.items) {
        const word = isScalar(entry.key) ? String(entry.key.value).trim() : '';
        if (!/^\p{L}[\p{L}-]*$/u.test(word)) throw new NluDataError(yaml.file, yaml.lineOf(entry.key as Node), `synonyms: "${word}" must be one word`);
        const list = stringList(yaml, entry.value, `synonyms.${word}`);
        const short = list.find((variant) => !/^\p{L}{4,}$/u.test(variant));
        if (short !== undefined) throw new NluDataError(yaml.file, yaml.lineOf(entry.key as Node), `synonyms.${word}: "${short}" must be one word of four or more letters (it matches words that start with it)`);
        words.synonyms[word] = list;
      }
    } else if (key === 'ratings') {
      if (!isMap(value)) throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), 'ratings must map a number to the words that name it (e.g. "4": [nelonen])');
      for (const entry of value.items) {
        const number = isScalar(entry.key) ? String(entry.key.value) : '';
        if (!/^\d{1,2}$/.test(number)) throw new NluDataError(yaml.file, yaml.lineOf(entry.key as Node), `ratings: "${number}" must be a number from 0 to 10`);
        words.ratings[number] = stringList(yaml, entry.value, `ratings.${number}`);
      }
    } else {
      throw new NluDataError(yaml.file, yaml.lineOf(pair.key as Node), `unknown key "${key}": use replies, filler, ratings, joiners, question_words, another, refers_back, corrections, story_words, request_words, acknowledgements or synonyms`);
    }
  }
  return words;
}
