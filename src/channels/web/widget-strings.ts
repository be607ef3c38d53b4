import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { SUPPORTED_LOCALES, type Locale } from '../../core/turn';

/** UI strings of one screen (widget or console) per locale, from `locales/<lang>/<file>.yaml`. */
export interface WidgetStrings {
  get(locale: Locale): Record<string, string>;
}

/**
 * Loads flat `key: text` YAML files for every locale. A key missing in one language falls back to
 * English, then Finnish, so a half-translated file never shows raw keys. Throws at start-up with the
 * file name when a file is not a flat map of strings.
 */
export function loadUiStrings(localesDir: string, fileName: string): WidgetStrings {
  const byLocale = new Map<Locale, Record<string, string>>();
  for (const locale of SUPPORTED_LOCALES) {
    const file = path.join(localesDir, locale, fileName);
    if (!fs.existsSync(file)) {
      byLocale.set(locale, {});
      continue;
    }
    const parsed: unknown = YAML.parse(fs.readFileSync(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`${file}: expected a map of key: text`);
    }
    const strings: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw new Error(`${file}: "${key}" must be a text, found ${typeof value}`);
      strings[key] = value;
    }
    byLocale.set(locale, strings);
  }
  const merged = new Map<Locale, Record<string, string>>();
  for (const locale of SUPPORTED_LOCALES) {
    merged.set(locale, { ...byLocale.get('fi'), ...byLocale.get('en'), ...byLocale.get(locale), locale });
  }
  return { get: (locale) => merged.get(locale) ?? {} };
}
