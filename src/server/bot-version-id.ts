import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const FLOW_FILE = /\.(ya?ml|json)$/i;
const SCHEMA_FILE = 'flow.schema.json';

/**
 * The bot version id: a content hash of the flow files (as the loader reads them) and every file under the
 * locale folder. Two instances with the same files get the same id; a change to any message, FAQ entry, NLU
 * example or flow gives a new one. Unreadable entries are skipped (the loader reports them).
 */
export function botVersionId(flowsDir: string, localesDir: string): string {
  const hash = createHash('sha256');
  const add = (label: string, file: string): void => {
    try {
      const bytes = readFileSync(file);
      hash.update(label).update('\0').update(String(bytes.length)).update('\0').update(bytes);
    } catch {
      // Gone between listing and reading: the next change event hashes again.
    }
  };
  for (const name of listFiles(flowsDir, false)) if (FLOW_FILE.test(name) && name !== SCHEMA_FILE) add(`flows/${name}`, path.join(flowsDir, name));
  for (const name of listFiles(localesDir, true)) add(`locales/${name}`, path.join(localesDir, name));
  return hash.digest('hex').slice(0, 12);
}

/** Files under `dir` as sorted relative paths with `/` (sub-folders too when `recursive`). */
function listFiles(dir: string, recursive: boolean, prefix = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, prefix)).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const relative = prefix ? `${prefix}/${name}` : name;
    try {
      const stat = statSync(path.join(dir, relative));
      if (stat.isFile()) return [relative];
      if (stat.isDirectory() && recursive) return listFiles(dir, true, relative);
    } catch {
      // Unreadable: skipped, as above.
    }
    return [];
  });
}
