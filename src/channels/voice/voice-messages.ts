import type { Locale } from '../../core/turn';

/** Message keys the voice channel speaks itself (no-input, confirmation, keypad menu, transfer). */
export type VoiceMessageKey =
  | 'voice.reprompt'
  | 'voice.dtmf_menu_intro'
  | 'voice.dtmf_option'
  | 'voice.dtmf_human'
  | 'voice.dtmf_repeat'
  | 'voice.dtmf_digits'
  | 'voice.goodbye_no_input'
  | 'voice.goodbye_ticket'
  | 'voice.confirm'
  | 'voice.confirm_retry'
  | 'voice.transferring'
  | 'voice.transfer_failed'
  | 'voice.whisper'
  | 'voice.error'
  | 'voice.continue_offer'
  | 'voice.continue_hello'
  | 'voice.no_agent_callback'
  | 'voice.error_no_transfer'
  | 'voice.whisper_heard'
  | 'voice.no_agent_ticket_note'
  | 'voice.no_agent_no_number'
  | 'voice.no_agent_no_number_note'
  | 'voice.topic.order_status'
  | 'voice.topic.billing_dispute'
  | 'voice.topic.other';

/**
 * Built-in texts; `locales/<lang>/messages.yaml` may override any of them under `voice:`.
 * Placeholders are `{name}`.
 */
export const DEFAULT_VOICE_MESSAGES: Record<Locale, Record<VoiceMessageKey, string>> = {
  fi: {
    'voice.reprompt': 'Anteeksi, en kuullut. {prompt}',
    'voice.dtmf_menu_intro': 'Voit myös valita näppäimillä.',
    'voice.dtmf_option': 'Paina {digit}: {label}.',
    'voice.dtmf_human': 'Paina 0, jos haluat puhua asiakaspalvelijan kanssa.',
    'voice.dtmf_repeat': 'Paina tähti kuullaksesi vaihtoehdot uudelleen.',
    'voice.dtmf_digits': 'Näppäile numerot ja lopuksi risuaita.',
    'voice.goodbye_no_input': 'En valitettavasti kuule sinua. Lopetan nyt puhelun.',
    'voice.goodbye_ticket': 'Tein asiastasi yhteydenottopyynnön, tunnus {ticketId}. Soitamme sinulle takaisin. Näkemiin!',
    'voice.confirm': 'Kuulinko oikein: {text}? Sano kyllä tai ei.',
    'voice.confirm_retry': 'Selvä. Sanoisitko sen uudelleen?',
    'voice.transferring': 'Yhdistän sinut nyt asiakaspalvelijalle. Hetki vain.',
    'voice.transfer_failed': 'Asiakaspalvelijat ovat juuri nyt varattuina. Asiasi on kirjattu tunnuksella {ticketId}, ja soitamme sinulle takaisin. Näkemiin!',
    'voice.whisper': 'Botilta puhelu. Tiketti {ticketId}, aihe: {topic}. {heard}',
    'voice.error': 'Pahoittelen, jokin meni vikaan. Yhdistän sinut asiakaspalveluun.',
    'voice.continue_offer': 'Soitatko äskeisen {channel}-keskustelun {topic}? Sano kyllä tai ei.',
    'voice.topic.order_status': 'tilauksesta {order_number}',
    'voice.topic.billing_dispute': 'laskusta',
    'voice.topic.other': 'asiasta',
    'voice.continue_hello': 'Hei{name}!',
    'voice.no_agent_callback': 'Asiakaspalvelijaa ei valitettavasti saa nyt puhelimeen. Kirjasin asiasi tunnuksella {ticketId}, ja soitamme sinulle takaisin numeroon, josta soitat. Näkemiin!',
    'voice.error_no_transfer': 'Pahoittelen, jokin meni vikaan. Soitathan hetken päästä uudelleen. Näkemiin!',
    'voice.whisper_heard': 'Asiakas sanoi: {text}.',
    'voice.no_agent_ticket_note': 'Puhelua ei voitu siirtää asiakaspalvelijalle: soita asiakkaalle takaisin numeroon {phone}.',
    'voice.no_agent_no_number': 'Asiakaspalvelijaa ei valitettavasti saa nyt puhelimeen, eikä numerosi näy meille. Kirjasin asiasi tunnuksella {ticketId}. Kerrothan tunnuksen, kun otat meihin yhteyttä uudelleen. Näkemiin!',
    'voice.no_agent_no_number_note': 'Puhelua ei voitu siirtää asiakaspalvelijalle, eikä soittajan numero näkynyt: asiakas ottaa yhteyttä uudelleen tämän tiketin tunnuksella.',
  },
  sv: {
    'voice.reprompt': 'Förlåt, jag hörde inte. {prompt}',
    'voice.dtmf_menu_intro': 'Du kan också välja med knapparna.',
    'voice.dtmf_option': 'Tryck {digit}: {label}.',
    'voice.dtmf_human': 'Tryck 0 om du vill tala med en kundtjänstmedarbetare.',
    'voice.dtmf_repeat': 'Tryck stjärna för att höra alternativen igen.',
    'voice.dtmf_digits': 'Knappa in siffrorna och avsluta med fyrkant.',
    'voice.goodbye_no_input': 'Tyvärr hör jag dig inte. Jag avslutar samtalet nu.',
    'voice.goodbye_ticket': 'Jag har gjort en kontaktbegäran, ärendenummer {ticketId}. Vi ringer upp dig. Hej då!',
    'voice.confirm': 'Hörde jag rätt: {text}? Säg ja eller nej.',
    'voice.confirm_retry': 'Okej. Kan du säga det igen?',
    'voice.transferring': 'Jag kopplar dig nu till en kundtjänstmedarbetare. Ett ögonblick.',
    'voice.transfer_failed': 'Alla medarbetare är upptagna just nu. Ditt ärende har nummer {ticketId}, och vi ringer upp dig. Hej då!',
    'voice.whisper': 'Samtal från boten. Ärende {ticketId}, ämne: {topic}. {heard}',
    'voice.error': 'Förlåt, något gick fel. Jag kopplar dig till kundtjänst.',
    'voice.continue_offer': 'Ringer du om ditt ärende från {channel} nyss, {topic}? Säg ja eller nej.',
    'voice.topic.order_status': 'beställning {order_number}',
    'voice.topic.billing_dispute': 'fakturan',
    'voice.topic.other': 'samma ärende',
    'voice.continue_hello': 'Hej{name}!',
    'voice.no_agent_callback': 'Ingen medarbetare kan svara i telefon just nu. Ditt ärende har nummer {ticketId}, och vi ringer upp dig på numret du ringer från. Hej då!',
    'voice.error_no_transfer': 'Förlåt, något gick fel. Ring gärna igen om en stund. Hej då!',
    'voice.whisper_heard': 'Kunden sa: {text}.',
    'voice.no_agent_ticket_note': 'Samtalet kunde inte kopplas till en medarbetare: ring upp kunden på {phone}.',
    'voice.no_agent_no_number': 'Ingen medarbetare kan svara i telefon just nu, och ditt nummer syns inte för oss. Ditt ärende har nummer {ticketId}. Uppge det när du kontaktar oss igen. Hej då!',
    'voice.no_agent_no_number_note': 'Samtalet kunde inte kopplas till en medarbetare och numret syntes inte: kunden hör av sig igen med ärendenumret.',
  },
  en: {
    'voice.reprompt': "Sorry, I didn't hear you. {prompt}",
    'voice.dtmf_menu_intro': 'You can also choose with the keypad.',
    'voice.dtmf_option': 'Press {digit} for {label}.',
    'voice.dtmf_human': 'Press 0 to talk to a person.',
    'voice.dtmf_repeat': 'Press star to hear the options again.',
    'voice.dtmf_digits': 'Type the digits and finish with the pound key.',
    'voice.goodbye_no_input': "I'm afraid I can't hear you. I'll end the call now.",
    'voice.goodbye_ticket': "I've made a callback request, reference {ticketId}. We will call you back. Goodbye!",
    'voice.confirm': 'Did I hear you right: {text}? Please say yes or no.',
    'voice.confirm_retry': 'All right. Could you say that again?',
    'voice.transferring': "I'm connecting you to a member of our team now. One moment.",
    'voice.transfer_failed': 'Everyone is busy right now. Your reference is {ticketId}, and we will call you back. Goodbye!',
    'voice.whisper': 'Call from the bot. Ticket {ticketId}, topic: {topic}. {heard}',
    'voice.error': "Sorry, something went wrong. I'll connect you to our customer service.",
    'voice.continue_offer': 'Are you calling about your {channel} conversation just now, {topic}? Please say yes or no.',
    'voice.topic.order_status': 'order {order_number}',
    'voice.topic.billing_dispute': 'the invoice',
    'voice.topic.other': 'the same matter',
    'voice.continue_hello': 'Hi{name}!',
    'voice.no_agent_callback': 'No one from our team can take your call right now. Your reference is {ticketId}, and we will call you back on the number you are calling from. Goodbye!',
    'voice.error_no_transfer': 'Sorry, something went wrong. Please call again in a moment. Goodbye!',
    'voice.whisper_heard': 'The caller said: {text}.',
    'voice.no_agent_ticket_note': 'The call could not be put through to a person: call the customer back on {phone}.',
    'voice.no_agent_no_number': 'No one from our team can take your call right now, and we cannot see your number. Your reference is {ticketId}. Please give it when you contact us again. Goodbye!',
    'voice.no_agent_no_number_note': 'The call could not be put through to a person and the number was withheld: the customer will contact us again with this reference.',
  },
};

/** Looks a message up in the deployment's locale files; `undefined` falls back to the built-in text. */
export type MessageLookup = (key: string, locale: Locale) => string | undefined;

/** A function that gives the text of a voice message with its placeholders filled in. */
export type VoiceMessages = (key: VoiceMessageKey, locale: Locale, vars?: Record<string, string>) => string;

export function createVoiceMessages(lookup?: MessageLookup): VoiceMessages {
  return (key, locale, vars = {}) => {
    const template = lookup?.(key, locale) ?? DEFAULT_VOICE_MESSAGES[locale][key];
    return template.replace(/\{(\w+)\}/g, (match, name: string) => vars[name] ?? match);
  };
}

const YES: Record<Locale, string[]> = {
  fi: ['kyllä', 'joo', 'juu', 'jep', 'kyl', 'kylä', 'oikein', 'just', 'juuri niin', 'niin'],
  sv: ['ja', 'japp', 'jo', 'precis', 'stämmer', 'rätt', 'korrekt'],
  en: ['yes', 'yeah', 'yep', 'correct', 'right', 'that is right', "that's right", 'sure'],
};
const NO: Record<Locale, string[]> = {
  fi: ['ei', 'en', 'eikä', 'väärin', 'ei oikein', 'ei ole'],
  sv: ['nej', 'nä', 'fel', 'nix'],
  en: ['no', 'nope', 'wrong', 'not right', 'incorrect'],
};

/** Reads a short spoken answer to "did I hear right?": yes, no, or something else. */
export function readYesNo(text: string, locale: Locale): 'yes' | 'no' | undefined {
  const normalised = text.toLocaleLowerCase(locale).replace(/[.,!?]/g, ' ').replace(/\s+/g, ' ').trim();
  if (!normalised || normalised.split(' ').length > 4) return undefined;
  const first = normalised.split(' ')[0];
  if (NO[locale].includes(normalised) || NO[locale].includes(first)) return 'no';
  if (YES[locale].includes(normalised) || YES[locale].includes(first)) return 'yes';
  return undefined;
}

/** Hints for the yes/no confirmation question. */
export function yesNoHints(locale: Locale): string[] {
  return [...YES[locale], ...NO[locale]];
}
