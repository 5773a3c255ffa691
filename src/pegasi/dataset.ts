/**
 * A folder of winged-horse composites, made from one CIFAR-10 split, in a form the training
 * commands read:
 *
 *   pegasi.bin      records of 3,073 bytes as in CIFAR-10's binary format (a label byte, then the
 *                   red, green and blue planes), every label PEGASUS_LABEL (10, after CIFAR-10's 0–9)
 *   recipes.jsonl   one PegasusRecipe per record, in the same order: the composite redrawn bit for bit
 *   manifest.json   the split, seed, count and the horses that were usable
 *   preview.png     the first 64 composites, 4× upscaled
 *
 * The folder is written under a temporary name and renamed into place (writeFolderAtomic), so it
 * exists whole or not at all.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFolderAtomic } from '../atomicWrite.js';
import { loadCifar10, type Split } from '../data/cifar10.js';
import { IMAGE_BYTES, RECORD_BYTES } from '../data/cifar10Format.js';
import { hashInts } from '../data/rng.js';
import { Rng } from '../engine/index.js';
import { imagesFromNchw, makeGrid, writePng } from '../image/index.js';
import { UserError } from '../errors.js';
import { drawComposite, makeDonor, sampleRecipe, type Donor, type PegasusRecipe } from './composite.js';
import { findBack, type HorseBack } from './horseBack.js';

export const PEGASUS_CLASS = 'pegasus';
/** The label byte of a composite: the first one after CIFAR-10's ten classes. */
export const PEGASUS_LABEL = 10;
export const PEGASI_FILE = 'pegasi.bin';
export const RECIPES_FILE = 'recipes.jsonl';
export const MANIFEST_FILE = 'manifest.json';
export const PREVIEW_FILE = 'preview.png';
/** Birds and airplanes of the split whose pixels colour wings (the first of each, in file order). */
const DONORS_PER_CLASS = 1000;

export interface PegasiManifest {
  readonly kind: 'pegasi';
  readonly version: 1;
  readonly split: Split;
  readonly seed: number;
  readonly count: number;
  /** Indices (in the split's horse images) of the side-on horses the composites are made from. */
  readonly horses: readonly number[];
  /** Horses refused, by reason (see horseBack.ts). */
  readonly refused: Readonly<Record<string, number>>;
}

export interface PegasiSet {
  readonly manifest: PegasiManifest;
  readonly images: Uint8Array; // [count, 3, 32, 32]
  readonly recipes: readonly PegasusRecipe[];
}

/** The split's horses, the usable ones with their backs, and the wing donors. */
export interface PegasiSources {
  readonly horses: Uint8Array; // all the split's horse images, NCHW
  readonly usable: readonly number[];
  readonly backs: ReadonlyMap<number, HorseBack>;
  readonly refused: Readonly<Record<string, number>>;
  readonly donors: { readonly bird: readonly Donor[]; readonly airplane: readonly Donor[] };
}

/** Segments every horse of a split and prepares the donors. */
export function pegasiSources(dataDir: string, split: Split, recordsPerFile?: number): PegasiSources {
  const load = (cls: string) =>
    loadCifar10({ dir: dataDir, split, classes: [cls], ...(recordsPerFile !== undefined && { recordsPerFile }) });
  const horses = load('horse');
  const usable: number[] = [];
  const backs = new Map<number, HorseBack>();
  const refused: Record<string, number> = {};
  for (let i = 0; i < horses.count; i++) {
    const r = findBack(horses.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES));
    if (r.ok) {
      usable.push(i);
      backs.set(i, r.back);
    } else {
      refused[r.reason] = (refused[r.reason] ?? 0) + 1;
    }
  }
  const donorsOf = (cls: string): Donor[] => {
    const set = load(cls);
    const n = Math.min(DONORS_PER_CLASS, set.count);
    return Array.from({ length: n }, (_, i) => makeDonor(set.images.slice(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES)));
  };
  return { horses: horses.images, usable, backs, refused, donors: { bird: donorsOf('bird'), airplane: donorsOf('airplane') } };
}

/** Redraws one recipe from its sources. */
export function drawRecipe(src: PegasiSources, r: PegasusRecipe): Uint8Array {
  const back = src.backs.get(r.horse);
  if (back === undefined) throw new Error(`pegasi: horse ${r.horse} is not one of the usable horses`);
  const pixels = src.horses.subarray(r.horse * IMAGE_BYTES, (r.horse + 1) * IMAGE_BYTES);
  const donor =
    r.colour.donor === undefined || r.colour.kind === 'white' || r.colour.kind === 'horse'
      ? undefined
      : src.donors[r.colour.kind][r.colour.donor];
  return drawComposite(pixels, back.mask.data, r, donor);
}

/**
 * `n` composites from `src` by `seed`: the horses cycle through the usable ones in a shuffled
 * order, so each is used about equally often, each time with a new wing.
 * @example const set = makePegasi(pegasiSources(dir, 'train'), 'train', 20000, 1);
 */
export function makePegasi(src: PegasiSources, split: Split, n: number, seed: number, onProgress?: (done: number) => void): PegasiSet {
  if (src.usable.length === 0)
    throw new UserError(`no side-on horse in the ${split} split could be segmented cleanly; nothing to put wings on`);
  const rng = new Rng(hashInts(seed, 0x70656761)); // 'pega'
  const images = new Uint8Array(n * IMAGE_BYTES);
  const recipes: PegasusRecipe[] = [];
  let order: number[] = [];
  for (let i = 0; i < n; i++) {
    if (order.length === 0) {
      order = [...src.usable];
      for (let k = order.length - 1; k > 0; k--) {
        const j = rng.int(k + 1);
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
    }
    const h = order.pop()!;
    const r = sampleRecipe(rng, h, src.horses.subarray(h * IMAGE_BYTES, (h + 1) * IMAGE_BYTES), src.backs.get(h)!, src.donors);
    images.set(drawRecipe(src, r), i * IMAGE_BYTES);
    recipes.push(r);
    if (onProgress !== undefined && (i + 1) % 500 === 0) onProgress(i + 1);
  }
  return { manifest: { kind: 'pegasi', version: 1, split, seed, count: n, horses: src.usable, refused: src.refused }, images, recipes };
}

/** Writes the folder atomically (see the file comment); refuses to replace an existing one. */
export function writePegasi(dir: string, set: PegasiSet): void {
  if (existsSync(dir)) throw new UserError(`${dir} already exists; choose another --out or remove it`);
  writeFolderAtomic(dir, (tmp) => {
    const n = set.manifest.count;
    const records = new Uint8Array(n * RECORD_BYTES);
    for (let i = 0; i < n; i++) {
      records[i * RECORD_BYTES] = PEGASUS_LABEL;
      records.set(set.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), i * RECORD_BYTES + 1);
    }
    writeFileSync(join(tmp, PEGASI_FILE), records);
    writeFileSync(join(tmp, RECIPES_FILE), set.recipes.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(tmp, MANIFEST_FILE), JSON.stringify(set.manifest, null, 1) + '\n');
    const first = imagesFromNchw(set.images.subarray(0, Math.min(64, n) * IMAGE_BYTES), Math.min(64, n), 3, 32, 32);
    writePng(join(tmp, PREVIEW_FILE), makeGrid(first, { cols: 8, scale: 4 }));
  });
}

/**
 * Reads a composites folder, checking that its files agree (record size, labels, count).
 * @example const { images, manifest } = loadPegasi('data/pegasi');
 */
export function loadPegasi(dir: string): PegasiSet {
  const file = join(dir, PEGASI_FILE);
  if (!existsSync(file)) throw new UserError(`${dir} holds no ${PEGASI_FILE}; make one with: pegasus data pegasi --out ${dir}`);
  let manifest: PegasiManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as PegasiManifest;
  } catch {
    throw new UserError(`${join(dir, MANIFEST_FILE)} is missing or not JSON; make the folder again with pegasus data pegasi`);
  }
  if (manifest.kind !== 'pegasi') throw new UserError(`${dir} is not a pegasi folder (its manifest says "${String(manifest.kind)}")`);
  const size = statSync(file).size;
  if (size !== manifest.count * RECORD_BYTES) {
    throw new UserError(`${file} holds ${size} bytes, expected ${manifest.count} records of ${RECORD_BYTES}; make the folder again`);
  }
  const records = readFileSync(file);
  const images = new Uint8Array(manifest.count * IMAGE_BYTES);
  for (let i = 0; i < manifest.count; i++) {
    if (records[i * RECORD_BYTES] !== PEGASUS_LABEL)
      throw new UserError(`${file}: record ${i} has label ${records[i * RECORD_BYTES]}, expected ${PEGASUS_LABEL}`);
    images.set(records.subarray(i * RECORD_BYTES + 1, (i + 1) * RECORD_BYTES), i * IMAGE_BYTES);
  }
  const lines = existsSync(join(dir, RECIPES_FILE))
    ? readFileSync(join(dir, RECIPES_FILE), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
    : [];
  return { manifest, images, recipes: lines.map((l) => JSON.parse(l) as PegasusRecipe) };
}
