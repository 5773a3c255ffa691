/**
 * cgan_update: one training update of the committed Pegasus model's configuration
 * (models/cgan-pegasus/config.json: D's nDis updates with DiffAugment and the class loss, G's
 * update, the average), as `pegasus train` makes it, on random images. Run as its own process by
 * bench/index.ts; prints one JSON line like dcgan-step.ts, with images per second.
 *
 *   node --import tsx bench/cgan-step.ts [threads]
 */
import { readFileSync } from 'node:fs';
import { getBackend, Rng } from '../src/engine/index.js';
import { setNumThreads } from '../src/engine/native/index.js';
import { ganUpdater, type BatchSource } from '../src/train/gan.js';
import type { RunConfig } from '../src/train/config.js';
import { fusionBound, recordOps } from './floor.js';
import { medianTime } from './timing.js';

const threads = Number(process.argv[2] ?? '2');
setNumThreads(threads);
const config = JSON.parse(readFileSync(new URL('../models/cgan-pegasus/config.json', import.meta.url), 'utf8')) as RunConfig;
const t = config.train;
const rng = new Rng(0);
const n = t.batchSize;
const images = Float32Array.from({ length: n * 3072 }, () => rng.uniform() * 2 - 1);
const labels = Uint8Array.from({ length: n }, () => rng.int(t.classes.length));
const batches: BatchSource = {
  batch: (step) => ({ step, epoch: 0, indices: new Uint32Array(n), labels, uint8: new Uint8Array(0), images, flipped: new Uint8Array(n) }),
};
const toClass = Int32Array.from({ length: t.classes.length }, (_, i) => i);
const update = ganUpdater(config, batches, toClass);
const medianS = medianTime(update, { reps: 10, warmup: 3 });
console.log(
  JSON.stringify({
    workload: 'cgan_update',
    backend: getBackend().name,
    median_s: medianS,
    images_per_s: (n * t.nDis) / medianS,
    maxrss_kib: process.resourceUsage().maxRSS,
    ops: recordOps(update),
    bound_fraction: fusionBound(update),
  }),
);
