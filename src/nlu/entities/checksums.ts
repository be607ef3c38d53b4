const HETU_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';
const HETU_CENTURY: Record<string, number> = { '+': 1800, '-': 1900, Y: 1900, X: 1900, W: 1900, V: 1900, U: 1900, A: 2000, B: 2000, C: 2000, D: 2000, E: 2000, F: 2000 };

/** True for a Finnish personal identity code with a valid date and check character (DDMMYYCZZZQ). */
export function isValidHetu(code: string): boolean {
  const match = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/i.exec(code);
  if (!match) return false;
  const [, day, month, year, separator, individual, check] = match;
  const fullYear = HETU_CENTURY[separator.toUpperCase()] + Number(year);
  const date = new Date(Date.UTC(fullYear, Number(month) - 1, Number(day)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return false;
  return HETU_CHECK[Number(day + month + year + individual) % 31] === check.toUpperCase();
}

const IBAN_LENGTHS: Record<string, number> = {
  FI: 18, SE: 24, NO: 15, DK: 18, DE: 22, GB: 22, EE: 20, FR: 27, ES: 24, NL: 18, BE: 16, AT: 20, IE: 22, IT: 27, PL: 28, LT: 20, LV: 21, CH: 21,
};

/** Country codes whose IBAN length is known: IBAN-shaped text with one of them is an account number, valid or not. */
export const IBAN_COUNTRIES: ReadonlySet<string> = new Set(Object.keys(IBAN_LENGTHS));

/** True for an IBAN (spaces allowed) whose mod-97 check digits are right and, for known countries, whose length is. */
export function isValidIban(text: string): boolean {
  const iban = text.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expectedLength = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expectedLength !== undefined && iban.length !== expectedLength) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** Luhn check for payment card numbers (digits only). */
export function passesLuhn(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let at = 0; at < digits.length; at++) {
    let digit = Number(digits[digits.length - 1 - at]);
    if (at % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
