import type { LabelledText } from '../intent-classifier';

/** How many offending lines a warning quotes. */
const EXAMPLES = 3;

/** Token-set Jaccard similarity from which a test line counts as a near duplicate of a training line. */
export const NEAR_DUPLICATE_JACCARD = 0.9;

/** A problem in the data that makes the scores or the model less trustworthy than they look. */
export type HygieneWarning =
  | {
    kind: 'label-conflict';
    /** Normalised texts that appear under more than one intent. */
    count: number;
    examples: { text: string; intents: string[] }[];
  }
  | {
    /** Test lines found in the training file, or in the validation file the threshold was tuned on. */
    kind: 'test-in-train' | 'test-in-val';
    /** Test lines that are exact or near duplicates of a line of the other file. */
    count: number;
    testLines: number;
    exact: number;
    near: number;
    /** Of those, how many the other file labels differently. */
    otherIntent: number;
    examples: { test: string; testIntent: string; train: string; trainIntent: string }[];
  };

/** Lower case, every run of punctuation and white space one space: "Where's  my order?!" → "where s my order". */
export function normaliseForComparison(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Lines that read the same (after normalisation) under two or more intents, `oos` and `faq.*` included. */
export function findLabelConflicts(examples: LabelledText[]): { text: string; intents: string[] }[] {
  const byText = new Map<string, { text: string; intents: Set<string> }>();
  for (const example of examples) {
    const key = normaliseForComparison(example.text);
    if (!key) continue;
    const entry = byText.get(key);
    if (entry) entry.intents.add(example.intent);
    else byText.set(key, { text: example.text, intents: new Set([example.intent]) });
  }
  return [...byText.values()].filter((entry) => entry.intents.size > 1).map((entry) => ({ text: entry.text, intents: [...entry.intents].sort() }));
}

export interface TrainMatch {
  test: LabelledText;
  train: LabelledText;
  /** Normalised texts are equal (otherwise the token sets are at least NEAR_DUPLICATE_JACCARD alike). */
  exact: boolean;
}

/**
 * Test lines that are exact or near duplicates of training lines: they measure memory, not generalisation.
 * Near duplicates are found with prefix filtering (Jaccard ≥ t implies two sets share a token among their rarest
 * |set| − ⌈t·|set|⌉ + 1), so only a few candidates per test line are compared: CLINC150 takes milliseconds.
 */
export function findTrainMatches(train: LabelledText[], test: LabelledText[], minJaccard = NEAR_DUPLICATE_JACCARD): TrainMatch[] {
  const exact = new Map<string, number>();
  const trainTokens = train.map((example, index) => {
    const normalised = normaliseForComparison(example.text);
    if (normalised && !exact.has(normalised)) exact.set(normalised, index);
    return tokenSet(normalised);
  });
  const frequency = new Map<string, number>();
  for (const tokens of trainTokens) for (const token of tokens) frequency.set(token, (frequency.get(token) ?? 0) + 1);
  // One global order, rarest first (unseen test tokens first of all), ties by spelling so it is total.
  const rarestFirst = (tokens: string[]) => tokens.sort((a, b) => (frequency.get(a) ?? 0) - (frequency.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const prefixLength = (size: number) => size - Math.ceil(minJaccard * size - 1e-9) + 1;
  const postings = new Map<string, number[]>();
  trainTokens.forEach((tokens, index) => {
    for (const token of rarestFirst([...tokens]).slice(0, prefixLength(tokens.size))) {
      const list = postings.get(token);
      if (list) list.push(index);
      else postings.set(token, [index]);
    }
  });
  const matches: TrainMatch[] = [];
  for (const example of test) {
    const normalised = normaliseForComparison(example.text);
    if (!normalised) continue;
    const same = exact.get(normalised);
    if (same !== undefined) {
      matches.push({ test: example, train: train[same], exact: true });
      continue;
    }
    const tokens = tokenSet(normalised);
    let best = -1;
    let bestSimilarity = 0;
    const seen = new Set<number>();
    for (const token of rarestFirst([...tokens]).slice(0, prefixLength(tokens.size))) {
      for (const candidate of postings.get(token) ?? []) {
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        const other = trainTokens[candidate];
        // Sizes too far apart cannot reach the similarity.
        if (other.size < minJaccard * tokens.size || tokens.size < minJaccard * other.size) continue;
        const similarity = jaccard(tokens, other);
        if (similarity > bestSimilarity) {
          bestSimilarity = similarity;
          best = candidate;
        }
      }
    }
    if (best >= 0 && bestSimilarity >= minJaccard - 1e-12) matches.push({ test: example, train: train[best], exact: false });
  }
  return matches;
}

function tokenSet(normalised: string): Set<string> {
  return new Set(normalised ? normalised.split(' ') : []);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const token of a) if (b.has(token)) shared++;
  return shared / (a.size + b.size - shared);
}

/** The label-conflict warning of a training set, or none. */
export function labelConflictWarning(examples: LabelledText[]): HygieneWarning | undefined {
  const conflicts = findLabelConflicts(examples);
  if (conflicts.length === 0) return undefined;
  return { kind: 'label-conflict', count: conflicts.length, examples: conflicts.slice(0, EXAMPLES) };
}

/** The warning for test lines found in the training (or validation) file, or none. */
export function overlapWarning(train: LabelledText[], test: LabelledText[], kind: 'test-in-train' | 'test-in-val' = 'test-in-train'): HygieneWarning | undefined {
  const matches = findTrainMatches(train, test);
  if (matches.length === 0) return undefined;
  const exactCount = matches.filter((match) => match.exact).length;
  // Differently labelled duplicates first: they are the ones that cost accuracy for no fault of the model.
  const quoted = [...matches].sort((a, b) => Number(b.test.intent !== b.train.intent) - Number(a.test.intent !== a.train.intent));
  return {
    kind,
    count: matches.length,
    testLines: test.length,
    exact: exactCount,
    near: matches.length - exactCount,
    otherIntent: matches.filter((match) => match.test.intent !== match.train.intent).length,
    examples: quoted.slice(0, EXAMPLES).map((match) => ({ test: match.test.text, testIntent: match.test.intent, train: match.train.text, trainIntent: match.train.intent })),
  };
}

/** A warning as lines for the terminal. */
export function describeWarning(warning: HygieneWarning): string[] {
  if (warning.kind === 'label-conflict') {
    return [
      `warning: ${warning.count} training line(s) appear under two or more intents (after lower-casing and dropping punctuation); the model cannot learn both:`,
      ...warning.examples.map((example) => `  ${JSON.stringify(example.text)}: ${example.intents.join(', ')}`),
    ];
  }
  if (warning.kind === 'test-in-val' && warning.exact === warning.testLines) {
    return [`warning: every test line is in the validation file: the threshold was tuned on the test set, so the scores are optimistic`];
  }
  const share = ((warning.count / warning.testLines) * 100).toFixed(1);
  const where = warning.kind === 'test-in-train' ? 'training file' : 'validation file';
  const consequence = warning.kind === 'test-in-train' ? 'the scores flatter the model' : 'the threshold was tuned on the test lines';
  return [
    `warning: ${warning.count} test line(s) (${share} %) are in the ${where}: ${warning.exact} exact, ${warning.near} near duplicates`
      + ` (token Jaccard ≥ ${NEAR_DUPLICATE_JACCARD}), ${warning.otherIntent} of them labelled differently there; ${consequence}:`,
    ...warning.examples.map((example) => `  ${JSON.stringify(example.test)} (${example.testIntent}) ~ ${JSON.stringify(example.train)} (${example.trainIntent})`),
  ];
}
