import * as path from 'node:path';
import { runVoiceConversationScript } from '../../src/channels/voice/run-voice-script';
import { renderingFor } from '../../src/i18n/render-message';
import { loadConfig } from '../../src/config/load-config';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { loadConversationScripts } from '../../src/testing/conversation-script';
import { createScriptHarness, DEFAULT_SCRIPT_TIME } from '../../src/testing/run-conversation-script';
import { find, parseTwiml, spokenText } from './support/parse-twiml';

// Scripted phone calls through the voice channel's signed webhooks, the real engine, NLU and demo flows.
const root = path.resolve(__dirname, '..', '..');
const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
const { scripts, problems } = loadConversationScripts([path.join(__dirname, 'conversations')]);
const loaded = loadBotFor(config);
const integrations = createIntegrations(config);
const transfer = { number: '+358290000000', emergencyNumber: '+358290000112' };
/** The deployment's texts, voice variants first, as the composition root wires them. */
const messages = (key: string, locale: 'fi' | 'sv' | 'en') => {
  const message = loaded.catalog.get(locale, key);
  return message?.voice?.[0] ?? message?.text[0];
};

function harnessFor(clock?: string) {
  return createScriptHarness(loaded, integrations, Date.parse(clock ?? DEFAULT_SCRIPT_TIME));
}

describe('voice conversation scripts (fi, sv, en)', () => {
  it('are all well-formed phone calls', () => {
    expect(problems).toEqual([]);
    expect(scripts.filter((script) => script.channel === 'voice').map((script) => script.locale).sort()).toEqual(expect.arrayContaining(['en', 'fi', 'sv']));
    expect(scripts.filter((script) => script.channel === 'voice').length).toBeGreaterThanOrEqual(30);
  });

  it.each(scripts.map((script) => [path.basename(script.file), script] as const))('%s', async (_file, script) => {
    const harness = harnessFor(script.clock);
    const result = await runVoiceConversationScript(script, harness, { transfer }, { messages });
    try {
      if (!result.passed) throw new Error(`${result.failures.join('\n')}\n\n${result.log.join('\n')}`);
      if (!path.basename(script.file).startsWith('order_status_handoff')) return;
      // The call is transferred with the ticket, and the ticket's transcript holds every spoken line.
      const last = parseTwiml(result.twiml[result.twiml.length - 1]);
      expect(find(last, 'Number').text).toBe('+358290000000');
      const record = await harness.engine.getConversation(result.conversationId);
      const ticket = await harness.stores.tickets.get(record?.ticketId ?? '');
      expect(ticket).toBeDefined();
      expect(ticket?.channel).toBe('voice');
      // Every spoken line with its STT confidence, in the conversation the agent opens by the ticket's conversation id.
      const spoken = script.steps.filter((step) => step.speech !== undefined);
      const customerLines = record!.transcript.filter((entry) => entry.from === 'customer');
      expect(customerLines.map((entry) => [entry.text, entry.sttConfidence])).toEqual(spoken.map((step) => [step.speech, step.confidence]));
      // Bot lines as the caller heard them: the spoken variant of each message, never the chat wording.
      const botLines = result.results.flatMap((turn) => turn.replies.filter((reply) => reply.kind === 'message').map((reply) => renderingFor(reply as { text: string; voice?: string }, 'voice')));
      for (const line of botLines) expect(record!.transcript.map((entry) => entry.text)).toContain(line);
      expect(record!.transcript.map((entry) => entry.text).join('\n')).not.toMatch(/kirjoit|write|type your|skriv/i);
      // The ticket is cut when the handoff happens: it holds everything said before the caller asked for a person.
      const ticketCustomerLines = ticket!.transcript.filter((entry) => entry.from === 'customer').map((entry) => entry.text);
      expect(ticketCustomerLines).toEqual(expect.arrayContaining(spoken.slice(0, -1).map((step) => step.speech)));
    } finally {
      await harness.stores.close();
    }
  });

  it('recognises a caller who chatted on the web earlier with the same number and offers to continue that matter', async () => {
    const harness = harnessFor('2026-12-01T10:00:00+02:00');
    const phone = '+358405550123';
    const web = 'web-chat-before-the-call';
    const chat = async (input: Parameters<typeof harness.engine.handleTurn>[0]['input'], n: number) =>
      harness.engine.handleTurn({ conversationId: web, channel: 'web', input, customer: { phone }, clientMessageId: `w${n}`, locale: 'fi' });
    await chat({ kind: 'start' }, 1);
    await chat({ kind: 'text', text: 'missä tilaukseni on' }, 2);
    await chat({ kind: 'text', text: '12345' }, 3);
    await chat({ kind: 'text', text: 'ei muuta kiitos' }, 4);
    await chat({ kind: 'text', text: '5' }, 5);
    harness.clock.advance(20 * 60_000);

    const result = await runVoiceConversationScript({
      name: 'soittaa chatin jälkeen', file: 'inline', locale: 'fi', channel: 'voice', customer: { phone },
      steps: [
        { start: true, bot: [{ key: 'main.greeting' }, { text: 'Soitatko äskeisen chat-keskustelun tilauksesta 1 2 3 4 5?' }] },
        { speech: 'kyllä', confidence: 0.9, bot: [{ key: 'order_status.status_shipped' }], state: 'main.anything_else' },
      ],
    }, harness, { transfer });
    await harness.stores.close();
    if (!result.passed) throw new Error(`${result.failures.join('\n')}\n\n${result.log.join('\n')}`);
    expect(spokenText(parseTwiml(result.twiml[0]))).not.toContain('Kerro omin sanoin');
    // Greeted once: the greeting says hello, the offer does not say it again.
    expect(spokenText(parseTwiml(result.twiml[0])).match(/\b(Hei|Moi)\b/g)).toHaveLength(1);
  });
});
