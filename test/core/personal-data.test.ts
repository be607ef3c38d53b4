import { findCardNumbers, isValidHetu, isValidIban, maskBotLine, maskPersonalData, maskSlots, passesLuhn } from '../../src/core/personal-data';

describe('maskPersonalData', () => {
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
    expect(maskPersonalData(text)).toBe(expected);
  });

  test('several kinds in one text', () => {
    expect(maskPersonalData('131052-308T, a@b.fi, 0401234567, FI2112345600000785'))
      .toBe('[hetu], [email], [phone], [iban]');
  });

  test('a non-string gives an empty string instead of throwing', () => {
    expect(maskPersonalData(undefined as unknown as string)).toBe('');
  });
});

describe('the policy finds each kind by its checksum, with any spacing', () => {
  test.each([
    ['4111111111111111'], ['4111 1111 1111 1111'], ['4111-1111-1111-1111'], ['4111  1111 - 1111 1111'], ['4222222222222'],
    ['3782 822463 10005'], ['6011 0000 0000 0000 001'], ['5555 5555 5555 4444'],
  ])('card %s', (card) => {
    expect(maskPersonalData(`kortti ${card} kiitos`)).toBe('kortti [card] kiitos');
  });

  test('a card inside a longer run of digits is still found; Luhn failures and short numbers are kept', () => {
    expect(maskPersonalData('kortti 4111 1111 1111 1111 2 kertaa')).toBe('kortti [card] 2 kertaa');
    expect(maskPersonalData('viite 4111 1111 1111 1112')).toBe('viite 4111 1111 1111 1112');
    expect(maskPersonalData('tilaus 123456789012')).toBe('tilaus 123456789012');
    expect(findCardNumbers('x 5555555555554444 y')).toEqual([{ start: 2, end: 18 }]);
    expect(passesLuhn('424242424242')).toBe(false); // 12 digits: too short for a card
  });

  test('identity codes need the check character; IBANs the mod-97 check (Finnish shape masked regardless)', () => {
    expect(isValidHetu('131052-308T')).toBe(true);
    expect(isValidHetu('131052-308U')).toBe(false);
    expect(isValidIban('FI21 1234 5600 0007 85')).toBe(true);
    expect(isValidIban('FI21 1234 5600 0007 86')).toBe(false);
    expect(maskPersonalData('DE89 3704 0044 0532 0130 00')).toBe('[iban]');
    expect(maskPersonalData('GB82 WEST 1234 5698 7654 32 ok')).toBe('[iban] ok');
  });

  test('keep leaves chosen kinds in clear; values masks exact sensitive values no detector knows', () => {
    expect(maskPersonalData('040 123 4567 ja 4111 1111 1111 1111', { keep: ['phone'] })).toBe('040 123 4567 ja [card]');
    expect(maskPersonalData('salasana on Kissa123', { values: ['Kissa123'] })).toBe('salasana on [sensitive]');
  });

  test('slots: sensitive ones hidden, contact details kept for the callback, cards and identity codes masked', () => {
    expect(maskSlots({ pin: '1234', phone: '040 123 4567', details: 'kortti 4111111111111111, hetu 131052-308T', n: 3, none: null }, new Set(['pin'])))
      .toEqual({ pin: '[sensitive]', phone: '040 123 4567', details: 'kortti [card], hetu [hetu]', n: 3, none: null });
  });
});

describe('maskBotLine', () => {
  test('keeps the bot\'s own wording (an example number, the company\'s phone) and masks what came from the conversation', () => {
    expect(maskBotLine('Esimerkiksi 040 123 4567. Soitamme numeroon 050 765 4321.', ['050 765 4321', 'ASPA-000001', 3]))
      .toBe('Esimerkiksi 040 123 4567. Soitamme numeroon [phone].');
    expect(maskBotLine('Kortti 4111 1111 1111 1111 ja tunnus 131052-308T.', ['kortti 4111 1111 1111 1111', '131052-308T'])).toBe('Kortti [card] ja tunnus [hetu].');
    expect(maskBotLine('Tilaus 12345: toimitettu', ['12345'], ['12345'])).toBe('Tilaus [sensitive]: toimitettu');
  });
});
