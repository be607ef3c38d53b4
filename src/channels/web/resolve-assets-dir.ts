import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds `src/channels/web/assets`. The assets are plain files that `tsc` does not copy, so after a
 * build (`dist/src/channels/web/`) they are read from the source tree: the nearest ancestor of this
 * file's folder that holds `src/channels/web/assets` (the repository root for `dist/`).
 */
export function resolveAssetsDir(fromDir: string = __dirname): string {
  const candidates = [path.join(fromDir, 'assets')];
  for (let dir = path.resolve(fromDir), depth = 0; depth < 8; depth++) {
    candidates.push(path.join(dir, 'src', 'channels', 'web', 'assets'));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const candidate of candidates) {
    if (fs.existsSync(path.join(candidate, 'widget.js'))) return candidate;
  }
  throw new Error(`web widget assets not found next to ${fromDir} or in an src/channels/web/assets above it; keep the source tree's assets folder with the build.`);
}
