/** A word of an utterance with its place in the original text. */
export interface Token {
  /** Lower-case, accents other than å/ä/ö folded. */
  norm: string;
  text: string;
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

/**
 * Lower-cases and folds the text so that speech-to-text output, missing capitals and stray accents all look
 * the same. Keeps å, ä, ö (they carry meaning in fi/sv) and the string length (offsets stay valid).
 */
export function foldText(text: string): string {
  const lower = text.toLowerCase();
  if (/^[ -~\t\n\råäö]*$/.test(lower)) return lower;
  let out = '';
  for (const char of lower) {
    if (char === 'å' || char === 'ä' || char === 'ö') out += char;
    else if (char.length === 1 && char.charCodeAt(0) > 127) {
      const base = char.normalize('NFD').replace(/\p{M}/gu, '');
      out += base.length === 1 ? base : char;
    } else out += char;
  }
  return out;
}

/** Splits text into word tokens (letters and digits), with offsets into the original string. */
export function tokenize(text: string): Token[] {
  const folded = foldText(text);
  const tokens: Token[] = [];
  for (const match of folded.matchAll(WORD)) {
    const start = match.index ?? 0;
    tokens.push({ norm: match[0].replace(/’/g, "'"), text: text.slice(start, start + match[0].length), start, end: start + match[0].length });
  }
  return tokens;
}

/** The words of a text, normalised, for classifiers and lexicons. */
export function words(text: string): string[] {
  const found = foldText(text).match(WORD);
  return found ? found.map((word) => word.replace(/’/g, "'")) : [];
}
