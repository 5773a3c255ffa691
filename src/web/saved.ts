/**
 * The images `pegasus generate` chose, for the page's "chosen by pegasus generate" row: read from
 * its output folder (`out/` by default) when that folder holds a pegasus.json.
 *
 * NOTE: read loosely on purpose — each entry of `best`/`batch` needs only a `file` naming a PNG in
 * the folder; everything else in the entry (recipe, scores) is passed through as JSON for the page
 * to show, so this code does not depend on how `pegasus generate` describes its recipes.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';

export interface SavedImage {
  /** The PNG as a data URL. */
  readonly png: string;
  /** The file, relative to the folder. */
  readonly file: string;
  /** The entry of pegasus.json, as written. */
  readonly entry: unknown;
}

export interface SavedGallery {
  readonly folder: string;
  readonly images: SavedImage[];
}

/** Most images read: a generate batch is 64. */
const MAX_SAVED = 128;

/**
 * A relative path inside the folder (no absolute paths, no `..`), ending in .png, naming a regular
 * file that really lies inside the folder: a symbolic link that leads out of it is not followed.
 */
function safeFile(folder: string, file: unknown): string | null {
  if (typeof file !== 'string' || !file.endsWith('.png')) return null;
  const rel = normalize(file);
  if (rel.startsWith('..') || rel.startsWith(sep) || rel.includes(`${sep}..${sep}`)) return null;
  const path = join(folder, rel);
  try {
    const real = realpathSync(path);
    if (!real.startsWith(realpathSync(folder) + sep) || !statSync(real).isFile()) return null;
    return real;
  } catch {
    return null; // missing, or a dangling link
  }
}

/**
 * The batch of `<folder>/pegasus.json` (best first), or null when there is none or it cannot be read.
 * Read on every request (generate may run while the page is open), with non-blocking reads.
 * @example (await readSavedGallery('out'))?.images.length // 64
 */
export async function readSavedGallery(folder: string): Promise<SavedGallery | null> {
  const jsonPath = join(folder, 'pegasus.json');
  if (!existsSync(jsonPath)) return null;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch {
    return null;
  }
  const entries = (json as { batch?: unknown }).batch;
  if (!Array.isArray(entries)) return null;
  const images: SavedImage[] = [];
  for (const entry of entries.slice(0, MAX_SAVED)) {
    const file = (entry as { file?: unknown } | null)?.file;
    const path = safeFile(folder, file);
    if (path === null) continue;
    images.push({ png: `data:image/png;base64,${(await readFile(path)).toString('base64')}`, file: file as string, entry });
  }
  return { folder, images };
}
