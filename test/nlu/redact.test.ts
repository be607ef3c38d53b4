import { redactSensitive } from '../../src/nlu/redact';

describe('redactSensitive', () => {
  test.each([
    ['hetuni on 131052-308T', 'hetuni on [hetu]'],
    ['tunnus 010101a123n kiitos', 'tunnus [hetu] kiitos'],
    ['tili FI21 1234 5600 0007 85', 'tili [iban]'],
    ['konto SE45 5000 0000 0583 9825 7466 tack', 'konto [iban] tack'],
    ['kortti 4111 1111 1111 1111', 'kortti [card]'],
    ['card 5555-5555-5555-4444 exp 12/28', 'card [card] exp 12/28'],
    ['soita 040 123 4567', 'soita [phone]'],
    ['call +44 20 7946 0958 now', 'call [phone] now'],
    ['mail matti.meikalainen@example.fi', 'mail [email]'],
    ['tilaus 12345 ja summa 12,50 €', 'tilaus 12345 ja summa 12,50 €'],
    ['order 98765432', 'order 98765432'],
    ['päivä 24.12.2026 klo 14.30', 'päivä 24.12.2026 klo 14.30'],
    ['', ''],
  ])('%s', (text, expected) => {
    expect(redactSensitive(text)).toBe(expected);
  });

  test('several kinds in one text', () => {
    expect(redactSensitive('131052-308T, a@b.fi, 0401234567, FI2112345600000785'))
      .toBe('[hetu], [email], [phone], [iban]');
  });

  test('a non-string gives an empty string instead of throwing', () => {
    expect(redactSensitive(undefined as unknown as string)).toBe('');
  });
});
