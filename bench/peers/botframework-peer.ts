/**
 * The Bot Framework peer of `npm run bench:http` (issue 10): a plain bot as its documentation builds one —
 * botbuilder 4.23 CloudAdapter + botbuilder-dialogs (WaterfallDialog + TextPrompt), regex intents, MemoryStorage,
 * express, `POST /api/messages` — holding the same conversation as Aspa's demo bot for the bench's script.
 *
 * Run as a child process (`node dist/bench/peers/botframework-peer.js`, with an IPC channel): it listens on a free
 * loopback port and sends `{ port, connectorPort }` to its parent. Replies come back in the HTTP answer when the
 * activity asks for `deliveryMode: "expectReplies"`, otherwise they are posted to `connectorPort`, a local stand-in
 * for the Bot Framework connector. It refuses any connection that is not to the loopback address.
 */
import * as http from 'node:http';
import * as net from 'node:net';

/** One customer conversation; the peer's regex intents cover exactly these lines. */
export const SCRIPT = ['missä tilaukseni on', '12345', 'milloin asiakaspalvelu on auki', 'kyllä kiitos', 'miten palautan tuotteen', 'kiitos, siinä kaikki'];


function loopbackOnly(): void {
  const allowed = new Set(['127.0.0.1', 'localhost', '::1', undefined, '']);
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const host = typeof first === 'object' && first !== null && !Array.isArray(first) ? (first as { host?: string; path?: string }).host : typeof args[1] === 'string' ? args[1] : undefined;
    const isPipe = typeof first === 'object' && first !== null && 'path' in first && (first as { path?: string }).path;
    if (!isPipe && !allowed.has(host)) throw new Error(`peer bot: refused a connection to ${String(host)} (loopback only)`);
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
}

async function servePeer(): Promise<void> {
  loopbackOnly();
  const { ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, MemoryStorage } = await import('botbuilder');
  const { DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog } = await import('botbuilder-dialogs');
  const express = (await import('express')).default;

  const conversationState = new ConversationState(new MemoryStorage());
  const dialogs = new DialogSet(conversationState.createProperty('dialogState'));
  dialogs.add(new TextPrompt('text'));
  dialogs.add(new WaterfallDialog('order', [
    async (step) => step.prompt('text', 'Kerrotko tilausnumerosi? Se on tilausvahvistuksessa.'),
    async (step) => {
      const number = /\d{4,}/.exec(String(step.result))?.[0];
      await step.context.sendActivity(number ? `Tilaus ${number} on matkalla, perillä 2–3 arkipäivässä. Voinko auttaa vielä jossain?` : 'En löytänyt tilausnumeroa. Voinko auttaa muussa?');
      return step.endDialog();
    },
  ]));
  const intents: [RegExp, string | undefined][] = [
    [/tilau(s|kse)/i, undefined], // the waterfall
    [/auki|aukiolo|palvelu/i, 'Asiakaspalvelu on auki arkisin 8–16. Voinko auttaa muussa?'],
    [/palaut/i, 'Palautus onnistuu 30 päivän sisällä: tulosta palautuslappu tililtäsi. Voinko auttaa vielä?'],
    [/^kyllä/i, 'Kerro vain, mitä asiaa sinulla on.'],
    [/kiitos|siinä kaikki|hei/i, 'Kiitos yhteydenotosta, mukavaa päivän jatkoa!'],
  ];

  const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: '', MicrosoftAppTenantId: '' });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    console.error('peer turn failed', error);
    await context.sendActivity('Pahoittelut, jokin meni vikaan.');
  };
  const app = express();
  app.use(express.json({ limit: '256kb' }));
  app.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, async (context) => {
      const activity = context.activity;
      if (activity.type === ActivityTypes.ConversationUpdate) {
        if (activity.membersAdded?.some((member) => member.id !== activity.recipient.id)) {
          await context.sendActivity('Hei! Olen asiakaspalvelun botti. Miten voin auttaa?');
        }
      } else if (activity.type === ActivityTypes.Message) {
        const dc = await dialogs.createContext(context);
        const result = await dc.continueDialog();
        if (result.status === DialogTurnStatus.empty) {
          const text = activity.text ?? '';
          const match = intents.find(([pattern]) => pattern.test(text));
          if (!match) await context.sendActivity('En ymmärtänyt. Voitko sanoa toisin?');
          else if (match[1] === undefined) await dc.beginDialog('order');
          else await context.sendActivity(match[1]);
        }
      }
      await conversationState.saveChanges(context);
    });
  });
  // The stand-in for the Bot Framework connector: accepts the replies the bot posts back.
  const connector = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"1"}');
    });
  });
  await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', () => resolve()));
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as net.AddressInfo).port, connectorPort: (connector.address() as net.AddressInfo).port });
  });
}

if (require.main === module) {
  servePeer().catch((error) => { console.error(error); process.exit(1); });
}
