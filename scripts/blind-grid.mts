// A blind viewing test, repeatable by anyone: n of our images shuffled among n real CIFAR-10 test
// horses in one numbered grid (tiles ×4), and the key kept apart. Show grid.png to a viewer who
// knows nothing else, ask which tiles show a horse with wings, and score the answer with
// `--score "3,7,12" --key DIR/key.json --name "what ours are"` (writes DIR/result.json, which the
// report's table of blind tests reads).
//
//   node --import tsx scripts/blind-grid.mts --pegasi runs/pegasi-train --out docs/blind/composites
//   node --import tsx scripts/blind-grid.mts --checkpoint G.pgc --class pegasus --out docs/blind/model
//   node --import tsx scripts/blind-grid.mts --images out --best --real 15 --out docs/blind/best-1
//   node --import tsx scripts/blind-grid.mts --score "1,5,9" --key docs/blind/model/key.json
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCifar10 } from '../src/data/cifar10.js';
import { resolveDataDir } from '../src/data/dataDir.js';
import { hashInts, permutation } from '../src/data/rng.js';
import { floatToUint8, makeGrid, readPng, writePng, type Image } from '../src/image/index.js';
import { loadPegasi } from '../src/pegasi/dataset.js';
import { loadGenerator, sampleImages } from '../src/sample/sampler.js';

const IMAGE = 3072;
const { values: a } = parseArgs({
  options: {
    pegasi: { type: 'string' },
    checkpoint: { type: 'string' },
    class: { type: 'string', default: 'pegasus' },
    images: { type: 'string' }, // a raw file of uint8 NCHW images, or a pegasus generate folder (its batch/*.png, or pegasus.png with --best)
    best: { type: 'boolean', default: false },
    n: { type: 'string', default: '32' },
    real: { type: 'string' }, // real horses beside them (default: as many as ours)
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    data: { type: 'string' },
    score: { type: 'string' },
    key: { type: 'string' },
    name: { type: 'string' }, // with --score: what our images are, for result.json
  },
});

if (a.score !== undefined) {
  const key = JSON.parse(readFileSync(a.key!, 'utf8')) as { tiles: { source: 'ours' | 'real' }[] };
  const said = new Set(
    a.score
      .split(/[ ,]+/)
      .filter((s) => s.length > 0)
      .map(Number),
  );
  const ours = key.tiles.filter((t) => t.source === 'ours').length;
  const real = key.tiles.length - ours;
  let oursSaid = 0;
  let realSaid = 0;
  key.tiles.forEach((t, i) => {
    if (!said.has(i + 1)) return;
    if (t.source === 'ours') oursSaid++;
    else realSaid++;
  });
  const result = {
    name: a.name ?? (key as { source?: string }).source ?? 'our images',
    date: new Date().toISOString().slice(0, 10),
    ours,
    oursCalledWinged: oursSaid,
    real,
    realCalledWinged: realSaid,
    said: [...said].sort((x, y) => x - y),
  };
  writeFileSync(join(dirname(a.key!), 'result.json'), JSON.stringify(result, null, 1) + '\n');
  console.log(JSON.stringify(result));
  process.exit(0);
}

const n = Number(a.n);
const seed = Number(a.seed);
let ours: Uint8Array;
let source: string;
if (a.pegasi !== undefined) {
  ours = loadPegasi(a.pegasi).images.slice(0, n * IMAGE);
  source = `the first ${n} composites of ${a.pegasi}`;
} else if (a.checkpoint !== undefined) {
  const g = loadGenerator(a.checkpoint);
  ours = floatToUint8(sampleImages(g, [{ name: a.class!, weight: 1 }], n, seed).data as Float32Array);
  source = `${n} random samples of class ${a.class} from ${a.checkpoint} (seed ${seed})`;
} else if (a.images !== undefined && a.best) {
  ours = readPng(join(a.images, 'pegasus.png')).data;
  source = `${join(a.images, 'pegasus.png')}`;
} else if (a.images !== undefined && existsSync(join(a.images, 'batch'))) {
  const files = readdirSync(join(a.images, 'batch'))
    .filter((f) => f.endsWith('.png'))
    .sort()
    .slice(0, n);
  ours = new Uint8Array(files.length * IMAGE);
  files.forEach((f, i) => ours.set(readPng(join(a.images!, 'batch', f)).data, i * IMAGE));
  source = `${join(a.images, 'batch')}/${files[0]} … ${files[files.length - 1]} (the first ${files.length} of the batch)`;
} else if (a.images !== undefined) {
  ours = new Uint8Array(readFileSync(a.images)).slice(0, n * IMAGE);
  source = `the first ${n} images of ${a.images}`;
} else {
  throw new Error('give --pegasi DIR, --checkpoint FILE or --images FILE');
}
const horses = loadCifar10({ dir: resolveDataDir(a.data), split: 'test', classes: ['horse'] });
const nOurs = ours.length / IMAGE;
const nReal = a.real === undefined ? nOurs : Number(a.real);
const pickReal = permutation(horses.count, hashInts(seed, 0x7265616c)).slice(0, nReal);
const tiles: { source: 'ours' | 'real'; index: number }[] = [];
for (let i = 0; i < nOurs; i++) tiles.push({ source: 'ours', index: i });
for (let i = 0; i < nReal; i++) tiles.push({ source: 'real', index: pickReal[i]! });
const order = permutation(tiles.length, hashInts(seed, 0x73687566));
const shuffled = Array.from(order, (j) => tiles[j]!);
const images: Image[] = shuffled.map((t) => ({
  data:
    t.source === 'ours' ? ours.slice(t.index * IMAGE, (t.index + 1) * IMAGE) : horses.images.slice(t.index * IMAGE, (t.index + 1) * IMAGE),
  channels: 3,
  height: 32,
  width: 32,
}));
mkdirSync(a.out!, { recursive: true });
writePng(
  join(a.out!, 'grid.png'),
  makeGrid(images, {
    cols: Math.min(8, Math.ceil(Math.sqrt(tiles.length))),
    scale: 4,
    padding: 4,
    cellLabels: shuffled.map((_, i) => String(i + 1)),
  }),
);
writeFileSync(join(a.out!, 'key.json'), JSON.stringify({ source, seed, tiles: shuffled }, null, 1) + '\n');
console.log(`wrote ${join(a.out!, 'grid.png')} (${tiles.length} tiles) and the key ${join(a.out!, 'key.json')}`);
