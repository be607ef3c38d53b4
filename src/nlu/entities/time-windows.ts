import type { Locale } from '../../core/turn';
import type { Token } from '../normalize-text';

/** Parts of the day a customer asks to be called in. */
export type PartOfDay = 'morning' | 'forenoon' | 'afternoon' | 'evening';

/**
 * Words naming a part of the day, by their normalised form. Greetings ("huomenta", "good morning", "god morgon")
 * are no time: they are left out here, and the English and Swedish words need a cue before them (below).
 */
const PART_WORDS: Record<Locale, Record<string, PartOfDay>> = {
  fi: {
    aamulla: 'morning', aamusta: 'morning', aamul: 'morning', aamuisin: 'morning', huomisaamuna: 'morning', aamuna: 'morning',
    aamupäivällä: 'forenoon', aamupäiväl: 'forenoon', aamupäivästä: 'forenoon', aamupäivänä: 'forenoon', aamupäivä: 'forenoon', aamupäivän: 'forenoon',
    iltapäivällä: 'afternoon', iltapäiväl: 'afternoon', iltapäivästä: 'afternoon', iltapäivänä: 'afternoon', iltapäivä: 'afternoon', iltapäivän: 'afternoon',
    illalla: 'evening', illal: 'evening', illasta: 'evening', iltaisin: 'evening', iltana: 'evening', tänäiltana: 'evening',
  },
  en: { morning: 'morning', afternoon: 'afternoon', evening: 'evening', tonight: 'evening' },
  sv: {
    förmiddag: 'forenoon', förmiddagen: 'forenoon', förmiddan: 'forenoon', eftermiddag: 'afternoon', eftermiddagen: 'afternoon', eftermiddan: 'afternoon',
    morgonen: 'morning', morse: 'morning', bitti: 'morning', kväll: 'evening', kvällen: 'evening', ikväll: 'evening', kvälls: 'evening',
  },
};
/** English and Swedish part-of-day words count only after these ("tomorrow morning", "in the afternoon", "på kvällen"); "good morning" is a greeting. */
const PART_CUES: Record<Locale, Set<string> | undefined> = {
  fi: undefined,
  en: new Set(['the', 'this', 'tomorrow', 'in', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'early', 'late', 'on']),
  sv: new Set(['på', 'i', 'morgon', 'imorgon', 'imorn', 'morn', 'under', 'tidigt', 'sent', 'nån', 'någon', 'en', 'måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag', 'lördag', 'söndag']),
};
/** Phrases that name a part of the day around a meal: "lounaan jälkeen", "after lunch", "efter lunch", "before noon". */
const PART_PHRASES: Record<Locale, [string[], PartOfDay][]> = {
  fi: [[['lounaan', 'jälkeen'], 'afternoon'], [['ennen', 'lounasta'], 'forenoon'], [['ennen', 'puoltapäivää'], 'forenoon']],
  en: [[['after', 'lunch'], 'afternoon'], [['before', 'lunch'], 'forenoon'], [['before', 'noon'], 'forenoon'], [['after', 'work'], 'evening']],
  sv: [[['efter', 'lunch'], 'afternoon'], [['före', 'lunch'], 'forenoon'], [['innan', 'lunch'], 'forenoon'], [['efter', 'jobbet'], 'evening']],
};
/** "after 3" / "klo 15 jälkeen" / "efter 15": the relation of a time. */
const AFTER_BEFORE: Record<Locale, { after: Set<string>; before: Set<string>; trailing: boolean }> = {
  fi: { after: new Set(['jälkeen', 'jälkee', 'jälkeenpäin', 'alkaen', 'lähtien']), before: new Set(['ennen', 'mennessä']), trailing: true },
  en: { after: new Set(['after', 'from']), before: new Set(['before', 'by']), trailing: false },
  sv: { after: new Set(['efter', 'från']), before: new Set(['före', 'innan']), trailing: false },
};

export interface TimeWindowParts {
  /** ISO date of the day, when one was said. */
  date?: { value: string; start: number; end: number };
  /** HH:MM of a clock time, when one was said. */
  time?: { value: string; start: number; end: number };
}

export interface TimeWindowSpan {
  /**
   * Canonical: the date (YYYY-MM-DD), then the part of the day or the clock time with its relation, space-separated:
   * "2026-12-03 forenoon", "2026-12-03 after 15:00", "at 14:00", "evening". formatValue renders it per locale.
   */
  value: string;
  start: number;
  end: number;
}

/**
 * When the customer wants something to happen ("soittakaa huomenna aamupäivällä", "ring me after 3", "ring mej i
 * morgon förmiddag"): one window per line, combining the first day, part of the day and clock time it names. A line
 * naming a day in the past has no window (it is about something that happened). A bare hour after "after"/"before"
 * ("after 3") is read as a time of the working day: 1–7 means the afternoon.
 */
export function findTimeWindow(tokens: Token[], locale: Locale, found: TimeWindowParts, today: string): TimeWindowSpan | undefined {
  const norms = tokens.map((token) => token.norm);
  const relation = AFTER_BEFORE[locale];
  // "Yhteys lakkasi eilen illalla": a line about the past names no time to come, not even its part of the day.
  if (found.date && found.date.value < today) return undefined;
  const date = found.date;
  let thisDay = false;
  let part: { value: PartOfDay; start: number; end: number } | undefined;
  for (let at = 0; at < tokens.length && !part; at++) {
    const phrase = PART_PHRASES[locale].find(([words]) => words.every((word, index) => norms[at + index] === word));
    if (phrase) { part = { value: phrase[1], start: tokens[at].start, end: tokens[at + phrase[0].length - 1].end }; break; }
    const word = PART_WORDS[locale][norms[at]];
    const cues = PART_CUES[locale];
    // "tonight" and "ikväll" say the day themselves; other words need a cue before them in en/sv.
    const cued = !cues || norms[at] === 'tonight' || norms[at] === 'ikväll' || (at > 0 && cues.has(norms[at - 1]));
    if (word && cued) {
      part = { value: word, start: tokens[at].start, end: tokens[at].end };
      // "this afternoon", "i eftermiddag": today's.
      if (!date && at > 0 && ((locale === 'en' && norms[at - 1] === 'this') || (locale === 'sv' && norms[at - 1] === 'i'))) thisDay = true;
    }
  }
  let clock: { value: string; relation: 'at' | 'after' | 'before'; start: number; end: number } | undefined;
  if (found.time) {
    const first = tokens.findIndex((token) => token.end > found.time!.start);
    const last = tokens.findIndex((token) => token.start >= found.time!.end);
    const before = norms[first - 1];
    const after = last >= 0 ? norms[last] : undefined;
    const cue = relation.trailing ? after : before;
    const kind = cue && relation.after.has(cue) ? 'after' : cue && relation.before.has(cue) ? 'before' : before && relation.before.has(before) ? 'before' : 'at';
    clock = { value: found.time.value, relation: kind, start: found.time.start, end: found.time.end };
  } else {
    // "after 3", "before 5", "efter 3", "3 jälkeen": a bare hour with a relation word.
    for (let at = 0; at < tokens.length && !clock; at++) {
      if (!/^\d{1,2}$/.test(norms[at])) continue;
      const cue = relation.trailing ? norms[at + 1] : norms[at - 1];
      const kind = cue && relation.after.has(cue) ? 'after' : cue && relation.before.has(cue) ? 'before' : undefined;
      let hours = Number(norms[at]);
      if (!kind || hours > 23) continue;
      if (hours >= 1 && hours <= 7) hours += 12;
      clock = { value: `${String(hours).padStart(2, '0')}:00`, relation: kind, start: tokens[at].start, end: tokens[at].end };
    }
  }
  if (!date && !part && !clock) return undefined;
  const pieces = [date?.value ?? (thisDay ? today : undefined), clock ? `${clock.relation} ${clock.value}` : part?.value].filter((piece): piece is string => piece !== undefined);
  const spans: { start: number; end: number }[] = [];
  for (const span of [date, part, clock]) if (span) spans.push(span);
  return { value: pieces.join(' '), start: Math.min(...spans.map((span) => span.start)), end: Math.max(...spans.map((span) => span.end)) };
}

