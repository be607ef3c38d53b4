import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds `src/channels/web/assets`. The assets are plain files that `tsc` does not copy, so after a
 * build (`dist/src/channels/web/`) they are read from the source tree next to `dist/`.
 */
export function resolveAssetsDir(fromDir: string = __dirname): string {
  const candidates = [
    path.join(fromDir, 'assets'),
    path.resolve(fromDir, '../../../../src/channels/web/assets'),
  ];
  for (const candidate of candidates) {
    if (fs.existsSync(path.join(candidate, 'widget.js'))) return candidate;
  }
  throw new Error(`web widget assets not found; looked in ${candidates.join(' and ')}. Keep src/channels/web/assets next to dist/.`);
}
