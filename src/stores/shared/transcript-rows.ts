import { randomUUID } from 'node:crypto';
import type { ConversationRecord, ConversationState } from '../../core/conversation';
import { toStored } from './store-validation';

/**
 * Helpers for stores that keep a conversation's transcript apart from the rest of the record, so a
 * save writes only the lines past what is stored. A caller may still rewrite or drop older lines
 * (the port allows any record); `sharedPrefix` finds where the saved transcript stops matching the
 * stored one, and the store rewrites from there.
 */

/** A transcript line as stored: the result of JSON.parse, never handed out (callers get copies). */
export type StoredEntry = unknown;

/**
 * Stored lines with, for each, its number of fields when it is a flat object (every field a string,
 * number, boolean or null, as the engine writes them) or -1, so comparing and copying need no scan.
 */
export interface StoredLines {
  entries: StoredEntry[];
  fields: number[];
}

export function emptyLines(): StoredLines {
  return { entries: [], fields: [] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

function flatFields(value: unknown): number {
  if (!isPlainObject(value)) return -1;
  let fields = 0;
  for (const key in value) {
    const field = value[key];
    if (typeof field === 'object' && field !== null) return -1;
    fields += 1;
  }
  return fields;
}

/** Adds a parsed line (from JSON.parse, so nothing else holds it). */
export function pushLine(lines: StoredLines, entry: StoredEntry): void {
  lines.entries.push(entry);
  lines.fields.push(flatFields(entry));
}

/** The first `length` lines, sharing the parsed lines (they are never changed in place). */
export function headOf(lines: StoredLines, length: number): StoredLines {
  return { entries: lines.entries.slice(0, length), fields: lines.fields.slice(0, length) };
}

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Whether `value` stores as the same JSON as a stored line with `fields` flat fields (-1: not flat). */
function sameEntry(value: unknown, stored: StoredEntry, fields: number): boolean {
  if (fields >= 0 && isPlainObject(value)) {
    const kept = stored as Record<string, unknown>;
    let seen = 0;
    for (const key in value) {
      const field = value[key];
      if (field === kept[key]) {
        if (field !== undefined) seen += 1;
        continue;
      }
      // JSON.stringify drops these, so they are not part of what is stored.
      if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
      // NaN and Infinity store as null.
      if (typeof field === 'number' && !Number.isFinite(field) && kept[key] === null && Object.prototype.hasOwnProperty.call(kept, key)) {
        seen += 1;
        continue;
      }
      return false;
    }
    return seen === fields;
  }
  const json = jsonOf(value);
  return json !== undefined && json === jsonOf(stored);
}

/** How many leading lines of `transcript` equal the stored ones (at most the shorter length). */
export function sharedPrefix(transcript: readonly unknown[], stored: StoredLines): number {
  const length = Math.min(transcript.length, stored.entries.length);
  let index = 0;
  while (index < length && sameEntry(transcript[index], stored.entries[index], stored.fields[index])) index += 1;
  return index;
}

/** Copies of the stored lines for a caller, who may change them freely. */
export function copyLines(stored: StoredLines): unknown[] {
  const { entries, fields } = stored;
  const copies = new Array<unknown>(entries.length);
  for (let index = 0; index < entries.length; index += 1) {
    const entry = entries[index];
    copies[index] = fields[index] >= 0 ? { ...(entry as object) }
      : typeof entry === 'object' && entry !== null ? JSON.parse(JSON.stringify(entry)) : entry;
  }
  return copies;
}

/** The JSON of one transcript line; a line JSON cannot represent (undefined) stores as null, as it did inside the record. */
export function entryJson(entry: unknown, conversationId: string, index: number): string {
  return (toStored(entry, `transcript line ${index} of conversation ${conversationId}`) as string | undefined) ?? 'null';
}

/** The record's JSON without its transcript. */
export function recordJsonWithoutTranscript(record: ConversationRecord): string {
  return toStored({ ...record, transcript: undefined }, `conversation ${record.id}`);
}

/** A state's JSON as `recordJsonWithoutTranscript` stores it (its line counts are not part of the record). */
export function stateJson(state: ConversationState): string {
  return toStored({ ...state, storedLines: undefined, added: undefined }, `conversation ${state.id}`);
}

/** The JSON of a state's added lines, numbered from its stored lines on. */
export function addedJson(state: ConversationState): string[] {
  return state.added.map((entry, offset) => entryJson(entry, state.id, state.storedLines + offset));
}

/** The state of a record read from its JSON (`data` without the transcript) and its stored line count. */
export function stateOf(record: ConversationRecord | Omit<ConversationRecord, 'transcript'>, storedLines: number): ConversationState {
  const state = record as ConversationState & { transcript?: unknown };
  delete state.transcript;
  state.storedLines = storedLines;
  state.added = [];
  return state;
}

/** Tokens that name one stored version of a conversation, unique across processes. */
export function createWriteTokens(): () => string {
  const prefix = randomUUID().replace(/-/g, '').slice(0, 16);
  let counter = 0;
  return () => {
    counter += 1;
    return `${prefix}${counter.toString(36)}`;
  };
}

export interface CachedTranscript {
  /** The write token of the stored version these lines belong to. */
  token: string;
  lines: StoredLines;
}

/**
 * The transcripts this process last read or wrote, keyed by conversation id and valid only while the
 * stored write token is still the same (another writer changes it). Least recently used ones are
 * dropped once more than `maxEntries` lines are held.
 */
export interface TranscriptCache {
  get(id: string): CachedTranscript | undefined;
  set(id: string, token: string, lines: StoredLines): void;
  delete(id: string): void;
}

export function createTranscriptCache(maxEntries = 100_000): TranscriptCache {
  const items = new Map<string, CachedTranscript & { size: number }>();
  let total = 0;
  const drop = (id: string): void => {
    const item = items.get(id);
    if (!item) return;
    total -= item.size;
    items.delete(id);
  };
  return {
    get(id) {
      const item = items.get(id);
      if (!item) return undefined;
      // Map order is the LRU order: move it to the end.
      items.delete(id);
      items.set(id, item);
      return item;
    },
    set(id, token, lines) {
      drop(id);
      const size = lines.entries.length;
      if (size > maxEntries) return;
      items.set(id, { token, lines, size });
      total += size;
      for (const oldest of items.keys()) {
        if (total <= maxEntries) break;
        drop(oldest);
      }
    },
    delete: drop,
  };
}
