import twilio from 'twilio';

export const TWILIO_TOKEN = 'e2e-twilio-auth-token-0123456789';
export const PUBLIC_URL = 'https://bot.example.com';
const HOUR = 3_600_000;

export interface DayClock {
  set(at: number): void;
}

/** A web chat through the widget's own HTTP endpoints (start, then messages with the conversation's token). */
export async function webChat(base: string, locale: 'fi' | 'en' | 'sv', lines: string[]): Promise<{ conversationId: string; ticketId?: string }> {
  const started = await (await fetch(`${base}/api/web/conversations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locale }) })).json() as { conversationId: string; token: string };
  let ticketId: string | undefined;
  for (const [index, text] of lines.entries()) {
    const res = await fetch(`${base}/api/web/conversations/${started.conversationId}/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${started.token}` },
      body: JSON.stringify({ type: 'message', text, clientMessageId: `day-${started.conversationId.slice(0, 8)}-${index}` }),
    });
    if (res.status !== 200) throw new Error(`web message "${text}": HTTP ${res.status}`);
    const reply = await res.json() as { replies: { kind: string; ticketId?: string }[] };
    ticketId = reply.replies.find((r) => r.kind === 'handoff')?.ticketId ?? ticketId;
  }
  return { conversationId: started.conversationId, ticketId };
}

async function twilioPost(base: string, path: string, params: Record<string, string>): Promise<string> {
  const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}/voice/${path}`, params);
  const res = await fetch(`${base}/voice/${path}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString(),
  });
  if (res.status !== 200 && res.status !== 204) throw new Error(`voice ${path}: HTTP ${res.status}`);
  return res.text();
}

/** A phone call through the signed Twilio webhooks (Gather mode): speech turns, or digits for a rating. */
export async function phoneCall(base: string, callSid: string, from: string, turns: ({ speech: string } | { digits: string })[]): Promise<void> {
  const call = { CallSid: callSid, AccountSid: `AC${'2'.repeat(32)}`, From: from, To: '+358291234567' };
  let twiml = await twilioPost(base, 'incoming', { ...call, CallStatus: 'ringing' });
  for (const turn of turns) {
    const action = /<Gather[^>]*action="([^"]+)"/.exec(twiml)?.[1]?.replace(/&amp;/g, '&');
    if (!action) throw new Error(`no Gather to answer: ${twiml.slice(0, 300)}`);
    const url = new URL(action);
    twiml = await twilioPost(base, url.pathname.replace(/^\/voice\//, '') + url.search, {
      ...call, CallStatus: 'in-progress', ...('speech' in turn ? { SpeechResult: turn.speech, Confidence: '0.9' } : { Digits: turn.digits }),
    });
  }
  await twilioPost(base, 'status', { ...call, CallStatus: 'completed', CallDuration: '95' });
}

async function agentPost(base: string, cookie: string, ticketId: string, action: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${base}/api/agent/tickets/${ticketId}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`agent ${action}: HTTP ${res.status} ${await res.text()}`);
}

export async function login(base: string, name: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/agent/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  if (res.status !== 200) throw new Error(`login ${name}: HTTP ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

/**
 * Tuesday 24 November 2026 in Helsinki, 08:05–14:00, looked at the next morning: chats in three languages and phone calls, resolved by the bot,
 * handed off (one answered and closed by an agent, one left waiting past its SLA), abandoned, rated; one caller
 * calls back, which makes the first call a repeat contact.
 */
export async function scriptedDay(base: string, clock: DayClock, agentCookie: string, dayStart: number): Promise<void> {
  const at = (hours: number) => clock.set(dayStart + hours * HOUR);
  at(0.1);
  await webChat(base, 'fi', ['mihin mennessä lasku pitää maksaa', 'kyllä', 'kiitos hei', '5']);
  at(0.5);
  await webChat(base, 'en', ['by when do i have to pay my bill', 'yes', 'thanks bye', '4']);
  at(1.2);
  await webChat(base, 'fi', ['missä tilaukseni on']); // and the customer leaves
  at(1.7);
  const handedOff = await webChat(base, 'fi', ['haluan puhua ihmiselle']);
  if (!handedOff.ticketId) throw new Error('the chat handoff made no ticket');
  at(1.9);
  await agentPost(base, agentCookie, handedOff.ticketId, 'claim');
  await agentPost(base, agentCookie, handedOff.ticketId, 'messages', { text: 'Hei, täällä Maija. Miten voin auttaa?' });
  at(2.4);
  await agentPost(base, agentCookie, handedOff.ticketId, 'close', { resolution: 'Neuvottu puhelimessa.' });
  at(2.5);
  await phoneCall(base, `CA${'a'.repeat(32)}`, '+358401110001', [{ speech: 'missä tilaukseni on' }, { speech: 'se on 12345' }, { speech: 'haluan puhua ihmisen kanssa' }]);
  at(3);
  await phoneCall(base, `CA${'b'.repeat(32)}`, '+358401110002', [{ speech: 'mihin mennessä lasku pitää maksaa' }, { speech: 'kyllä' }, { speech: 'kiitos hei' }, { digits: '5' }]);
  at(4.5);
  await webChat(base, 'sv', ['var är mitt paket']); // left without an answer
  at(6);
  await phoneCall(base, `CA${'c'.repeat(32)}`, '+358401110001', [{ speech: 'kiitos hei' }, { digits: '3' }]);
  at(25); // the manager looks the next morning: the phone ticket nobody answered is past its SLA

}
