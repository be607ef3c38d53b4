import type { ChannelKind, Locale } from './turn';

export type AnalyticsEventType =
  | 'conversation_started'
  | 'turn'
  | 'intent'
  | 'fallback'
  | 'handoff'
  | 'resolved'
  | 'survey_answer'
  | 'conversation_ended';

/** One analytics event. `data` holds no personal data (no text, no contact details). */
export interface AnalyticsEvent {
  type: AnalyticsEventType;
  at: number;
  conversationId: string;
  channel: ChannelKind;
  locale: Locale;
  data: Record<string, string | number | boolean | null>;
}
