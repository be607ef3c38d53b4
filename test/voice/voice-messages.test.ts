import * as path from 'node:path';
import { loadMessageCatalog } from '../../src/i18n/message-catalog';
import { SUPPORTED_LOCALES } from '../../src/core/turn';
import { createVoiceMessages, DEFAULT_VOICE_MESSAGES, readYesNo, type VoiceMessageKey } from '../../src/channels/voice/voice-messages';
import { toSpeechSafeText } from '../../src/channels/voice/speech-safe-text';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('voice messages', () => {
  const catalog = loadMessageCatalog(path.resolve(__dirname, '../../locales'), [...SUPPORTED_LOCALES]);

  it('every voice.* key is in every locale file with the placeholders the channel fills', () => {
    expect(catalog.problems).toEqual([]);
    for (const locale of SUPPORTED_LOCALES) {
      for (const [key, builtIn] of Object.entries(DEFAULT_VOICE_MESSAGES[locale])) {
        const template = catalog.get(locale, key);
        expect({ locale, key, found: Boolean(template) }).toEqual({ locale, key, found: true });
        for (const variant of template!.text) expect(placeholders(variant)).toEqual(placeholders(builtIn));
      }
    }
  });

  it('takes texts from the locale files and fills placeholders', () => {
    const messages = createVoiceMessages((key, locale) => catalog.get(locale, key)?.text[0]);
    expect(messages('voice.confirm' as VoiceMessageKey, 'fi', { text: 'tilaus' })).toBe('Kuulinko oikein: tilaus? Sano kyllä tai ei.');
    expect(messages('voice.dtmf_option', 'sv', { digit: '1', label: 'Orderstatus' })).toBe('Tryck 1: Orderstatus.');
  });

  it('reads yes and no in three languages', () => {
    expect(readYesNo('Kyllä.', 'fi')).toBe('yes');
    expect(readYesNo('joo kyllä', 'fi')).toBe('yes');
    expect(readYesNo('ei', 'fi')).toBe('no');
    expect(readYesNo('Nej tack', 'sv')).toBe('no');
    expect(readYesNo("yes that's right", 'en')).toBe('yes');
    expect(readYesNo('missä tilaukseni on tällä hetkellä', 'fi')).toBeUndefined();
  });

  it('makes text speech-safe: digits one by one, URLs and markup in words', () => {
    expect(toSpeechSafeText('Tilaus 12345 ja tiketti ASPA-000123.', 'fi')).toBe('Tilaus 1 2 3 4 5 ja tiketti A S P A, 0 0 0 1 2 3.');
    expect(toSpeechSafeText('Call +358 40 123 4567 or see https://www.revontuli.fi/help?x=1.', 'en'))
      .toBe('Call + 3 5 8 4 0 1 2 3 4 5 6 7 or see revontuli dot fi slash help.');
    expect(toSpeechSafeText('<b>Hej</b> **du** 😀 info@revontuli.fi', 'sv')).toBe('Hej du info snabel-a revontuli punkt fi');
    expect(toSpeechSafeText('Kello 12.30, vuonna 2026.', 'fi')).toBe('Kello 12.30, vuonna 2026.');
  });
});
