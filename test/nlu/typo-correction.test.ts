import { createTypoCorrector } from '../../src/nlu/typo-correction';

describe('typo correction against the training vocabulary', () => {
  const training = [
    'my bill is wrong', 'there is an error on my bill', 'the bill is too high', 'i was billed twice',
    'where is my order', 'track my order', 'order status please', 'bit slow internet', 'a bit slow',
  ];
  const correct = createTypoCorrector(training);

  it('adds the frequent word a typo lacks a letter of, keeping the typo', () => {
    expect(correct('my bil has a roaming charge')).toBe('my bil has a roaming charge bill');
    // "where" is in the data once only, too rare to read a typo as it.
    expect(correct('wher is my ordr')).toBe('wher is my ordr order');
  });

  it('leaves known words, numbers, short words and rare neighbours alone', () => {
    expect(correct('my bill is wrong')).toBe('my bill is wrong');
    expect(correct('order 12345')).toBe('order 12345');
    expect(correct('hi')).toBe('hi');
    // "bi" is too short; "slo" would need "slow", used only twice.
    expect(correct('bi slo')).toBe('bi slo');
  });
});
