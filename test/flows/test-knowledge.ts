import type { Locale } from '../../src/core/turn';
import type { FlowKnowledge } from '../../src/flows/validate-flows';

const MESSAGES = [
  'main.greeting', 'main.menu', 'main.anything_else', 'main.handoff_live', 'main.handoff_callback', 'main.emergency',
  'main.csat', 'main.goodbye', 'intents.order_status', 'intents.human_agent', 'intents.faq.opening_hours',
  'order_status.ask_number', 'order_status.reprompt_number', 'order_status.status', 'order_status.not_found', 'order_status.handoff',
  'survey.reprompt', 'survey.skipped', 'survey.thanks', 'system.back_to_question',
];
const INTENTS = ['order_status', 'human_agent', 'emergency', 'restart', 'help', 'change_language', 'goodbye'];
const ENTITIES = ['number', 'date', 'time', 'email', 'phone', 'order_number', 'money', 'hetu', 'iban', 'yes_no', 'language', 'any_text', 'product'];

/** What the fixtures' bot knows; tests pass `change` to take something away in one locale. */
export function testKnowledge(change: (knowledge: FlowKnowledge) => void = () => undefined): FlowKnowledge {
  const locales: Locale[] = ['fi', 'en', 'sv'];
  const perLocale = <T>(make: () => T): Record<Locale, T> => ({ fi: make(), en: make(), sv: make() });
  const knowledge: FlowKnowledge = {
    locales,
    intents: perLocale(() => [...INTENTS]),
    entityTypes: [...ENTITIES],
    messageKeys: perLocale(() => new Set(MESSAGES)),
    integrations: ['orders.lookup', 'customers.find'],
    faqIds: perLocale(() => ['opening_hours', 'delivery_time']),
  };
  change(knowledge);
  return knowledge;
}
