import { createFakeEngine } from './support/fake-engine';
import { find, findAll, spokenText } from './support/parse-twiml';
import { actionPath, callSid, startVoiceHarness, voiceConfig, type VoiceHarness } from './support/voice-harness';
import type { CallEndedEvent } from '../../src/channels/voice/voice-channel';
import type { VoiceConfig } from '../../src/channels/voice/voice-config';

const CALLER = '+358401234567';

describe('voice channel: Twilio Gather webhooks', () => {
  let harness: VoiceHarness;
  let engine: ReturnType<typeof createFakeEngine>;
  let ended: CallEndedEvent[];

  async function start(config: Partial<VoiceConfig> = {}, engineOptions: Parameters<typeof createFakeEngine>[0] = {}) {
    engine = createFakeEngine(engineOptions);
    ended = [];
    harness = await startVoiceHarness({ engine, config: voiceConfig(config), onCallEnded: (event) => ended.push(event) });
  }
  afterEach(async () => harness?.close());

  it('refuses a request with a wrong or missing signature with 403 and runs nothing', async () => {
    await start();
    const params = { CallSid: callSid(1), From: CALLER };
    expect((await harness.post('incoming', params, { signature: 'bm90IGEgc2lnbmF0dXJl' })).status).toBe(403);
    expect((await harness.post('incoming', params, { signature: null })).status).toBe(403);
    // Signed for another URL (the signature covers PUBLIC_URL + path).
    const twilio = await import('twilio');
    const wrongUrl = twilio.default.getExpectedTwilioSignature('test-auth-token-0123456789abcdef', 'https://evil.example.com/voice/incoming', params);
    expect((await harness.post('incoming', params, { signature: wrongUrl })).status).toBe(403);
    expect(engine.turns).toHaveLength(0);
  });

  it('answers a call with a Finnish greeting inside a speech+dtmf Gather with hints, barge-in and an ASCII action URL', async () => {
    await start();
    const response = await harness.post('incoming', { CallSid: callSid(2), From: CALLER, To: '+358291234567' });
    expect(response.status).toBe(200);
    const gather = find(response.twiml!, 'Gather');
    expect(gather.attributes).toMatchObject({
      input: 'speech dtmf', language: 'fi-FI', speechTimeout: 'auto', bargeIn: 'true', actionOnEmptyResult: 'true',
      hints: 'Tilauksen tila, Laskussa on virhe, tilaus, lasku, asiakaspalvelija', method: 'POST',
    });
    expect(gather.attributes.speechModel).toBeUndefined();
    expect(gather.attributes.action).toBe(`https://bot.example.com/voice/gather?c=${callSid(2)}&t=1`);
    const says = findAll(gather, 'Say');
    expect(says[0].attributes).toEqual({ language: 'fi-FI', voice: 'Polly.Suvi-Neural' });
    expect(spokenText(response.twiml!)).toContain('Hei! Olen Revontulen asiakaspalvelubotti.');
    expect(engine.turns[0]).toMatchObject({
      channel: 'voice', input: { kind: 'start' }, customer: { phone: CALLER }, clientMessageId: `${callSid(2)}:1`,
    });
  });

  it('turns speech into a text turn with its STT confidence and reads the order number digit by digit', async () => {
    await start();
    const sid = callSid(3);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const ask = await harness.post(actionPath(greeting.twiml), { CallSid: sid, SpeechResult: 'Missä tilaukseni on?', Confidence: '0.91' });
    expect(engine.turns[1].input).toEqual({ kind: 'text', text: 'Missä tilaukseni on?', sttConfidence: 0.91 });
    const gather = find(ask.twiml!, 'Gather');
    expect(gather.attributes.hints).toContain('$OOV_CLASS_DIGIT_SEQUENCE');
    expect(gather.attributes.numDigits).toBe('8');
    const status = await harness.post(actionPath(ask.twiml), { CallSid: sid, Digits: '12345' });
    expect(engine.turns[2].input).toEqual({ kind: 'dtmf', digits: '12345' });
    const said = spokenText(status.twiml!);
    expect(said).toContain('Tilauksesi 1 2 3 4 5 on lähetetty.');
    expect(said).toContain('revontuli piste fi kauttaviiva tilaukset');
    expect(said).not.toMatch(/https?:|12345/);
  });

  it('confirms a low-confidence transcript before acting on it', async () => {
    await start({ sttConfidenceThreshold: 0.6 });
    const sid = callSid(4);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const confirm = await harness.post(actionPath(greeting.twiml), { CallSid: sid, SpeechResult: 'tilaus', Confidence: '0.41' });
    expect(spokenText(confirm.twiml!)).toBe('Kuulinko oikein: tilaus? Sano kyllä tai ei.');
    expect(find(confirm.twiml!, 'Gather').attributes.hints).toContain('kyllä');
    expect(engine.turns).toHaveLength(1);
    const answered = await harness.post(actionPath(confirm.twiml), { CallSid: sid, SpeechResult: 'Kyllä.', Confidence: '0.95' });
    expect(engine.turns[1].input).toEqual({ kind: 'text', text: 'tilaus', sttConfidence: 0.41 });
    expect(spokenText(answered.twiml!)).toContain('Kerrotko tilausnumerosi?');
    // "No" (or key 2) asks again without running a turn.
    const again = await harness.post(actionPath(answered.twiml), { CallSid: sid, SpeechResult: 'yksi kaksi', Confidence: '0.2' });
    const retry = await harness.post(actionPath(again.twiml), { CallSid: sid, Digits: '2' });
    expect(spokenText(retry.twiml!)).toBe('Selvä. Sanoisitko sen uudelleen?');
    expect(engine.turns).toHaveLength(2);
  });

  it('handles silence: reprompt, then a keypad menu, then a goodbye with a callback ticket', async () => {
    await start({}, { agentsAvailable: false });
    const sid = callSid(5);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const reprompt = await harness.post(actionPath(greeting.twiml), { CallSid: sid });
    expect(spokenText(reprompt.twiml!)).toBe('Anteeksi, en kuullut. Miten voin auttaa?');
    const menu = await harness.post(actionPath(reprompt.twiml), { CallSid: sid, SpeechResult: '' });
    const menuText = spokenText(menu.twiml!);
    expect(menuText).toContain('Paina 1: Tilauksen tila.');
    expect(menuText).toContain('Paina 0, jos haluat puhua asiakaspalvelijan kanssa.');
    expect(find(menu.twiml!, 'Gather').attributes.numDigits).toBe('1');
    const goodbye = await harness.post(actionPath(menu.twiml), { CallSid: sid });
    expect(spokenText(goodbye.twiml!)).toContain('tunnus A S P A, 0 0 0 0 0 1');
    expect(findAll(goodbye.twiml!, 'Hangup')).toHaveLength(1);
    expect(engine.turns[1].input).toEqual({ kind: 'payload', payload: 'human_agent' });
    await harness.post('status', { CallSid: sid, CallStatus: 'completed', CallDuration: '41' });
    expect(ended).toEqual([{ callSid: sid, conversationId: `voice-${sid}`, outcome: 'no_input', callStatus: 'completed', durationSeconds: 41, ticketId: 'ASPA-000001' }]);
  });

  it('maps a keypad menu choice to the option payload', async () => {
    await start();
    const sid = callSid(6);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const next = await harness.post(actionPath(greeting.twiml), { CallSid: sid, Digits: '1' });
    expect(engine.turns[1].input).toEqual({ kind: 'payload', payload: 'order_status', text: 'Tilauksen tila' });
    expect(spokenText(next.twiml!)).toContain('Kerrotko tilausnumerosi?');
  });

  it('answers a retried webhook with the same TwiML and does not run the turn twice', async () => {
    await start();
    const sid = callSid(7);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const params = { CallSid: sid, SpeechResult: 'tilaus', Confidence: '0.9' };
    const first = await harness.post(actionPath(greeting.twiml), params);
    const retried = await harness.post(actionPath(greeting.twiml), params);
    expect(retried.body).toBe(first.body);
    expect(engine.turns).toHaveLength(2);
    const incomingAgain = await harness.post('incoming', { CallSid: callSid(8), From: CALLER });
    expect((await harness.post('incoming', { CallSid: callSid(8), From: CALLER })).body).toBe(incomingAgain.body);
  });

  it('transfers to a SIP address with the ticket id as X-Ticket-Id and records the call as transferred', async () => {
    await start({ transfer: { sip: 'sip:agents@pbx.example.com', whisper: true } });
    const sid = callSid(9);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const transfer = await harness.post(actionPath(greeting.twiml), { CallSid: sid, SpeechResult: 'Haluan puhua ihmisen kanssa', Confidence: '0.93' });
    const sip = find(transfer.twiml!, 'Sip');
    expect(sip.text).toBe(`sip:agents@pbx.example.com?X-Ticket-Id=ASPA-000001&X-Conversation-Id=voice-${sid}&X-Queue=general&X-Locale=fi`);
    expect(sip.attributes.url).toBe(`https://bot.example.com/voice/whisper?c=${sid}&t=2`);
    expect(find(transfer.twiml!, 'Dial').attributes.action).toBe(`https://bot.example.com/voice/dial-status?c=${sid}&t=2`);
    expect(spokenText(transfer.twiml!)).toContain('Asiasi tunnus on A S P A, 0 0 0 0 0 1.');
    expect(findAll(transfer.twiml!, 'Gather')).toHaveLength(0);
    // The agent hears a one-line summary before the calls are bridged (the agent leg has its own CallSid).
    const whisper = await harness.post(`whisper?c=${sid}&t=2`, { CallSid: callSid(99) });
    expect(spokenText(whisper.twiml!)).toBe('Botilta puhelu. Tiketti A S P A, 0 0 0 0 0 1, aihe: general. Asiakas sanoi: Haluan puhua ihmisen kanssa.');
    await harness.post('status', { CallSid: sid, CallStatus: 'completed' });
    expect(ended[0]).toMatchObject({ outcome: 'transferred', ticketId: 'ASPA-000001' });
  });

  it('transfers to a number, to the ticket queue, and sends emergencies to the emergency number at once', async () => {
    await start({ transfer: { number: '+358291111111', emergencyNumber: '+358292222222', callerId: '+358290000000' } });
    const greeting = await harness.post('incoming', { CallSid: callSid(10), From: CALLER });
    const toNumber = await harness.post(actionPath(greeting.twiml), { CallSid: callSid(10), Digits: '0' });
    expect(find(toNumber.twiml!, 'Number').text).toBe('+358291111111');
    expect(find(toNumber.twiml!, 'Dial').attributes.callerId).toBe('+358290000000');

    const greeting2 = await harness.post('incoming', { CallSid: callSid(11), From: CALLER });
    const emergency = await harness.post(actionPath(greeting2.twiml), { CallSid: callSid(11), SpeechResult: 'johto kipinöi', Confidence: '0.9' });
    expect(find(emergency.twiml!, 'Number').text).toBe('+358292222222');
    expect(spokenText(emergency.twiml!)).toContain('hätänumeroon yksi yksi kaksi');
    await harness.close();

    await start({ transfer: { enqueue: true } });
    const greeting3 = await harness.post('incoming', { CallSid: callSid(12), From: CALLER });
    const queued = await harness.post(actionPath(greeting3.twiml), { CallSid: callSid(12), Digits: '0' });
    const enqueue = find(queued.twiml!, 'Enqueue');
    expect(enqueue.text).toBe('general');
    expect(enqueue.attributes.action).toContain('ticket=ASPA-000001');
  });

  it('says goodbye with the ticket when the transfer is not answered, and records a caller who hung up mid-flow', async () => {
    await start({ transfer: { number: '+358291111111' } });
    const sid = callSid(13);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    await harness.post(actionPath(greeting.twiml), { CallSid: sid, Digits: '0' });
    const after = await harness.post(`dial-status?c=${sid}&t=2`, { CallSid: sid, DialCallStatus: 'no-answer' });
    expect(spokenText(after.twiml!)).toContain('A S P A, 0 0 0 0 0 1');
    expect(findAll(after.twiml!, 'Hangup')).toHaveLength(1);

    const other = callSid(14);
    await harness.post('incoming', { CallSid: other, From: CALLER });
    await harness.post('status', { CallSid: other, CallStatus: 'completed' });
    expect(ended.find((event) => event.callSid === other)?.outcome).toBe('caller_hung_up');
  });

  it('uses the voice and language of the conversation, and whole-second speechTimeout with a model', async () => {
    await start({ speechModels: { sv: 'googlev2_telephony' }, speechTimeoutSeconds: 2 }, { locale: 'sv' });
    const response = await harness.post('incoming', { CallSid: callSid(15), From: CALLER });
    const gather = find(response.twiml!, 'Gather');
    expect(gather.attributes).toMatchObject({ language: 'sv-SE', speechModel: 'googlev2_telephony', speechTimeout: '2' });
    expect(find(gather, 'Say').attributes.voice).toBe('Polly.Elin-Neural');
    await harness.close();
    await start({}, { locale: 'en' });
    const english = await harness.post('incoming', { CallSid: callSid(16), From: CALLER });
    expect(find(english.twiml!, 'Say').attributes).toEqual({ language: 'en-US', voice: 'Polly.Joanna-Neural' });
  });

  it('plays configured audio instead of speaking that message', async () => {
    await start({ audio: { 'fake.greeting': 'https://cdn.example.com/greeting-fi.mp3' } });
    const response = await harness.post('incoming', { CallSid: callSid(17), From: CALLER });
    expect(find(response.twiml!, 'Play').text).toBe('https://cdn.example.com/greeting-fi.mp3');
    expect(spokenText(response.twiml!)).not.toContain('Hei! Olen');
  });

  it('greets a caller who chatted on the web earlier with the same number', async () => {
    await start({}, { knownPhones: [CALLER] });
    const response = await harness.post('incoming', { CallSid: callSid(18), From: CALLER });
    expect(spokenText(response.twiml!)).toContain('Soitatko äskeisen chat-keskustelun tilauksesta 1 2 3 4 5?');
  });

  it('asks for partial results when configured, and acknowledges a signed partial without acting on it', async () => {
    await start();
    const plain = await harness.post('incoming', { CallSid: callSid(40), From: CALLER });
    expect(find(plain.twiml!, 'Gather').attributes.partialResultCallback).toBeUndefined();
    await harness.close();

    await start({ partialResults: true });
    const sid = callSid(41);
    const greeting = await harness.post('incoming', { CallSid: sid, From: CALLER });
    const gather = find(greeting.twiml!, 'Gather');
    expect(gather.attributes).toMatchObject({ partialResultCallback: `https://bot.example.com/voice/partial?c=${sid}&t=1`, partialResultCallbackMethod: 'POST' });
    const partialPath = `partial?c=${sid}&t=1`;
    const partial = { CallSid: sid, SequenceNumber: '1', UnstableSpeechResult: 'missä tilauk', Stability: '0.6' };
    expect((await harness.post(partialPath, partial)).status).toBe(204);
    expect((await harness.post(partialPath, partial, { signature: 'bm90IGEgc2lnbmF0dXJl' })).status).toBe(403);
    expect((await harness.post(partialPath, { CallSid: sid, UnstableSpeechResult: 'x' })).status).toBe(400);
    expect((await harness.post(partialPath, { CallSid: 'CA-not-a-call', SequenceNumber: '2', UnstableSpeechResult: 'x' })).status).toBe(400);
    expect((await harness.post(partialPath, { CallSid: sid, SequenceNumber: '3', UnstableSpeechResult: 'x'.repeat(1001) })).status).toBe(400);
    // Nothing ran early: the final result is the turn, answered as without partials.
    expect(engine.turns).toHaveLength(1);
    const answer = await harness.post(actionPath(greeting.twiml), { CallSid: sid, SpeechResult: 'Missä tilaukseni on?', Confidence: '0.91' });
    expect(engine.turns).toHaveLength(2);
    expect(spokenText(answer.twiml!)).toContain('Kerrotko tilausnumerosi?');
  });

  it('rejects bad input with clear errors and never crashes', async () => {
    await start();
    const bad = await harness.post('gather', { CallSid: 'not-a-call' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('CallSid');
    const failing = createFakeEngine();
    failing.handleTurn = async () => { throw new Error('store down'); };
    await harness.close();
    harness = await startVoiceHarness({ engine: failing, config: voiceConfig() });
    const response = await harness.post('incoming', { CallSid: callSid(19), From: CALLER });
    expect(response.status).toBe(200);
    expect(spokenText(response.twiml!)).toContain('jokin meni vikaan');
    expect(() => voiceConfig({ speechModels: { fi: 'phone_call' } })).not.toThrow();
    const { createVoiceChannel } = await import('../../src/channels/voice/voice-channel');
    expect(() => createVoiceChannel({ engine: failing, config: voiceConfig({ speechModels: { fi: 'phone_call' } }) })).toThrow(/phone_call does not support fi-FI/);
    expect(() => createVoiceChannel({ engine: failing, config: voiceConfig({ publicUrl: 'nope' }) })).toThrow(/PUBLIC_URL/);
  });
});
