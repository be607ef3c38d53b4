import type { ConversationRecord } from '../../src/core/conversation';
import type { Slots } from '../../src/core/ticket';
import { maskForSummary, shorten, summarizeConversation } from '../../src/handoff/summarize';

const T0 = Date.parse('2026-03-02T08:00:00Z');

function conversation(overrides: Partial<ConversationRecord> = {}): ConversationRecord {
  return {
    id: 'c-1', version: 3, createdAt: T0, updatedAt: T0, channel: 'web', locale: 'fi', status: 'active',
    snapshot: null, state: 'billing.ask_invoice', slots: {}, transcript: [], processed: [], misunderstood: 0,
    ...overrides,
  };
}

describe('maskForSummary', () => {
  test.each([
    ['hetu 131052-308T tässä', 'hetu [henkilötunnus] tässä'],
    ['uusi hetu 010101A123N', 'uusi hetu [henkilötunnus]'],
    ['maili matti.meikalainen@example.fi kiitos', 'maili [sähköposti] kiitos'],
    ['tili FI21 1234 5600 0007 85 ok', 'tili [IBAN] ok'],
    ['kortti 4111 1111 1111 1111', 'kortti [kortti]'],
    ['soita 040 123 4567 tai +358 40 1234567', 'soita [puhelin] tai [puhelin]'],
    ['laskunumero 12345678 ja summa 45,90', 'laskunumero 12345678 ja summa 45,90'],
  ])('%s', (input, expected) => {
    expect(maskForSummary(input)).toBe(expected);
  });

  test('placeholders of an already masked transcript line are written in Finnish', () => {
    expect(maskForSummary('kortti [card], tunnus [hetu], arvo [sensitive]')).toBe('kortti [kortti], tunnus [henkilötunnus], arvo [piilotettu]');
  });

  test('keepContact keeps phone and e-mail but not the identity code', () => {
    expect(maskForSummary('040 123 4567, a@b.fi, 131052-308T', { keepContact: true })).toBe('040 123 4567, a@b.fi, [henkilötunnus]');
  });
});

describe('shorten', () => {
  test('keeps short text, cuts long text at a word, flattens whitespace', () => {
    expect(shorten('  lyhyt\n teksti ', 20)).toBe('lyhyt teksti');
    expect(shorten('yksi kaksi kolme neljä viisi kuusi', 20)).toBe('yksi kaksi kolme…');
    expect(shorten('x'.repeat(30), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('summarizeConversation', () => {
  test('a billing dispute with everything the agent needs, in Finnish', () => {
    const record = conversation({
      slots: { invoiceNumber: '12345678', amountOk: false, phone: '0401234567' },
      transcript: [
        { at: T0, from: 'bot', text: 'Hei! Olen Aspa. Miten voin auttaa?', key: 'greeting.hello' },
        { at: T0 + 1000, from: 'customer', text: 'moi', intent: 'greet' },
        { at: T0 + 2000, from: 'customer', text: 'Laskussani on virhe, veloititte kahdesti! Hetuni on 131052-308T', intent: 'billing_dispute' },
        { at: T0 + 3000, from: 'bot', text: 'Ikävä kuulla. Mikä on laskun numero?', key: 'billing.ask_invoice' },
        { at: T0 + 4000, from: 'customer', text: '12345678', intent: 'oos' },
        { at: T0 + 5000, from: 'bot', text: 'Lasku 12345678 on eräpäivänä 15.3. ja sen summa on 45,90 euroa. Maksuaikaa voi pyytää verkkopalvelussa.', key: 'billing.invoice_status' },
        { at: T0 + 6000, from: 'bot', text: 'Yhdistän sinut asiakaspalvelijalle.', key: 'human.handoff_created' },
      ],
    });
    const summary = summarizeConversation(
      {
        conversation: record, reason: 'billing_dispute', intent: 'billing_dispute',
        history: [
          { conversationId: 'c-0', channel: 'voice', at: Date.parse('2026-02-20T10:00:00Z'), intent: 'order_status', outcome: 'resolved' },
          { conversationId: 'c-00', channel: 'web', at: Date.parse('2026-01-05T10:00:00Z'), intent: 'billing_dispute', outcome: 'handoff', ticketId: 'ASPA-000007' },
        ],
      },
      {
        intentLabel: (intent) => ({ billing_dispute: 'laskuriita' }[intent]),
        slotLabel: (slot) => ({ invoiceNumber: 'laskunumero' }[slot]),
      },
    );
    expect(summary).toBe([
      'Aihe: laskuriita (billing_dispute).',
      'Syy: laskuriita.',
      'Asiakas: "Laskussani on virhe, veloititte kahdesti! Hetuni on [henkilötunnus]".',
      'Botti kertoi: "Hei! Olen Aspa. Miten voin auttaa?"; "Ikävä kuulla. Mikä on laskun numero?"; '
        + '"Lasku 12345678 on eräpäivänä 15.3. ja sen summa on 45,90 euroa. Maksuaikaa voi…".',
      'Kerätyt tiedot: laskunumero=12345678, amountOk=ei, puhelin=0401234567.',
      'Kanava: verkkochat, kieli: suomi.',
      'Aiemmat yhteydet (2): 20.2.2026 puhelu: order_status (botti ratkaisi); 5.1.2026 verkkochat: laskuriita (ohjattu ihmiselle, ASPA-000007).',
    ].join('\n'));
  });

  test('without an intent the first customer line with a known intent sets the topic', () => {
    const record = conversation({
      channel: 'voice', locale: 'sv',
      transcript: [
        { at: T0, from: 'customer', text: 'hallå', intent: 'oos' },
        { at: T0 + 1, from: 'customer', text: 'Strömmen är borta i hela huset', intent: 'outage_report' },
      ],
    });
    const summary = summarizeConversation({ conversation: record, reason: 'emergency' });
    expect(summary).toContain('Aihe: outage_report.');
    expect(summary).toContain('Syy: hätätilanne.');
    expect(summary).toContain('Asiakas: "Strömmen är borta i hela huset".');
    expect(summary).toContain('Kanava: puhelu, kieli: ruotsi.');
    expect(summary).toContain('Aiemmat yhteydet: ei.');
    expect(summary).not.toContain('Botti kertoi');
    expect(summary).not.toContain('Kerätyt tiedot');
  });

  test('a call: the phone\'s own prompts and lines never played are not what the bot told; a line talked over is marked', () => {
    const record = conversation({
      channel: 'voice',
      transcript: [
        { at: T0, from: 'bot', text: 'Kerro omin sanoin, miten voin auttaa.', key: 'main.how_can_i_help', channel: 'voice' },
        { at: T0 + 1, from: 'bot', text: 'Anteeksi, en kuullut. Kerro omin sanoin, miten voin auttaa.', key: 'voice.reprompt', channel: 'voice' },
        { at: T0 + 2, from: 'bot', text: 'Kuulinko oikein: missä tilaus? Sano kyllä tai ei.', key: 'voice.confirm', channel: 'voice' },
        { at: T0 + 3, from: 'customer', text: 'missä tilaus', intent: 'order_status' },
        { at: T0 + 4, from: 'bot', text: 'Tilauksesi 12345 on lähetetty.', key: 'order_status.status_shipped', channel: 'voice', interrupted: 'barge_in' },
        { at: T0 + 5, from: 'bot', text: 'Paina 1: Tilauksen tila.', key: 'voice.dtmf_option', channel: 'voice' },
        { at: T0 + 6, from: 'bot', text: 'Voinko auttaa vielä?', key: 'main.anything_else', channel: 'voice', interrupted: 'not_played' },
        { at: T0 + 7, from: 'bot', text: 'Yhdistän sinut nyt asiakaspalvelijalle.', key: 'voice.transferring', channel: 'voice' },
      ],
    });
    expect(summarizeConversation({ conversation: record, reason: 'customer_request' })).toContain(
      'Botti kertoi: "Kerro omin sanoin, miten voin auttaa."; "Tilauksesi 12345 on lähetetty." (asiakas keskeytti).',
    );
    // A custom skip list does not let the channel's prompts back in.
    expect(summarizeConversation({ conversation: record, reason: 'customer_request' }, { skipKeys: /^main\./ })).toContain(
      'Botti kertoi: "Tilauksesi 12345 on lähetetty." (asiakas keskeytti).',
    );
  });

  test('a chat: every bot answer but the handoff notice is told, keys or not', () => {
    const record = conversation({
      transcript: [
        { at: T0, from: 'bot', text: 'Hei!', key: 'main.greeting', channel: 'web' },
        { at: T0 + 1, from: 'customer', text: 'lasku on väärin', intent: 'billing_dispute' },
        { at: T0 + 2, from: 'bot', text: 'Mikä on laskun numero?', channel: 'web' },
        { at: T0 + 3, from: 'bot', text: 'Välitän asian.', key: 'human.handoff_created', channel: 'web' },
      ],
    });
    expect(summarizeConversation({ conversation: record, reason: 'billing_dispute' })).toContain('Botti kertoi: "Hei!"; "Mikä on laskun numero?".');
  });

  test('an empty or damaged record still gives a summary', () => {
    const damaged = conversation({ transcript: undefined as unknown as [], slots: undefined as unknown as Slots });
    expect(summarizeConversation({ conversation: damaged, reason: 'callback' })).toBe([
      'Aihe: ei tunnistettu.', 'Syy: asiakas pyysi soittoa.', 'Kanava: verkkochat, kieli: suomi.', 'Aiemmat yhteydet: ei.',
    ].join('\n'));
  });

  test('long history is cut to three, the rest counted', () => {
    const history = [1, 2, 3, 4, 5].map((day) => ({ conversationId: `c-${day}`, channel: 'web' as const, at: Date.parse(`2026-02-0${day}T10:00:00Z`) }));
    expect(summarizeConversation({ conversation: conversation(), reason: 'customer_request', history })).toContain(
      'Aiemmat yhteydet (5): 1.2.2026 verkkochat; 2.2.2026 verkkochat; 3.2.2026 verkkochat ja 2 muuta.',
    );
  });
});
