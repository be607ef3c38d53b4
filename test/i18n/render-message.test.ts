import { formatValue, interpolate } from '../../src/i18n/render-message';

describe('message variables', () => {
  test('ISO dates and Finnish phone numbers read as people write them', () => {
    expect(formatValue('2026-12-03', 'fi')).toBe('3.12.2026');
    expect(formatValue('+358501239876', 'en')).toBe('050 123 9876');
  });

  test('a time window reads as words in each language', () => {
    expect(formatValue('2026-12-03 forenoon', 'fi')).toBe('to 3.12. aamupäivällä');
    expect(formatValue('after 15:00', 'fi')).toBe('klo 15.00 jälkeen');
    expect(formatValue('2026-12-04 before 12:00', 'fi')).toBe('pe 4.12. ennen klo 12.00');
    expect(formatValue('2026-12-03 morning', 'en')).toBe('Thu 3 Dec in the morning');
    expect(formatValue('at 16:30', 'en')).toBe('at 16:30');
    expect(formatValue('afternoon', 'sv')).toBe('på eftermiddagen');
    expect(formatValue('after 15:00', 'sv')).toBe('efter kl. 15.00');
  });

  test('plain clock times and other text stay as they are', () => {
    expect(formatValue('15:00', 'fi')).toBe('15:00');
    expect(formatValue('evening news', 'en')).toBe('evening news');
    expect(interpolate('Soitamme {when}.', { when: 'evening' }, 'fi')).toBe('Soitamme illalla.');
  });
});
