import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a small three-locale data set (nlu.yaml, faq.yaml) into a temporary locales directory. */
export function writeLocales(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'aspa-nlu-'));
  const all: Record<string, string> = { ...DEFAULT_FILES, ...files };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const FI_NLU = `intents:
  order_status:
    - missä tilaukseni on
    - haluan tietää tilaukseni tilan
    - milloin pakettini saapuu
    - onko tilaukseni jo lähetetty
    - tilauksen seuranta
    - pakettia ei ole vielä tullut
  billing_dispute:
    - laskussani on virhe
    - lasku on liian suuri
    - minua on laskutettu kahdesti
    - en hyväksy tätä laskua
    - virheellinen lasku
    - veloititte liikaa
  human_agent:
    - haluan puhua ihmisen kanssa
    - asiakaspalvelija kiitos
    - yhdistä minut asiakaspalvelijalle
    - voinko puhua oikealle ihmiselle
    - ihminen
    - haluan jutella henkilön kanssa
  password_reset:
    - unohdin salasanani
    - salasana ei kelpaa
    - miten vaihdan salasanan
    - en pääse kirjautumaan
    - salasanan palautus
    - tunnukseni on lukittu
entities:
  product:
    - value: router
      synonyms: [reititin, modeemi]
oos:
  - mikä on suomen pääkaupunki
  - kerro vitsi
  - paljonko kello on
  - millainen sää huomenna on
`;
const EN_NLU = `intents:
  order_status:
    - where is my order
    - when will my package arrive
    - track my order
    - has my order shipped
    - my parcel has not arrived
    - order status
  billing_dispute:
    - there is a mistake on my bill
    - my invoice is too high
    - i was charged twice
    - i dispute this invoice
    - wrong bill
    - you overcharged me
  human_agent:
    - i want to talk to a person
    - agent please
    - connect me to customer service
    - can i speak to a real human
    - human
    - let me chat with someone
  password_reset:
    - i forgot my password
    - my password does not work
    - how do i change my password
    - i cannot log in
    - reset password
    - my account is locked
oos:
  - what is the capital of finland
  - tell me a joke
`;
const SV_NLU = `intents:
  order_status:
    - var är min beställning
    - när kommer mitt paket
    - spåra min beställning
    - har min order skickats
    - paketet har inte kommit
    - orderstatus
  billing_dispute:
    - det är fel på min faktura
    - fakturan är för hög
    - jag har debiterats två gånger
    - jag bestrider fakturan
    - felaktig faktura
    - ni har tagit för mycket betalt
  human_agent:
    - jag vill prata med en människa
    - kundtjänst tack
    - koppla mig till en handläggare
    - kan jag tala med en riktig person
    - människa
    - jag vill chatta med någon
  password_reset:
    - jag har glömt mitt lösenord
    - lösenordet fungerar inte
    - hur byter jag lösenord
    - jag kan inte logga in
    - återställ lösenordet
    - mitt konto är låst
`;
const FI_FAQ = `- id: opening_hours
  questions: [milloin olette auki, aukioloajat, mihin aikaan asiakaspalvelu palvelee, oletteko auki lauantaina]
  answer: "Palvelemme arkisin klo 8–18."
`;

const DEFAULT_FILES: Record<string, string> = {
  'fi/nlu.yaml': FI_NLU,
  'fi/faq.yaml': FI_FAQ,
  'en/nlu.yaml': EN_NLU,
  'sv/nlu.yaml': SV_NLU,
  'fi/sentiment.yaml': 'positive: { tyytyväi*: 1.6 }\nnegative: { huono*: 1.6 }\nnegations: [en, ei]\nintensifiers: { todella: 1.5 }\n',
};
