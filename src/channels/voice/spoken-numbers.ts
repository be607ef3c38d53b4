import type { Locale } from '../../core/turn';

/**
 * Finnish says a range with cases: "5–8" is "viidestä kahdeksaan" (from five, to eight). These give the
 * elative (-sta/-stä) and illative (-Vn) forms of 0–100; larger numbers return undefined (the caller keeps digits).
 */
const FI_ELATIVE = ['nollasta', 'yhdestä', 'kahdesta', 'kolmesta', 'neljästä', 'viidestä', 'kuudesta', 'seitsemästä', 'kahdeksasta', 'yhdeksästä', 'kymmenestä'];
const FI_ILLATIVE = ['nollaan', 'yhteen', 'kahteen', 'kolmeen', 'neljään', 'viiteen', 'kuuteen', 'seitsemään', 'kahdeksaan', 'yhdeksään', 'kymmeneen'];

function finnishCase(value: number, forms: string[], tensWord: string, teenWord: string, hundred: string): string | undefined {
  if (!Number.isInteger(value) || value < 0 || value > 100) return undefined;
  if (value <= 10) return forms[value];
  if (value === 100) return hundred;
  if (value < 20) return `${forms[value - 10]}${teenWord}`;
  const tens = Math.floor(value / 10);
  const ones = value % 10;
  return `${forms[tens]}${tensWord}${ones ? forms[ones] : ''}`;
}

/** "viidestä" for 5, "kahdestakymmenestäneljästä" for 24. */
export function finnishElative(value: number): string | undefined {
  return finnishCase(value, FI_ELATIVE, 'kymmenestä', 'toista', 'sadasta');
}

/** "kahdeksaan" for 8, "seitsemääntoista" for 17. */
export function finnishIllative(value: number): string | undefined {
  return finnishCase(value, FI_ILLATIVE, 'kymmeneen', 'toista', 'sataan');
}

const RANGE_WORD: Record<Exclude<Locale, 'fi'>, string> = { sv: 'till', en: 'to' };

/** "5–8" as said in the locale; Finnish numbers over 100 stay digits with "ja … välillä" (between). */
export function spokenRange(from: string, to: string, locale: Locale): string {
  if (locale !== 'fi') return `${from} ${RANGE_WORD[locale]} ${to}`;
  const start = /^\d+$/.test(from) ? finnishElative(Number(from)) : undefined;
  const end = /^\d+$/.test(to) ? finnishIllative(Number(to)) : undefined;
  return start && end ? `${start} ${end}` : `${from} ja ${to} välillä`;
}
