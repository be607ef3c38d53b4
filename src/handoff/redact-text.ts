/**
 * Masks personal data in free text before it goes into a ticket summary, which is copied to helpdesks and
 * read in lists. The transcript keeps what the store keeps; the summary is the part that travels.
 */

interface Rule {
  pattern: RegExp;
  label: string;
  /** Contact details: the agent needs them, so slot values may keep them. */
  contact: boolean;
}

const RULES: readonly Rule[] = [
  // Finnish personal identity code: DDMMYY, century sign, 3 digits, check character.
  { pattern: /\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b/gi, label: '[henkilötunnus]', contact: false },
  { pattern: /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, label: '[sähköposti]', contact: true },
  { pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g, label: '[IBAN]', contact: false },
  // 13–19 digits, maybe grouped: payment cards. Runs before phones so a card is not half-read as one.
  { pattern: /\b\d(?:[ -]?\d){12,18}\b/g, label: '[kortti]', contact: false },
  // International (+358 …) or domestic with a leading 0 (040 …, 09 …); bare digit runs are order numbers.
  { pattern: /(?:\+\d{1,3}|\b0\d{1,2})(?:[ -]?\d){5,10}\b/g, label: '[puhelin]', contact: true },
];

export interface RedactOptions {
  /** Keep e-mail addresses and phone numbers (for slot values the agent should see). */
  keepContact?: boolean;
}

export function redactText(text: string, options: RedactOptions = {}): string {
  let result = text;
  for (const rule of RULES) {
    if (options.keepContact && rule.contact) continue;
    result = result.replace(rule.pattern, rule.label);
  }
  return result;
}
