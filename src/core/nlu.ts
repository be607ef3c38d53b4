import type { Locale } from './turn';

/** One entity found in an utterance. `value` is normalised (digits, ISO date, E.164 phone, ...). */
export interface EntityMatch {
  type: string;
  value: string;
  /** The text as the customer wrote it. */
  text: string;
  start: number;
  end: number;
  /** Personal data (identity code, IBAN, card, phone, e-mail); the policy in personal-data.ts masks it wherever it is kept. */
  sensitive?: boolean;
}

export interface IntentScore {
  intent: string;
  confidence: number;
}

/** What the NLU understood of one utterance. `intent` is `oos` when nothing fits. */
export interface NluResult {
  intent: string;
  confidence: number;
  /** Ranked, best first; at most a handful. */
  ranking: IntentScore[];
  entities: EntityMatch[];
  /** The language the text is in, when it could be told; short inputs give undefined. */
  language?: Locale;
  /** -1 (angry) .. 1 (happy). */
  sentiment: number;
  /** The line holds evaluative words or emoji beyond thanks, even when they cancel out ("ihan jees mut vähä hidas"). */
  evaluative?: boolean;
  /** True when the top two intents are too close to tell apart ("did you mean X or Y?"). */
  ambiguous?: boolean;
  /** The line is a short reply (affirm, deny, thanks, done, dont_know); flows read it against their question. */
  reply?: string;
  /** When a short reply says several things ("ei kiitos": deny and thanks), all of them, strongest first. */
  replyParts?: string[];
  /**
   * With a short reply that has more words ("no idea what the number is"): how sure those words alone are of
   * `intent`. The reply outweighs the intent unless both the whole line and these words are sure of it.
   */
  requestConfidence?: number;
  /** The line asks a question (question word, "?", Finnish -ko/-kö): an interruption is more likely meant. */
  question?: boolean;
  /** The line is about another thing than before ("entä toinen tilaukseni?"): earlier details do not apply. */
  another?: boolean;
  /**
   * Words of four or more letters that tell something beyond asking (`request_words` in conversation.yaml left out):
   * "haluun reklamoida mun viimesestä laskusta" has 2, "siinä on kaks kertaa sama maksu" 4. A free-text slot takes the
   * topic line as its answer only when it tells enough.
   */
  detailWords?: number;
  /**
   * A clause of a longer line says the customer does not have or know a number ("hej ja väntar på ett paket men ja
   * har int nå ordernummer", "where's my parcel, i don't have the order number though"): the topic's question for a
   * number takes its don't-know route at once.
   */
  lacksNumber?: boolean;
  /** The line points back at what was just talked about ("milloin se tulee?"); the dialog may read it as that topic. */
  refersBack?: boolean;
  /** Further requests made in the same message ("…, ja onko teillä lauantaina auki?"), in the order said. */
  alsoAsked?: IntentScore[];
}

export const OUT_OF_SCOPE = 'oos';

/** Intents that ask for nothing to be done: conversation moves, not requests ("kiitos", "in English please"). */
export const NOT_A_REQUEST: ReadonlySet<string> = new Set([OUT_OF_SCOPE, 'greeting', 'goodbye', 'small_talk', 'off_topic', 'help', 'restart', 'change_language']);

export interface NluContext {
  locale: Locale;
  /** Intents the current state expects; a classifier may use them to break ties. */
  expectedIntents?: string[];
  /** Entity type the current state asks for; extractors look harder for it. */
  expectedEntity?: string;
  /** The time of the utterance (ms since the epoch): relative dates ("huomenna") resolve against it. */
  now?: number;
}

/** The NLU port: the engine's only view of language understanding. */
export interface Nlu {
  understand(text: string, context: NluContext): NluResult;
  /** Entity types this NLU can extract (built-in and custom), for flow validation. */
  entityTypes(): string[];
  /** Intents known for a locale, for flow validation. */
  intents(locale: Locale): string[];
}
