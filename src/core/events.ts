import type { ChannelKind, Locale } from './turn';

export type AnalyticsEventType =
  | 'conversation_started'
  | 'turn'
  | 'intent'
  | 'fallback'
  | 'handoff'
  | 'resolved'
  | 'survey_answer'
  | 'conversation_ended'
  /** An agent wrote to the customer (the dashboard's time to first reply and SLA). */
  | 'agent_reply';

/**
 * One analytics event. `data` holds no personal data (no text, no contact details); `customer` is the store's opaque
 * customer id once the customer is known, so repeat contacts can be counted (first-contact resolution).
 */
export interface AnalyticsEvent {
  type: AnalyticsEventType;
  at: number;
  conversationId: string;
  channel: ChannelKind;
  locale: Locale;
  data: Record<string, string | number | boolean | null>;
}
