/**
 * Words the engine reads in the context of the conversation rather than as intents: short replies ("joo",
 * "kiitti, se riittää", "en tiedä"), rating words ("nelonen"), and the words that join two requests in one message.
 * They come from `locales/<lang>/conversation.yaml`, so a designer can extend them without code.
 */

/**
 * Short-reply categories, strongest first: "antaa olla, ei se mitään" withdraws the request, "kiitos, ei muuta" is
 * done, "ei kiitos" is deny, "joo kiitos" affirm.
 */
export const SHORT_REPLY_ORDER = ['withdraw', 'dont_know', 'done', 'deny', 'affirm', 'thanks'] as const;
export type ShortReplyCategory = (typeof SHORT_REPLY_ORDER)[number];

export interface ConversationWords {
  replies: Record<ShortReplyCategory, string[]>;
  /** Words that carry no meaning of their own in a short reply ("no", "nyt", "ihan"). */
  filler: string[];
  /** Scale value → words that name it ("4": nelonen, nelosen). */
  ratings: Record<string, string[]>;
  /** Words that join two requests in one message ("ja", "and", "och", "entä"). */
  joiners: string[];
  /** Words that open a question ("milloin", "when", "när"); a trailing "?" and Finnish -ko/-kö count too. */
  questionWords: string[];
  /** Words that point at another thing than the one talked about ("toinen tilaus", "another order"). */
  another: string[];
  /** Words that point back at what was just talked about ("milloin se tulee?", "so when do I get it?"). */
  refersBack: string[];
  /** Phrases that take back what came before them in the message ("ei kun", "never mind", "glöm det"). */
  corrections: string[];
  /** Words that open the story around a request rather than a request ("tilasin", "I bought", "jag beställde"). */
  storyWords: string[];
  /** Affirm phrases that only acknowledge ("okei", "ok", "bra"): said with thanks, the line is thanks ("okej tack"). */
  acknowledgements: string[];
  /**
   * Word → the words that mean the same to this bot ("netti": laajakaista, valokuitu): the model reads a variant, in
   * any inflection (a word that starts with it), as the word itself, in training and in what customers write.
   */
  synonyms: Record<string, string[]>;
  /** Words that only ask ("haluun", "reklamoida", "want", "complain", "vill"), by their start: no detail of a matter. */
  requestWords: string[];
}

export function emptyConversationWords(): ConversationWords {
  return { replies: { withdraw: [], dont_know: [], done: [], deny: [], affirm: [], thanks: [] }, filler: [], ratings: {}, joiners: [], questionWords: [], another: [], refersBack: [], corrections: [], storyWords: [], acknowledgements: [], synonyms: {}, requestWords: [] };
}

/**
 * Counts the words (four or more letters) that tell something beyond asking: those not starting with a request word,
 * and not a word that only negates, strengthens or fills ("inte alls", "ihan", "really": `ignored`).
 */
export function createDetailCounter(requestWords: string[], ignored: string[] = []): (text: string) => number {
  const starts = requestWords.map((word) => word.toLowerCase()).filter((word) => word.length >= 3);
  const skip = new Set(ignored.map((word) => word.toLowerCase()));
  return (text) => (text.toLowerCase().match(/\p{L}{4,}/gu) ?? []).filter((word) => !skip.has(word) && !starts.some((start) => word.startsWith(start))).length;
}

/**
 * Rewrites synonyms to their word ("laajakaista lakkas toimimasta" → "netti lakkas toimimasta"): a word that starts
 * with a variant (four letters or more) becomes the word, so "laajakaistan", "laajakaistayhteys" do too. The longest
 * variant wins; text without any variant comes back as it was.
 */
export function createSynonymRewriter(synonyms: Record<string, string[]>): (text: string) => string {
  const variants = Object.entries(synonyms)
    .flatMap(([word, list]) => list.map((variant) => ({ variant: variant.toLowerCase(), word })))
    .filter(({ variant }) => variant.length >= 4)
    .sort((a, b) => b.variant.length - a.variant.length);
  if (variants.length === 0) return (text) => text;
  const firstLetters = new Set(variants.map(({ variant }) => variant[0]));
  return (text) => text.replace(/\p{L}{4,}/gu, (found) => {
    const lower = found.toLowerCase();
    if (!firstLetters.has(lower[0])) return found;
    return variants.find(({ variant }) => lower.startsWith(variant))?.word ?? found;
  });
}

/**
 * A change of mind inside one message ("missä mun paketti on, ei kun haluun puhua ihmiselle", "where's my order…
 * actually never mind, when are you open?"): what came before the last correction phrase is blanked (offsets
 * stay valid), so only what the customer wants now is read. Unchanged when nothing of substance follows it.
 */
/** Where a new clause starts: a comma, a full stop, a semicolon, a colon, an exclamation mark or a dash between words. */
const CLAUSE_BREAK = /[,.;:!]+\s|\s[-–]\s/u;

export function afterCorrection(text: string, corrections: string[]): string {
  if (corrections.length === 0) return text;
  const folded = text.toLowerCase();
  let cut = -1;
  for (const pattern of correctionPatterns(corrections)) {
    pattern.lastIndex = 0;
    for (const match of folded.matchAll(pattern)) cut = Math.max(cut, (match.index ?? 0) + match[0].length);
  }
  if (cut < 0 || (text.slice(cut).match(/\p{L}{2,}/gu) ?? []).length < 2) return text;
  // The punctuation after the phrase goes with it.
  while (cut < text.length && /[\s,.!;:-]/u.test(text[cut])) cut++;
  return ' '.repeat(cut) + text.slice(cut);
}

/** One pattern per correction phrase, compiled once per list (every customer line is checked against them). */
const compiledCorrections = new WeakMap<string[], RegExp[]>();
function correctionPatterns(corrections: string[]): RegExp[] {
  let patterns = compiledCorrections.get(corrections);
  if (!patterns) {
    patterns = [];
    for (const phrase of corrections) {
      const words = phrase.toLowerCase().split(/\s+/).filter(Boolean).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      if (words.length > 0) patterns.push(new RegExp(`(?<![\\p{L}\\p{N}])${words.join('[\\s,.!]+')}(?![\\p{L}\\p{N}])`, 'gu'));
    }
    compiledCorrections.set(corrections, patterns);
  }
  return patterns;
}

/** Lower-case word tokens, emoji, punctuation and apostrophes dropped ("that's" and "thats" are one token). */
export function replyTokens(text: string): string[] {
  // Customers drop apostrophes ("thats all", "dont know"), so phrases and text are both read without them.
  return text.toLowerCase().replace(/['’`]/g, '').match(/[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu) ?? [];
}

interface Phrase {
  tokens: string[];
  category: ShortReplyCategory | 'filler';
}

export interface ShortReplyReader {
  /** The category of a short reply, or undefined when the line says more than a short reply does. */
  read(text: string): ShortReplyCategory | undefined;
  /** Every category a short reply contains ("ei kiitos": deny and thanks), strongest first. */
  categories(text: string): ShortReplyCategory[];
  /** The words of a short reply that are neither reply phrases nor filler ("" when all are, or it is no reply). */
  unexplained(text: string): string;
  /**
   * A longer line that opens with letting go or not knowing ("actually never mind, I'll call you myself tomorrow"),
   * and the words after that phrase; undefined when the line is a short reply or opens otherwise.
   */
  opening(text: string): { category: 'withdraw' | 'dont_know'; rest: string } | undefined;
  /** The line asks something: a question word, a question mark, or (Finnish) a -ko/-kö word near the start. */
  isQuestion(text: string): boolean;
  /** The line is about another thing than before ("entä toinen tilaukseni?"). */
  mentionsAnother(text: string): boolean;
  /** The line points back at what was just talked about ("milloin se tulee?"). */
  refersBack(text: string): boolean;
  /** The line opens with a story phrase ("tilasin teiltä kengät", "I bought a router last week"); a question can too. */
  opensStory(text: string): boolean;
  /** The line without its words of thanks ("olit tosi nopee, kiitos!" → "olit tosi nopee"): thanks is no verdict. */
  withoutThanks(text: string): string;
  /** A rating word in the line ("ihan hyvä, ehkä nelonen" → 4). */
  rating(text: string): { value: number; start: number; end: number; text: string } | undefined;
}

const MAX_TOKENS = 8;

/** Spoken Finnish asks with -ks ("onks", "voiks", "saaks", "ooks"); these end so without asking. */
const NOT_CLITIC = new Set(['kaks', 'yks', 'siks', 'miks', 'kuuks', 'seitsemäks']);

export function createShortReplyReader(words: ConversationWords): ShortReplyReader {
  const phrases: Phrase[] = [];
  for (const category of SHORT_REPLY_ORDER) for (const phrase of words.replies[category]) phrases.push({ tokens: replyTokens(phrase), category });
  for (const phrase of words.filler) phrases.push({ tokens: replyTokens(phrase), category: 'filler' });
  // Longest first, so "ei muuta" is read as done before "ei" is read as deny.
  const byFirst = new Map<string, Phrase[]>();
  for (const phrase of phrases.filter((p) => p.tokens.length > 0).sort((a, b) => b.tokens.length - a.tokens.length)) {
    const list = byFirst.get(phrase.tokens[0]) ?? [];
    list.push(phrase);
    byFirst.set(phrase.tokens[0], list);
  }
  const ratingWords = new Map<string, number>();
  for (const [value, list] of Object.entries(words.ratings)) for (const word of list) ratingWords.set(word.toLowerCase(), Number(value));

  // "^is": a word that asks only when it opens the line ("is it open?" but "it is in my email").
  const firstOnly = new Set(words.questionWords.filter((word) => word.startsWith('^')).map((word) => word.slice(1).toLowerCase()));
  const questionWords = new Set(words.questionWords.filter((word) => !word.includes(' ') && !word.startsWith('^')).map((word) => word.toLowerCase()));
  const questionPhrases = words.questionWords.filter((word) => word.includes(' ')).map((word) => replyTokens(word).join(' '));
  const anotherWords = new Set(words.another.map((word) => word.toLowerCase()));
  const backWords = new Set(words.refersBack.map((word) => word.toLowerCase()));
  const clitic = words.questionWords.includes('-ko');
  const storyPhrases = words.storyWords.map((word) => replyTokens(word).join(' ')).filter(Boolean);

  const thanksWords = new Set(words.replies.thanks.flatMap((phrase) => replyTokens(phrase)));
  const acknowledgements = new Set(words.acknowledgements.map((phrase) => replyTokens(phrase).join(' ')));
  const fillerWords = new Set(words.filler.map((word) => replyTokens(word)).filter((tokens) => tokens.length === 1).map((tokens) => tokens[0]));
  /**
   * How many tokens from `start` a phrase covers (0: no match). A filler word may stand inside a phrase ("en mä
   * tiedä", "i really don't know"): customers put pronouns and intensifiers anywhere.
   */
  function matchedLength(phrase: Phrase, tokens: string[], start: number): number {
    let at = start;
    for (let offset = 0; offset < phrase.tokens.length; offset++) {
      const last = offset === phrase.tokens.length - 1;
      // "var hittar jag ordernumret": a pronoun ending a phrase ("var hittar jag det") stands for the thing asked
      // about, which the customer may name instead (the thing's names are filler: numero, ordernumret).
      if (last && offset > 0 && backWords.has(phrase.tokens[offset]) && tokens[at] !== phrase.tokens[offset] && fillerWords.has(tokens[at] ?? '')) return at + 1 - start;
      if (offset > 0) for (let skipped = 0; skipped < 2 && tokens[at] !== phrase.tokens[offset] && fillerWords.has(tokens[at] ?? ''); skipped++) at++;
      if (tokens[at] !== phrase.tokens[offset]) return 0;
      at++;
    }
    return at - start;
  }

  /** A short reply's categories and the words in it that are neither a reply phrase nor filler. */
  // The NLU asks for a line's categories and then its unexplained words: the last line's scan is kept for the second.
  let lastText: string | undefined;
  let lastScan: { categories: ShortReplyCategory[]; leftover: string[] } | undefined;
  function scan(text: string): { categories: ShortReplyCategory[]; leftover: string[] } | undefined {
    if (text !== lastText) {
      lastText = text;
      lastScan = scanLine(text);
    }
    return lastScan;
  }
  function scanLine(text: string): { categories: ShortReplyCategory[]; leftover: string[] } | undefined {
    const tokens = replyTokens(text);
    if (tokens.length === 0 || tokens.length > MAX_TOKENS) return undefined;
    return scanTokens(tokens);
  }
  /**
   * "Actually never mind, I'll just call you myself tomorrow", "en mä tiiä sitä numeroa, tilasin ne mun miehen
   * sähköpostilla": a line that opens with letting go or not knowing is that reply, however long the reason after
   * it; the rest is its unexplained words, so a confident new request in them still wins (isNewRequest).
   */
  function openingReply(tokens: string[]): { category: 'withdraw' | 'dont_know'; rest: string } | undefined {
    // Interjections and filler may come first ("ai sori, väärä aihe", "oh well never mind").
    let first = 0;
    while (first < tokens.length - 1 && fillerWords.has(tokens[first])) first++;
    for (let index = first; index < Math.min(first + 2, tokens.length); index++) {
      let length = 0;
      const match = (byFirst.get(tokens[index]) ?? []).find((phrase) => (phrase.category === 'withdraw' || phrase.category === 'dont_know') && (length = matchedLength(phrase, tokens, index)) > 0);
      if (match) return { category: match.category as 'withdraw' | 'dont_know', rest: tokens.slice(index + length).filter((token) => !fillerWords.has(token)).join(' ') };
    }
    return undefined;
  }
  function scanTokens(tokens: string[]): { categories: ShortReplyCategory[]; leftover: string[] } | undefined {
    const found = new Set<ShortReplyCategory>();
    const leftover: string[] = [];
    let onlyAcknowledged = true;
    for (let index = 0; index < tokens.length;) {
      let length = 0;
      const match = (byFirst.get(tokens[index]) ?? []).find((phrase) => (length = matchedLength(phrase, tokens, index)) > 0);
      if (!match) {
        leftover.push(tokens[index]);
        index += 1;
        continue;
      }
      if (match.category !== 'filler') found.add(match.category);
      if (match.category === 'affirm' && !acknowledgements.has(match.tokens.join(' '))) onlyAcknowledged = false;
      index += length;
    }
    // "Okei hyvä, kiitti", "okej tack": an acknowledgement with thanks is thanks, not a yes ("joo kiitos" stays a yes).
    if (onlyAcknowledged && found.has('affirm') && found.has('thanks')) found.delete('affirm');
    // One unknown word is allowed ("kiitti tosi paljon" has "tosi" as filler, "paljon" unknown); "I don't know it"
    // may carry the thing not known and how ("poistin sen tilausvahvistuksen vahingossa"), and a withdrawal its
    // reason ("never mind, I'll check it myself").
    // A line that confidently asks for something else is that request: see isNewRequest in the dialog.
    const allowed = found.has('dont_know') || found.has('withdraw') ? 3 : 1;
    if (found.size === 0 || leftover.length > allowed || leftover.length >= tokens.length) return undefined;
    return { categories: SHORT_REPLY_ORDER.filter((category) => found.has(category)), leftover };
  }

  return {
    isQuestion(text) {
      if (text.includes('?')) return true;
      // Question words open a question; later in the line they are usually a statement ("it is in my email"). Each
      // sentence or clause may open one: "sori väärä asia, haluun irtisanoa liittymän" asks after its apology.
      return text.split(CLAUSE_BREAK).some((clause) => {
        const tokens = replyTokens(clause);
        return firstOnly.has(tokens[0] ?? '')
          || tokens.slice(0, 3).some((token) => questionWords.has(token) || (clitic && token.length > 3 && (/(ko|kö|kos|kös)$/u.test(token) || (/[aeiouyäö]n?ks$/u.test(token) && !NOT_CLITIC.has(token)))))
          || questionPhrases.some((phrase) => ` ${tokens.slice(0, 5).join(' ')} `.includes(` ${phrase} `));
      });
    },
    withoutThanks(text) {
      return replyTokens(text).filter((token) => !thanksWords.has(token)).join(' ');
    },
    mentionsAnother(text) {
      return replyTokens(text).some((token) => anotherWords.has(token));
    },
    refersBack(text) {
      return replyTokens(text).some((token) => backWords.has(token));
    },
    opensStory(text) {
      // Only near the start: "tilasin kengät" tells a story, "missä on se mitä tilasin?" does not.
      const opening = ` ${replyTokens(text).slice(0, 3).join(' ')} `;
      return storyPhrases.some((phrase) => opening.includes(` ${phrase} `));
    },
    read(text) {
      return this.categories(text)[0];
    },
    categories(text) {
      return scan(text)?.categories ?? [];
    },
    unexplained(text) {
      return scan(text)?.leftover.join(' ') ?? '';
    },
    opening(text) {
      const tokens = replyTokens(text);
      return scan(text) ? undefined : openingReply(tokens);
    },
    rating(text) {
      const pattern = /[\p{L}]+/gu;
      let match: RegExpExecArray | null;
      let found: { value: number; start: number; end: number; text: string } | undefined;
      while ((match = pattern.exec(text)) !== null) {
        const value = ratingWords.get(match[0].toLowerCase());
        if (value !== undefined) found = { value, start: match.index, end: match.index + match[0].length, text: match[0] };
      }
      return found;
    },
  };
}

/**
 * Splits a message into the requests it makes: at sentence ends and at joining words ("…, ja onko teillä
 * lauantaina auki?"), only where both sides are long enough to be requests of their own.
 */
export function splitRequests(text: string, joiners: string[]): string[] {
  // "25. päivä", "3. kerran": a full stop after a number before a lower-case word is an ordinal, not a sentence end;
  // "invoice no. 8812003", "nro. 12345": nor is one before a number.
  const sentences = text.split(/(?<=[?!;]|(?<!\d)\.|\d\.(?=\s+[^\p{Ll}\s]))(?!\s+\d)\s+|\s*[?!;]+\s*$/u).map((part) => part.trim()).filter(Boolean);
  const joinerSet = new Set(joiners.map((word) => word.toLowerCase()));
  const parts: string[] = [];
  for (const sentence of sentences) {
    const words = sentence.split(/\s+/);
    let start = 0;
    for (let index = 1; index < words.length - 1; index++) {
      const word = words[index].toLowerCase().replace(/[,.]/g, '');
      if (!joinerSet.has(word)) continue;
      const before = words.slice(start, index);
      const after = words.slice(index + 1);
      if (before.length >= 3 && after.length >= 3) {
        parts.push(before.join(' ').replace(/[,\s]+$/u, ''));
        start = index + 1;
      }
    }
    parts.push(words.slice(start).join(' '));
  }
  // "…and also how do I…": a joiner of several words leaves its other words at the start of the next part.
  const withoutLeadingJoiners = (part: string): string => {
    const words = part.split(/\s+/);
    while (words.length > 1 && joinerSet.has(words[0].toLowerCase().replace(/[,.]/g, ''))) words.shift();
    return words.join(' ');
  };
  return parts.map((part) => withoutLeadingJoiners(part.replace(/^[,\s]+|[,\s]+$/gu, ''))).filter((part) => /\p{L}/u.test(part));
}
