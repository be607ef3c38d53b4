import type { EntityMatch, IntentScore, Nlu, NluContext, NluResult } from '../core/nlu';
import { NOT_A_REQUEST, OUT_OF_SCOPE } from '../core/nlu';
import { isLocale, type Locale } from '../core/turn';
import { BUILT_IN_ENTITIES, createEntityExtractor, type ExtractContext } from './entities/extract-entities';
import { intentClassifierFromBuffer, trainIntentClassifier, type IntentClassifier, type LabelledText } from './intent-classifier';
import { createLanguageIdentifier } from './language-id';
import type { LocaleNluData, NluData } from './load-nlu-data';
import { cacheFile, pruneCache, readCache, trainingHash, writeCache } from './model-cache';
import { createSentimentAnalyser } from './sentiment';
import { createTypoCorrector } from './typo-correction';
import { afterCorrection, createDetailCounter, createShortReplyReader, createSynonymRewriter, splitRequests, type ShortReplyReader } from './conversation-words';

export interface CreateNluOptions {
  /** Where trained models are kept, keyed by the training data's hash; without it every start trains. */
  cacheDir?: string;
  /** Regular expression for order numbers (whole candidate); default 5–8 digits. */
  orderNumberPattern?: string;
  /** Overrides the calibrated out-of-scope threshold per locale (0–1). */
  oosThreshold?: Partial<Record<Locale, number>>;
  /** Time zone for relative dates (default Europe/Helsinki). */
  timeZone?: string;
  /** The clock relative dates use when the context has no `now`. */
  now?: () => number;
}

/** How each locale's model was obtained at start-up. */
export interface NluModelInfo {
  locale: Locale;
  fromCache: boolean;
  trainMs: number;
  threshold: number;
  intents: number;
  examples: number;
}

export interface CreatedNlu extends Nlu {
  modelInfo(): NluModelInfo[];
}

/** Two intents whose confidences differ by less than this are "too close to tell" (did you mean X or Y?). */
const AMBIGUITY_MARGIN = 0.15;
/** Below this the runner-up is no real candidate. */
const MIN_AMBIGUOUS = 0.15;
const MAX_TEXT = 2000;

interface LocaleRuntime {
  classifier: IntentClassifier;
  threshold: number;
  /** Word stems (first 4 letters) of the training data: a line with none of them is nothing the bot was taught. */
  knownStems: Set<string>;
  extract: (text: string, context: ExtractContext) => EntityMatch[];
  sentiment: (text: string) => { score: number; evaluativeWords: number };
  correctTypos: (text: string) => string;
  replies: ShortReplyReader;
  joiners: string[];
  /** Splits a line at its one-word joiners ("ja", "and", "och"). */
  joinerBreak: RegExp;
  corrections: string[];
  detailWords: (text: string) => number;
}

/** The training lines of a locale, synonyms read as their word (as the classifier reads customers' lines). */
export function trainingExamples(data: LocaleNluData): LabelledText[] {
  const rewrite = createSynonymRewriter(data.conversation?.synonyms ?? {});
  const examples: LabelledText[] = [];
  for (const [intent, phrases] of Object.entries(data.intents)) for (const text of phrases) examples.push({ text: rewrite(text), intent });
  for (const text of data.oos) examples.push({ text: rewrite(text), intent: OUT_OF_SCOPE });
  return examples;
}

/** The training lines as written, and the synonym variants: the vocabulary of typo correction and of known words. */
function writtenLines(data: LocaleNluData): string[] {
  return [...Object.values(data.intents).flat(), ...data.oos, ...Object.values(data.conversation?.synonyms ?? {}).flat()];
}

/** The classifier reading synonyms as their word, as it was trained (see trainingExamples). */
function readingSynonyms(classifier: IntentClassifier, rewrite: (text: string) => string): IntentClassifier {
  return {
    locale: classifier.locale, intents: classifier.intents, threshold: classifier.threshold, temperature: classifier.temperature,
    classify: (text, top) => classifier.classify(rewrite(text), top),
    calibratedOn: (examples) => readingSynonyms(classifier.calibratedOn(examples.map((example) => ({ ...example, text: rewrite(example.text) }))), rewrite),
    toBuffer: () => classifier.toBuffer(),
  };
}

/** A locale's intent classifier: read from the model cache when its training data is unchanged, else trained (and cached). */
export function loadOrTrainClassifier(data: LocaleNluData, cacheDir: string | undefined): { classifier: IntentClassifier; info: NluModelInfo } {
  const started = Date.now();
  const examples = trainingExamples(data);
  const file = cacheDir ? cacheFile(cacheDir, data.locale, trainingHash({ locale: data.locale, examples })) : undefined;
  const cached = file ? readCache(file) : undefined;
  let classifier: IntentClassifier | undefined;
  if (cached) {
    try {
      classifier = intentClassifierFromBuffer(cached);
    } catch {
      classifier = undefined; // a damaged or old cache file: train again and overwrite it
    }
  }
  const fromCache = classifier !== undefined;
  classifier ??= trainIntentClassifier(data.locale, examples);
  if (!fromCache && file && writeCache(file, classifier.toBuffer())) pruneCache(file, data.locale);
  const synonyms = data.conversation?.synonyms ?? {};
  return {
    classifier: Object.keys(synonyms).length > 0 ? readingSynonyms(classifier, createSynonymRewriter(synonyms)) : classifier,
    info: {
      locale: data.locale, fromCache, trainMs: Date.now() - started, threshold: classifier.threshold,
      intents: classifier.intents.length, examples: examples.length,
    },
  };
}

/**
 * Builds the NLU: per locale an intent classifier (trained at start-up, or read from the cache when the training
 * data is unchanged), entity extraction, sentiment, and a language identifier over the configured locales.
 */
export function createNlu(data: NluData, options: CreateNluOptions = {}): CreatedNlu {
  const locales = (Object.keys(data.locales) as Locale[]).filter(isLocale);
  if (locales.length === 0) throw new Error('createNlu: no locale has NLU data; load it with loadNluData(localesDir, locales)');
  for (const [locale, threshold] of Object.entries(options.oosThreshold ?? {})) {
    if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
      throw new Error(`createNlu: oosThreshold.${locale} must be a number from 0 to 1, got ${String(threshold)}`);
    }
  }
  const runtimes = new Map<Locale, LocaleRuntime>();
  const infos: NluModelInfo[] = [];
  const customEntities = new Set<string>();
  for (const locale of locales) {
    const localeData = data.locales[locale] as LocaleNluData;
    const { classifier, info } = loadOrTrainClassifier(localeData, options.cacheDir);
    infos.push(info);
    Object.keys(localeData.entities).forEach((name) => customEntities.add(name));
    runtimes.set(locale, {
      classifier,
      threshold: options.oosThreshold?.[locale] ?? classifier.threshold,
      extract: createEntityExtractor({ locale, lists: localeData.entities, orderNumberPattern: options.orderNumberPattern, timeZone: options.timeZone }),
      sentiment: createSentimentAnalyser(localeData.sentiment),
      // As written (synonyms not yet read as their word), with the synonyms themselves: the words a customer may use.
      knownStems: new Set(writtenLines(localeData).flatMap(wordStems)),
      correctTypos: createTypoCorrector(writtenLines(localeData)),
      replies: createShortReplyReader(localeData.conversation),
      joiners: localeData.conversation.joiners,
      joinerBreak: joinerPattern(localeData.conversation.joiners),
      corrections: localeData.conversation.corrections,
      detailWords: createDetailCounter(localeData.conversation.requestWords, [...localeData.sentiment.negations, ...Object.keys(localeData.sentiment.intensifiers), ...localeData.conversation.filler]),
    });
  }
  const samples: Partial<Record<Locale, string[]>> = {};
  for (const locale of locales) samples[locale] = writtenLines(data.locales[locale] as LocaleNluData);
  const languageId = createLanguageIdentifier(samples);
  const clock = options.now ?? Date.now;

  return {
    modelInfo: () => infos.map((info) => ({ ...info })),
    entityTypes: () => [...BUILT_IN_ENTITIES, ...customEntities],
    intents: (locale) => [...(runtimes.get(locale)?.classifier.intents ?? [])],
    understand(rawText: string, context: NluContext): NluResult {
      const text = typeof rawText === 'string' ? rawText.slice(0, MAX_TEXT) : '';
      const conversationLocale = context && isLocale(context.locale) && runtimes.has(context.locale) ? context.locale : locales[0];
      const language = languageId.identify(text);
      // The customer may have switched language: understand the words in the language they are in.
      // A word or two says too little about the language ("bra service", "ok"): the conversation's language then.
      const enoughWords = (text.match(/\p{L}{2,}/gu) ?? []).length >= 3;
      const locale = language && enoughWords && runtimes.has(language) ? language : conversationLocale;
      const runtime = runtimes.get(locale) as LocaleRuntime;
      const entities = runtime.extract(text, { now: context?.now ?? clock(), expectedEntity: context?.expectedEntity });
      const evaluation = runtime.sentiment(text);
      const sentiment = evaluation.score;
      if (text.trim() === '' || !/[\p{L}\p{N}]/u.test(text)) {
        return { intent: OUT_OF_SCOPE, confidence: 0, ranking: [], entities, language: undefined, sentiment };
      }
      const rating = runtime.replies.rating(text);
      if (rating) entities.push({ type: 'rating', value: String(rating.value), text: rating.text, start: rating.start, end: rating.end });
      let replies = runtime.replies.categories(text);
      // A reason after letting go, or after not knowing the value a question waits for, keeps it a reply; not
      // knowing at an open question ("en tiedä miksi netti ei toimi…") is how a problem is told.
      const opening = replies.length === 0 ? runtime.replies.opening(text) : undefined;
      const waitsForValue = context?.expectedEntity !== undefined && context.expectedEntity !== 'any_text' && context.expectedEntity !== 'yes_no';
      if (opening && (opening.category === 'withdraw' || waitsForValue)) replies = [opening.category];
      const reply = replies[0];
      // A street, a town or an e-mail address says nothing about what the customer wants: the model reads the rest.
      const request = withoutLeadingJoiner(afterCorrection(withoutValues(text, entities), runtime.corrections), runtime.joiners);
      const result = pastLeadingReply(classifyText(runtime, request, context?.expectedIntents, { entities, language, sentiment }), reply, request, runtime, context?.expectedIntents);
      // How sure the words beyond a short reply are of the same intent: "no idea what the number is" asks for no
      // contact details although "what the number is" alone would; "en tiedä, netti ei toimi" is still the outage.
      const unexplained = !reply ? '' : opening && reply === opening.category ? opening.rest : runtime.replies.unexplained(request);
      const afterLettingGo = opening?.category === 'withdraw' ? requestAfterWithdrawal(text, request, runtime, context?.expectedIntents) : undefined;
      if (afterLettingGo) {
        Object.assign(result, { intent: afterLettingGo.intent, confidence: afterLettingGo.confidence, ranking: afterLettingGo.ranking, ambiguous: afterLettingGo.ambiguous, requestConfidence: afterLettingGo.confidence });
      } else if (unexplained) {
        const rest = runtime.classifier.classify(unexplained, 5).ranking;
        result.requestConfidence = rest.find((score) => score.intent === result.intent)?.confidence ?? 0;
      }
      if (reply) {
        result.reply = reply;
        if (replies.length > 1) result.replyParts = replies;
      }
      // A verdict, not only thanks: "olit tosi nopee, kiitos!" at a rating question rates, "kiitos moi" does not.
      if (evaluation.evaluativeWords > 0 && runtime.sentiment(runtime.replies.withoutThanks(text)).evaluativeWords > 0) result.evaluative = true;
      if (runtime.replies.isQuestion(text)) result.question = true;
      if (runtime.replies.mentionsAnother(text)) result.another = true;
      if (runtime.replies.refersBack(text)) result.refersBack = true;
      result.detailWords = runtime.detailWords(text);
      if (lacksANumber(text, runtime)) result.lacksNumber = true;
      return reply ? result : surestClause(withFurtherRequests(pastHelpOpener(greetingWithRemark(pastGreeting(result, request, runtime, context?.expectedIntents), request, runtime), request, runtime), request, runtime, context?.expectedIntents, entities), request, runtime, context?.expectedIntents);
    },
  };
}

/**
 * "Och när kommer det fram?", "and how long does it take?": a line that opens with a joining word continues the
 * conversation; the joiner says nothing about what is asked, so it is blanked (offsets stay valid).
 */
function withoutLeadingJoiner(text: string, joiners: string[]): string {
  const match = /^(\s*)([\p{L}]+)([\s,]+)/u.exec(text);
  if (!match || !joiners.some((joiner) => joiner.toLowerCase() === match[2].toLowerCase())) return text;
  if ((text.slice(match[0].length).match(/\p{L}{2,}/gu) ?? []).length < 2) return text;
  return ' '.repeat(match[0].length) + text.slice(match[0].length);
}

/**
 * "strunta i det förresten, jag såg att det stämmer. men när förfaller nästa faktura?": after letting the matter go,
 * the customer often explains and then asks the new thing in a clause of its own; the clause the model is surest of
 * is the request (the explanation in between would water the whole line down), or else all that follows the letting go.
 */
function requestAfterWithdrawal(text: string, request: string, runtime: LocaleRuntime, expectedIntents: string[] | undefined): NluResult | undefined {
  // The clause that lets go names the old matter ("forget the order for a sec, my invoice…"): it is left out.
  // Where it ends is read in the line as written (a correction phrase may have blanked more of `request`, which
  // keeps the line's offsets).
  const first = CLAUSE_BREAK.exec(text);
  if (!first) return undefined;
  const rest = request.slice(first.index + first[0].length);
  // Below the out-of-scope threshold classifyText already says oos, so any request reading counts.
  return surestRequest([rest, ...clausesOf(rest)], runtime, expectedIntents, () => true);
}

/** The clauses of a line that have words enough (two or more) to ask something. */
function clausesOf(text: string): string[] {
  return text.split(CLAUSE_BREAK).filter((clause) => (clause.match(/\p{L}{2,}/gu) ?? []).length >= 2);
}

/** Of the candidate texts, the reading the model is surest of that is a request and that `accept` takes. */
function surestRequest(candidates: string[], runtime: LocaleRuntime, expectedIntents: string[] | undefined, accept: (understood: NluResult) => boolean): NluResult | undefined {
  let best: NluResult | undefined;
  for (const candidate of candidates) {
    if ((candidate.match(/\p{L}{2,}/gu) ?? []).length < 2) continue;
    const understood = classifyText(runtime, candidate, expectedIntents, { entities: [], sentiment: 0 });
    if (NOT_A_REQUEST.has(understood.intent) || !accept(understood)) continue;
    if (!best || understood.confidence > best.confidence) best = understood;
  }
  return best;
}

/** Where a line's clauses part: punctuation, and "but" ("mut", "men", "though"), which often leads to what is missing. */
const CLAUSE_BREAK = /[,.;!?]+|\s(?:mut|mutta|but|though|tho|men)\s/iu;

function joinerPattern(joiners: string[]): RegExp {
  const single = joiners.filter((word) => /^\p{L}+$/u.test(word)).map((word) => word.toLowerCase());
  return single.length ? new RegExp(`\\s(?:${single.join('|')})\\s`, 'iu') : /$^/u;
}

/** A word for a number, also inside a compound ("tilausnumeroa", "ordernumret", "invoice no"). */
const NUMBER_WORD = /numero|number|nummer|numret|\bnro\b|\bnr\b/iu;

/**
 * "…men ja har int nå ordernummer", "odotan pakettia mut mulla ei oo tilausnumeroa": a clause of a longer line (not
 * a line on its own: that is a short reply) says "I don't have / can't find" a number.
 */
function lacksANumber(text: string, runtime: LocaleRuntime): boolean {
  if (!NUMBER_WORD.test(text)) return false;
  // "paketti ei oo tullu ja tilausnumerokin on hukassa": a joining word parts clauses too.
  const clauses = text.split(CLAUSE_BREAK).flatMap((clause) => clause.split(runtime.joinerBreak)).map((clause) => clause.trim()).filter((clause) => /\p{L}{2,}/u.test(clause));
  return clauses.length > 1 && clauses.some((clause) => NUMBER_WORD.test(clause) && runtime.replies.categories(clause).includes('dont_know'));
}

/** Entity types whose words are values, not the request: they are blanked out before the intent is read. */
const VALUE_ENTITIES = new Set(['address', 'postcode', 'email', 'phone', 'hetu', 'iban', 'card_number']);

/** The text with value entities blanked (same length, so offsets stay valid). */
function withoutValues(text: string, entities: EntityMatch[]): string {
  let masked = text;
  for (const entity of entities) {
    if (VALUE_ENTITIES.has(entity.type) && entity.end > entity.start) masked = masked.slice(0, entity.start) + ' '.repeat(entity.end - entity.start) + masked.slice(entity.end);
  }
  return masked;
}

function classifyText(runtime: LocaleRuntime, rawText: string, expectedIntents: string[] | undefined, rest: Pick<NluResult, 'entities' | 'language' | 'sentiment'>): NluResult {
  const text = runtime.correctTypos(rawText);
  const { ranking, predictedOutOfScope } = runtime.classifier.classify(text, 5);
  const words = wordStems(text);
  if (words.length > 0 && !words.some((stem) => runtime.knownStems.has(stem)) && rest.entities.length === 0) {
    return { intent: OUT_OF_SCOPE, confidence: ranking[0]?.confidence ?? 0, ranking, ...rest };
  }
  return decide(ranking, predictedOutOfScope, runtime.threshold, expectedIntents, rest);
}

/** Intents that are no request of their own when they come with another one ("hei, …", "…, kiitos"). */
/** How sure the model must be of each part of a message before the parts count as separate requests. */
const MIN_PART_CONFIDENCE = 0.6;
/** How sure of a part the model must be when the whole message already reads as another of the parts. */
const SURE_PART_CONFIDENCE = 0.8;
/**
 * Requests that go first whatever the order they were said in, most urgent first: danger to people, then a person
 * asked for by name ("netti ei toimi ja haluun puhua ihmiselle"): the customer who asks for a person gets one, and
 * the other matter goes with them.
 */
const URGENT = ['emergency', 'human_agent'];
/** An urgent part goes first only when the model is sure of it. */
const URGENT_CONFIDENCE = 0.8;

/**
 * "Nej det hjälpte inte, jag vill prata med någon", "no that didn't help, get me a person": a short reply leading the
 * line does not water down the request after it; what follows the reply clause is read on its own and wins when the
 * model is surer of it. (The yes or no in front is still there for the question: the yes_no entity.)
 */
function pastLeadingReply(result: NluResult, reply: string | undefined, text: string, runtime: LocaleRuntime, expectedIntents: string[] | undefined): NluResult {
  if (reply) return result;
  const boundary = text.search(/[,.!;:–—]/u);
  if (boundary <= 0) return result;
  const rest = text.slice(boundary + 1);
  if ((rest.match(/\p{L}{2,}/gu) ?? []).length < 2 || runtime.replies.categories(text.slice(0, boundary)).length === 0) return result;
  const understood = classifyText(runtime, rest, expectedIntents, { entities: result.entities, language: result.language, sentiment: result.sentiment });
  if (understood.intent === OUT_OF_SCOPE || understood.confidence <= result.confidence) return result;
  return { ...result, intent: understood.intent, confidence: understood.confidence, ranking: understood.ranking, ambiguous: understood.ambiguous };
}

/**
 * "Huomenta! Onpa kylmä aamu täällä", "hi there, lovely weather today": a greeting with a remark that asks nothing is
 * a greeting, not an out-of-scope question (the remark alone reads as off-topic).
 */
function greetingWithRemark(result: NluResult, text: string, runtime: LocaleRuntime): NluResult {
  if (!CHAT_INTENTS.has(result.intent) || runtime.replies.isQuestion(text)) return result;
  const boundary = text.search(/[,.!;:]/u);
  if (boundary <= 0) return result;
  const opening = runtime.classifier.classify(text.slice(0, boundary), 1).ranking[0];
  if (opening?.intent !== 'greeting' || opening.confidence < MIN_PART_CONFIDENCE) return result;
  return { ...result, intent: 'greeting', confidence: opening.confidence, ambiguous: false };
}

/**
 * "Can u help me book a flight to London", "voitko auttaa mua kirjottaan työhakemuksen", "can you help me with my
 * bill": asking for help with a named task is about the task. The shortest opening the model alone reads as the help
 * intent is set aside and the rest read on its own; a task the bot knows nothing of is out of its scope.
 */
function pastHelpOpener(result: NluResult, text: string, runtime: LocaleRuntime): NluResult {
  if (result.intent !== 'help') return result;
  const words = [...text.matchAll(/\S+/gu)];
  for (let length = 2; length <= Math.min(4, words.length - 2); length++) {
    const cut = (words[length - 1].index ?? 0) + words[length - 1][0].length;
    const rest = text.slice(cut);
    // A task needs words of its own ("kirjottaan työhakemuksen"), not "mua vähän".
    if ((rest.match(/\p{L}{4,}/gu) ?? []).length < 2) return result;
    const opening = runtime.classifier.classify(text.slice(0, cut), 1).ranking[0];
    if (opening?.intent !== 'help' || opening.confidence < MIN_PART_CONFIDENCE) continue;
    // Read on its own: the question's expected intents (help among them at the menu) must not settle what the task is.
    const task = classifyText(runtime, ' '.repeat(cut) + rest, undefined, { entities: result.entities, language: result.language, sentiment: result.sentiment });
    // An unsure reading of a task named with words the bot was never taught ("työhakemuksen") is no task of ours.
    const strange = task.confidence < MIN_PART_CONFIDENCE && (rest.toLowerCase().match(/\p{L}{5,}/gu) ?? []).some((word) => !runtime.knownStems.has(word.slice(0, 4)));
    if (task.intent === OUT_OF_SCOPE || task.intent === 'off_topic' || strange) return { ...result, intent: 'off_topic', confidence: Math.max(task.confidence, opening.confidence * 0.5), ranking: task.ranking, ambiguous: false };
    if (task.intent === 'help' || task.confidence < MIN_PART_CONFIDENCE) return result;
    return { ...result, intent: task.intent, confidence: task.confidence, ranking: task.ranking, ambiguous: task.ambiguous };
  }
  return result;
}

/** Intents of lines the bot has no answer for: with a greeting in front and no question, the greeting is the line (small talk keeps its own answer). */
const CHAT_INTENTS = new Set([OUT_OF_SCOPE, 'off_topic']);

/** "Hej hej, hur mår du?", "moi, mun netti ei toimi": a greeting in front does not hide what follows it. */
function pastGreeting(result: NluResult, text: string, runtime: LocaleRuntime, expectedIntents: string[] | undefined): NluResult {
  if (result.intent !== 'greeting') return result;
  const rest = afterGreeting(text, runtime, true);
  if (rest === undefined) return closingGreeting(result, text, runtime);
  const understood = classifyText(runtime, rest, expectedIntents, { entities: [], sentiment: 0 });
  if (understood.intent === OUT_OF_SCOPE || understood.intent === 'greeting' || understood.confidence < MIN_PART_CONFIDENCE) return closingGreeting(result, text, runtime);
  return { ...result, intent: understood.intent, confidence: understood.confidence, ambiguous: false };
}

/** The greeting word alone ("moikka"), as the model reads it: sure enough to be the greeting. */
function greets(words: string, runtime: LocaleRuntime): boolean {
  const opening = runtime.classifier.classify(words, 1).ranking[0];
  return opening?.intent === 'greeting' && opening.confidence >= MIN_PART_CONFIDENCE;
}

/**
 * What follows a greeting that opens the line ("moro, koska se tulee…", "moikka 😊 onks sulla…"), when it has words
 * enough to be a request; undefined otherwise. `known`: the whole line already reads as a greeting, so its first
 * clause is taken as the greeting without asking the model.
 */
function afterGreeting(text: string, runtime: LocaleRuntime, known = false): string | undefined {
  const enough = (rest: string) => (rest.match(/\p{L}{2,}/gu) ?? []).length >= 2;
  const clause = /^([^,.!?]*)[,.!?]+\s*/u.exec(text);
  if (clause && enough(text.slice(clause[0].length)) && (known || greets(clause[1], runtime))) return text.slice(clause[0].length);
  // Without punctuation, a first word that alone greets is the greeting.
  const first = /^\s*(\S+)\s+/u.exec(text);
  if (first && enough(text.slice(first[0].length)) && greets(first[1], runtime)) return text.slice(first[0].length);
  return undefined;
}

/**
 * "aa okei no sit kaikki hyvin, moikka": in Finnish and Swedish the same word greets and takes leave ("moikka",
 * "hej"); closing a line that opened otherwise, it is a goodbye.
 */
function closingGreeting(result: NluResult, text: string, runtime: LocaleRuntime): NluResult {
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length < 3 || greets(words[0] ?? '', runtime) || !greets(words.at(-1) ?? '', runtime)) return result;
  return { ...result, intent: 'goodbye', ambiguous: false };
}

/**
 * "ei oo siellä oma revontulessakaan, voiko joku ihminen etsiä sen mun nimellä": when the whole line is unsure, a
 * clause that is sure of what the line leans to (or of a request where the line reads as none) is the request.
 */
function surestClause(result: NluResult, text: string, runtime: LocaleRuntime, expectedIntents: string[] | undefined): NluResult {
  if (result.confidence >= MIN_PART_CONFIDENCE || result.alsoAsked) return result;
  const clauses = clausesOf(text);
  if (clauses.length < 2) return result;
  const leaning = result.intent === OUT_OF_SCOPE ? result.ranking[0]?.intent : result.intent;
  const best = surestRequest(clauses, runtime, expectedIntents, (understood) => understood.confidence >= SURE_PART_CONFIDENCE
    && (understood.intent === leaning || NOT_A_REQUEST.has(result.intent)));
  return best ? { ...result, intent: best.intent, confidence: best.confidence, ambiguous: false } : result;
}

/**
 * Several requests in one message ("koska mun tilaus tulee, numero 12345, ja onko teillä lauantaina auki?"):
 * each part is classified on its own; when two or more parts ask for different things, the first (or an urgent
 * one) becomes the intent and the rest `alsoAsked`, so the dialog can take them up one after another.
 */
function withFurtherRequests(result: NluResult, text: string, runtime: LocaleRuntime, expectedIntents: string[] | undefined, entities: EntityMatch[]): NluResult {
  const parts = splitRequests(text, runtime.joiners);
  if (parts.length < 2) return result;
  const requests: (IntentScore & { question: boolean; story: boolean })[] = [];
  // Where each part stands in the line, up to where the next begins (its values were blanked out of it).
  const starts = parts.map((part) => text.indexOf(part));
  for (const [index, part] of parts.entries()) {
    // "moro, koska se pelikonsoli tulee…": a greeting in front of a part does not water it down.
    const understood = classifyText(runtime, afterGreeting(part, runtime) ?? part, expectedIntents, { entities: [], sentiment: 0 });
    // A part the model is unsure of is usually the story around the request ("ostin reitittimen viime talvena ja
    // nyt se ei toimi"), not a request of its own.
    if (understood.confidence < Math.max(runtime.threshold, MIN_PART_CONFIDENCE)) continue;
    if (NOT_A_REQUEST.has(understood.intent) || requests.some((request) => request.intent === understood.intent)) continue;
    const at = starts[index];
    const until = starts.slice(index + 1).find((start) => start > at) ?? text.length;
    const followedBy = text.slice(at + part.length).trimStart();
    const question = followedBy.startsWith('?') || runtime.replies.isQuestion(part);
    // "…, my number is 040 555 1234": a part that gives a value and asks nothing is the answer to come, not a
    // question about contact details.
    if (!question && understood.intent.startsWith('faq.') && entities.some((entity) => VALUE_ENTITIES.has(entity.type) && entity.start >= at && entity.start < until)) continue;
    requests.push({ intent: understood.intent, confidence: understood.confidence, question, story: !question && runtime.replies.opensStory(part) });
  }
  // "förlåt, kan vi ta resten på svenska? … finns det fiber där?": the one request among parts that ask for nothing
  // (a language, a greeting, an aside) is read on its own; the whole line waters it down.
  if (requests.length === 1) {
    const [only] = requests;
    const adopt = only.confidence > result.confidence && (only.intent === result.intent || NOT_A_REQUEST.has(result.intent));
    return adopt ? { ...result, intent: only.intent, confidence: only.confidence, ambiguous: false } : result;
  }
  if (requests.length < 2) return result;
  // The whole message read as one confident request the parts do not explain: one request told in several clauses.
  const wholeIsRequest = result.confidence >= MIN_PART_CONFIDENCE && !NOT_A_REQUEST.has(result.intent);
  if (wholeIsRequest && !requests.some((request) => request.intent === result.intent)) return result;
  // The whole message asks what one part asks: another part is a request of its own only when the model is sure of
  // it; otherwise it is the story around the request. So is a part that tells what happened next to that question
  // ("tilasin teiltä kengät ja ne on liian pienet, voinko lähettää ne takas?": `story_words` in conversation.yaml).
  const askedAsQuestion = requests.some((request) => request.intent === result.intent && request.question);
  const asked = (wholeIsRequest
    ? requests.filter((request) => request.intent === result.intent
      || (request.confidence >= SURE_PART_CONFIDENCE && !(request.story && askedAsQuestion)))
    : requests).map(({ intent, confidence }) => ({ intent, confidence }));
  if (asked.length < 2) return result;
  const urgency = (request: IntentScore): number => request.confidence >= URGENT_CONFIDENCE && URGENT.includes(request.intent) ? URGENT.length - URGENT.indexOf(request.intent) : 0;
  const urgent = asked.reduce((best, request, index) => urgency(request) > urgency(asked[best]) ? index : best, 0);
  const [first] = asked.splice(urgent, 1);
  return { ...result, intent: first.intent, confidence: first.confidence, ambiguous: false, alsoAsked: asked };
}

/** Lower-case first four letters of each word of three or more letters: a cheap, inflection-tolerant vocabulary key. */
function wordStems(text: string): string[] {
  return (text.toLowerCase().match(/\p{L}{3,}/gu) ?? []).map((word) => word.slice(0, 4));
}

function decide(
  ranking: IntentScore[],
  predictedOutOfScope: boolean,
  threshold: number,
  expectedIntents: string[] | undefined,
  rest: Pick<NluResult, 'entities' | 'language' | 'sentiment'>,
): NluResult {
  const [first, second] = ranking;
  if (!first) return { intent: OUT_OF_SCOPE, confidence: 0, ranking, ...rest };
  const close = second !== undefined && second.confidence >= MIN_AMBIGUOUS && first.confidence - second.confidence < AMBIGUITY_MARGIN
    && first.confidence + second.confidence >= threshold;
  // A state that expects one of two close intents settles the tie.
  if (close && expectedIntents?.length) {
    const firstExpected = expectedIntents.includes(first.intent);
    const secondExpected = expectedIntents.includes(second.intent);
    if (firstExpected !== secondExpected) {
      const chosen = firstExpected ? first : second;
      return { intent: chosen.intent, confidence: chosen.confidence, ranking, ambiguous: false, ...rest };
    }
  }
  const outOfScope = predictedOutOfScope || first.confidence < threshold;
  return {
    intent: outOfScope ? OUT_OF_SCOPE : first.intent,
    confidence: first.confidence,
    ranking,
    ambiguous: close,
    ...rest,
  };
}
