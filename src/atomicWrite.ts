/**
 * Writing files and folders so that a reader never sees them half written: the data goes to a
 * temporary name beside the target, which is then renamed into place (a rename within one folder
 * replaces the target in one step on POSIX file systems). On failure the temporary copy is removed.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` through `<path>.tmp-<pid>` and a rename.
 * @example writeFileAtomic('runs/a/config.json', JSON.stringify(config));
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Fills a new folder `.<name>.tmp-<pid>` beside `dir` with `write`, then puts it in place of `dir`
 * (an existing `dir` is moved aside first and removed after), so the set of files is either the old
 * one or the new one, never a mix. Callers that must not replace a folder check before.
 * @example writeFolderAtomic('out', (into) => writePng(join(into, 'a.png'), image));
 */
export function writeFolderAtomic(dir: string, write: (into: string) => void): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  const old = join(parent, `.${basename(dir)}.old-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    write(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}
