import {
  describeWarning, findLabelConflicts, findTrainMatches, labelConflictWarning, normaliseForComparison, overlapWarning,
} from '../../src/nlu/evaluation/data-hygiene';

const tokens = (text: string) => new Set(normaliseForComparison(text).split(' ').filter(Boolean));
function bruteJaccard(a: string, b: string): number {
  const left = tokens(a);
  const right = tokens(b);
  const shared = [...left].filter((token) => right.has(token)).length;
  return shared / (left.size + right.size - shared);
}

describe('data hygiene', () => {
  test('normalises case, punctuation and white space', () => {
    expect(normaliseForComparison("  Where's   MY order?!")).toBe('where s my order');
    expect(normaliseForComparison('Missä   tilaukseni on…')).toBe('missä tilaukseni on');
    expect(normaliseForComparison('?!')).toBe('');
  });

  test('finds lines under two intents, oos and FAQ entries included', () => {
    const conflicts = findLabelConflicts([
      { text: 'Where is my order?', intent: 'order_status' },
      { text: 'where is my order', intent: 'faq.delivery_times' },
      { text: 'where is my order!', intent: 'order_status' },
      { text: 'tell me a joke', intent: 'oos' },
      { text: 'Tell me a joke.', intent: 'small_talk' },
      { text: 'reset my password', intent: 'password_reset' },
      { text: 'reset my password', intent: 'password_reset' },
    ]);
    expect(conflicts).toEqual([
      { text: 'Where is my order?', intents: ['faq.delivery_times', 'order_status'] },
      { text: 'tell me a joke', intents: ['oos', 'small_talk'] },
    ]);
    expect(labelConflictWarning([{ text: 'a b', intent: 'x' }, { text: 'a c', intent: 'y' }])).toBeUndefined();
  });

  test('finds test lines that are exact or near duplicates of training lines', () => {
    const train = [
      { text: 'how do I reset my password', intent: 'password_reset' },
      { text: 'what is on my to do list', intent: 'todo_list' },
      { text: 'please can you tell me the balance of my savings account now', intent: 'balance' },
      { text: 'book a table', intent: 'restaurant' },
    ];
    const test = [
      { text: 'How do I reset my password?', intent: 'password_reset' }, // exact after normalisation
      { text: 'what is on my to-do list', intent: 'reminder' }, // exact, labelled differently
      { text: 'can you please tell me the balance of my savings account now', intent: 'balance' }, // same words reordered
      { text: 'please can you tell me the balance of my checking account now', intent: 'balance' }, // 11 of 13 tokens: 0.85
      { text: 'book a table for two', intent: 'restaurant' }, // 3 of 5
    ];
    const matches = findTrainMatches(train, test);
    expect(matches.map((match) => [match.test.text, match.train.text, match.exact])).toEqual([
      ['How do I reset my password?', 'how do I reset my password', true],
      ['what is on my to-do list', 'what is on my to do list', true],
      ['can you please tell me the balance of my savings account now', 'please can you tell me the balance of my savings account now', false],
    ]);
    const warning = overlapWarning(train, test);
    expect(warning).toMatchObject({ kind: 'test-in-train', count: 3, testLines: 5, exact: 2, near: 1, otherIntent: 1 });
    // The differently labelled duplicate is quoted first.
    expect(describeWarning(warning!).join('\n')).toMatch(/3 test line\(s\) \(60\.0 %\) are in the training file: 2 exact, 1 near[^\n]*\n {2}"what is on my to-do list" \(reminder\)/);
  });

  test('near duplicates at Jaccard 0.9: one word changed in a ten-word line is not enough, one word added is', () => {
    const train = [{ text: 'one two three four five six seven eight nine', intent: 'a' }];
    expect(findTrainMatches(train, [{ text: 'one two three four five six seven eight nine ten', intent: 'a' }])).toHaveLength(1); // 9/10
    expect(findTrainMatches(train, [{ text: 'one two three four five six seven eight ten', intent: 'a' }])).toHaveLength(0); // 8/10
  });

  test('the index finds exactly what comparing every pair finds', () => {
    // A deterministic pseudo-random vocabulary with frequent and rare words, so prefixes and size filters matter.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const words = Array.from({ length: 40 }, (_, index) => `w${index}`);
    const sentence = () => Array.from({ length: 3 + Math.floor(random() * 12) }, () => words[Math.floor(random() * random() * words.length)]).join(' ');
    const train = Array.from({ length: 300 }, (_, index) => ({ text: sentence(), intent: `i${index % 5}` }));
    const test = [
      ...Array.from({ length: 300 }, () => ({ text: sentence(), intent: 'i0' })),
      ...train.slice(0, 100).map((example, index) => ({ text: `${example.text} ${index % 2 ? words[Math.floor(random() * 40)] : ''}`, intent: example.intent })),
    ];
    const fast = findTrainMatches(train, test).map((match) => match.test);
    const slow = test.filter((example) => train.some((other) => bruteJaccard(example.text, other.text) >= 0.9 - 1e-12));
    expect(fast).toEqual(slow);
    expect(slow.length).toBeGreaterThan(50);
  });

  test('says so plainly when the test file is the validation file', () => {
    const lines = [{ text: 'a b c', intent: 'x' }, { text: 'd e f', intent: 'y' }];
    expect(describeWarning(overlapWarning(lines, lines, 'test-in-val')!)).toEqual([expect.stringMatching(/every test line is in the validation file: the threshold was tuned on the test set/)]);
  });
});
