import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * mkdir -p, one level at a time. Node's recursive mode loops forever (100 % CPU, deaf to SIGTERM) where
 * mkdir answers ENOENT under a parent that exists (`/proc/x`, `/sys/x`), and says ENOENT where the file
 * system is read-only; this throws the real code (ENOENT, EROFS, EACCES, ENOTDIR, EEXIST for a file).
 */
export function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDir(parent);
    mkdirSync(dir); // once more: the parent is there now, or this throws the real cause
  }
}
