import * as path from 'node:path';
import { createEngine } from '../../src/core/engine';
import { silentLogger } from '../../src/core/logger';
import { compileFlows } from '../../src/flows/compile-flow';
import { loadFlows } from '../../src/flows/load-flows';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { toSpeechSafeText, toSpeechSsml } from '../../src/channels/voice/speech-safe-text';
import { keywordNlu, loadMiniBot, MINI_BOT_DIR } from '../support/mini-bot';
import { createFakeEngine } from './support/fake-engine';
import { find, findAll, spokenText } from './support/parse-twiml';
import { actionPath, callSid, startVoiceHarness, voiceConfig, type VoiceHarness } from './support/voice-harness';

const CALLER = '+358401234567';

describe('voice prompts: what may be interrupted, and what the caller hears', () => {
  let harness: VoiceHarness | undefined;
  afterEach(async () => { await harness?.close(); harness = undefined; });

  it('a flow state with barge_in: false is spoken before the Gather; the rest of the prompt stays interruptible', async () => {
    // The mini bot's menu question, marked as text that must be heard in full.
    const flows = loadFlows(path.join(MINI_BOT_DIR, 'flows'));
    const main = flows.flows.find((loaded) => loaded.flow.id === 'main')!.flow;
    main.states.menu = { ...main.states.menu, barge_in: false };
    const loaded = loadMiniBot();
    const stores = createMemoryStores({});
    const clock = { now: () => Date.parse('2026-12-02T10:00:00+02:00') };
    const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: {} });
    const engine = createEngine({
      bot: compileFlows({ flows: flows.flows.map((entry) => entry.flow) }), catalog: loaded.catalog, nlu: keywordNlu, stores, handoff, clock, logger: silentLogger,
      options: { locales: ['fi', 'en'] }, integrations: {},
    });
    harness = await startVoiceHarness({ engine, clock, config: voiceConfig({ transfer: { number: '+358291111111' } }) });
    const greeting = await harness.post('incoming', { CallSid: callSid(401), From: CALLER });
    const response = greeting.twiml!;
    const [first] = response.children;
    expect(first.name).toBe('Say'); // outside the Gather: Twilio plays it to the end
    expect(first.text).toContain('Miten voin auttaa?');
    expect(findAll(find(response, 'Gather'), 'Say')).toHaveLength(0);
    // Keypad menu: the person is key 0 only, not also a numbered option.
    const reprompt = await harness.post(actionPath(greeting.twiml), { CallSid: callSid(401) });
    const menu = await harness.post(actionPath(reprompt.twiml), { CallSid: callSid(401) });
    const said = spokenText(menu.twiml!);
    expect(said).toContain('Paina 1: Tilaus (fi).');
    expect(said).not.toContain('Paina 2');
    expect(said.match(/Paina 0/g)).toHaveLength(1);
    await stores.close();
  });

  it('barge-in can be turned off for the whole line', async () => {
    harness = await startVoiceHarness({ engine: createFakeEngine(), config: voiceConfig({ bargeIn: { enabled: false, minStability: 0.3, onVoiceActivity: false } }) });
    const response = await harness.post('incoming', { CallSid: callSid(402), From: CALLER });
    expect(find(response.twiml!, 'Gather').attributes.bargeIn).toBe('false');
  });

  it('a <Number> transfer whispers the ticket id and topic to the agent by default', async () => {
    harness = await startVoiceHarness({ engine: createFakeEngine(), config: voiceConfig({ transfer: { number: '+358291111111' } }) });
    const sid = callSid(403);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const transfer = await harness.post(actionPath(greeting.twiml), { CallSid: sid, SpeechResult: 'haluan puhua ihmisen kanssa', Confidence: '0.9' });
    const number = find(transfer.twiml!, 'Number');
    expect(number.attributes.url).toBe(`https://bot.example.com/voice/whisper?c=${sid}&t=2`);
    const whisper = await harness.post(`whisper?c=${sid}&t=2`, { CallSid: callSid(499) });
    expect(spokenText(whisper.twiml!)).toBe('Botilta puhelu. Tiketti A S P A, 0 0 0 0 0 1, aihe: general. Asiakas sanoi: haluan puhua ihmisen kanssa.');
    // The contact centre can turn the whisper off.
    await harness.close();
    harness = await startVoiceHarness({ engine: createFakeEngine(), config: voiceConfig({ transfer: { number: '+358291111111', whisper: false } }) });
    const again = await harness.post('incoming', { CallSid: callSid(404), From: CALLER });
    const noWhisper = await harness.post(actionPath(again.twiml), { CallSid: callSid(404), Digits: '0' });
    expect(find(noWhisper.twiml!, 'Number').attributes.url).toBeUndefined();
  });

  it('with no transfer target the caller hears one message, not "connecting you" and then "everyone is busy"', async () => {
    harness = await startVoiceHarness({ engine: createFakeEngine(), config: voiceConfig({ transfer: {} }) });
    const sid = callSid(405);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const answer = await harness.post(actionPath(greeting.twiml), { CallSid: sid, Digits: '0' });
    const said = spokenText(answer.twiml!);
    expect(said).toBe('Asiakaspalvelijaa ei valitettavasti saa nyt puhelimeen. Kirjasin asiasi tunnuksella A S P A, 0 0 0 0 0 1, ja soitamme sinulle takaisin numeroon, josta soitat. Näkemiin!');
    expect(findAll(answer.twiml!, 'Dial')).toHaveLength(0);
    expect(findAll(answer.twiml!, 'Hangup')).toHaveLength(1);
    // A failing turn does not promise a person either when there is nowhere to put the call.
    const failing = createFakeEngine();
    failing.handleTurn = async () => { throw new Error('store down'); };
    await harness.close();
    harness = await startVoiceHarness({ engine: failing, config: voiceConfig({ transfer: {} }) });
    const broken = await harness.post('incoming', { CallSid: callSid(406), From: CALLER });
    expect(spokenText(broken.twiml!)).not.toContain('Yhdistän');
  });

  it('the TaskRouter queue gets the ticket as task attributes', async () => {
    harness = await startVoiceHarness({ engine: createFakeEngine(), config: voiceConfig({ transfer: { enqueue: true, workflowSid: `WW${'1'.repeat(32)}` } }) });
    const sid = callSid(407);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const queued = await harness.post(actionPath(greeting.twiml), { CallSid: sid, Digits: '0' });
    expect(find(queued.twiml!, 'Enqueue').attributes.workflowSid).toBe(`WW${'1'.repeat(32)}`);
    expect(JSON.parse(find(queued.twiml!, 'Task').text)).toMatchObject({ ticketId: 'ASPA-000001', queue: 'general', conversationId: `voice-${sid}`, callSid: sid, from: CALLER });
  });
});

describe('speech-safe text per locale', () => {
  it('reads ranges, weekdays, times, money, brackets, abbreviations and product names naturally', () => {
    expect(toSpeechSafeText('Tilauksesi 12345 (WiFi 6 -reititin) on lähetetty. Numero on 5–8 merkkiä.', 'fi'))
      .toBe('Tilauksesi 1 2 3 4 5, wifi kuutosreititin, on lähetetty. Numero on viidestä kahdeksaan merkkiä.');
    expect(toSpeechSafeText('Avoinna ma–pe klo 8.00–16.00. Hinta 4,90 € tai 12 €, esim. 5G-liittymä.', 'fi'))
      .toBe('Avoinna maanantaista perjantaihin kello kahdeksasta kuuteentoista. Hinta 4 euroa 90 senttiä tai 12 euroa, esimerkiksi viisi gee-liittymä.');
    expect(toSpeechSafeText('Öppet mån–fre kl. 8–18. Pris 4,90 € (inkl. moms), t.ex. WiFi 6.', 'sv'))
      .toBe('Öppet måndag till fredag klockan 8 till 18. Pris 4 euro och 90 cent, inklusive moms, till exempel wifi sex.');
    expect(toSpeechSafeText('Open Mon–Fri 9:00–17:00. It costs €4.90, e.g. 5-8 days.', 'en'))
      .toBe('Open Monday to Friday 9 to 17. It costs 4 euros and 90 cents, for example 5 to 8 days.');
    expect(toSpeechSafeText('Soita 040-123 4567 klo 12.30.', 'fi')).toBe('Soita 0 4 0 1 2 3 4 5 6 7 kello 12.30.');
  });

  it('reads nested brackets, counts, screen sizes, single weekdays and money written with the word', () => {
    expect(toSpeechSafeText('Tilauksesi 23456 (Mesh-verkkosarja (3 kpl)) on vastaanotettu. Televisio 55". Paperilaskun lisä on 3,90 euroa.', 'fi'))
      .toBe('Tilauksesi 2 3 4 5 6, Mesh-verkkosarja, 3 kappaletta, on vastaanotettu. Televisio 55 tuumaa. Paperilaskun lisä on 3 euroa 90 senttiä.');
    expect(toSpeechSafeText('Öppet mån–fre 8–18 och lör 10–15 (finsk tid). Pappersfaktura kostar 3,90 euro extra, 2 st.', 'sv'))
      .toBe('Öppet måndag till fredag 8 till 18 och lördag 10 till 15, finsk tid. Pappersfaktura kostar 3 euro och 90 cent extra, 2 stycken.');
    expect(toSpeechSafeText('Open Mon–Fri 8–18 and Sat 10–15 (Finnish time). Paper invoices cost 3.90 euros extra. I sat 2 hours.', 'en'))
      .toBe('Open Monday to Friday 8 to 18 and Saturday 10 to 15, Finnish time. Paper invoices cost 3 euros and 90 cents extra. I sat 2 hours.');
  });

  it('gives SSML for voices that read it: escaped, digit runs as characters, pauses between sentences', () => {
    expect(toSpeechSsml('Tilaus 1 2 3 4 5 on lähetetty. Kiitos & hei!'))
      .toBe('<speak>Tilaus <say-as interpret-as="characters">12345</say-as> on lähetetty. <break time="250ms"/> Kiitos &amp; hei!</speak>');
  });
});
