import { redactSensitive } from '../nlu/redact';

/**
 * Masks personal data in free text before it goes into a ticket summary, which is copied to helpdesks and
 * read in lists. The same detector as the logs and transcripts (checksums keep order numbers readable), with
 * Finnish placeholders because agents read the summary in Finnish.
 */
const FINNISH_LABELS = { hetu: '[henkilötunnus]', iban: '[IBAN]', card: '[kortti]', phone: '[puhelin]', email: '[sähköposti]' } as const;

export interface RedactOptions {
  /** Keep e-mail addresses and phone numbers (for slot values the agent should see). */
  keepContact?: boolean;
}

export function redactText(text: string, options: RedactOptions = {}): string {
  return redactSensitive(text, { keepContact: options.keepContact, labels: FINNISH_LABELS });
}
