import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Bump when the features or the model change, so old cache files are not read as new ones. */
export const MODEL_VERSION = 'aspa-intent-v6';

/** The cache key of a training set: a hash of everything that shapes the model. */
export function trainingHash(payload: unknown): string {
  return createHash('sha256').update(MODEL_VERSION).update(JSON.stringify(payload)).digest('hex').slice(0, 24);
}

export function cacheFile(cacheDir: string, locale: string, hash: string): string {
  return join(cacheDir, `intent-model-${locale}-${hash}.bin`);
}

/** The cached bytes, or undefined when there are none (a missing or unreadable file just means: train). */
export function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename) so a crash never leaves half a model behind. Returns false on failure. */
export function writeCache(file: string, bytes: Buffer): boolean {
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
    return true;
  } catch {
    return false;
  }
}

/** Removes the locale's older model files next to `keep`, so a changing data set does not fill the disk. */
export function pruneCache(keep: string, locale: string): void {
  try {
    const prefix = `intent-model-${locale}-`;
    for (const name of readdirSync(dirname(keep))) {
      if (name.startsWith(prefix) && name.endsWith('.bin') && name !== basename(keep)) unlinkSync(join(dirname(keep), name));
    }
  } catch {
    // Best effort: a file we cannot remove costs disk space, nothing else.
  }
}
