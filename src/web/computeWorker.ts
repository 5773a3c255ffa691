/**
 * The compute worker of `pegasus serve`: the one thread that runs the engine. It owns the studio
 * (generator and classifier, studio.ts) and the training index (trainIndex.ts), and answers the
 * messages of compute.ts.
 *
 * NOTE: all engine work stays on this one thread because the native addon shares its oneDNN
 * stream and primitive caches between threads; two threads running kernels at once would race.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../errors.js';
import type { ComputeOptions, FromComputeWorker, ToComputeWorker } from './compute.js';
import { describeStatus, type IndexStatus } from './indexStatus.js';
import { bestIndex, Studio, type RenderedImage, type RenderedWithData } from './studio.js';
import { TrainIndex } from './trainIndex.js';

const port = parentPort;
if (port === null) throw new Error('computeWorker.ts runs as a worker thread (see compute.ts)');
const send = (m: FromComputeWorker) => port.postMessage(m);
const o = workerData as ComputeOptions;

/** What the page receives of a rendered image (no raw pixels or features). */
function forPage(im: RenderedWithData): RenderedImage {
  return { settings: im.settings, png: im.png, scores: im.scores, command: im.command };
}

let studio: Studio;
try {
  studio = new Studio(o.generator, o.classifier);
} catch (e) {
  send({ type: 'failed', message: e instanceof Error ? e.message : String(e), userError: e instanceof UserError });
  process.exit(0);
}
let index: TrainIndex | null = null;
let status: IndexStatus =
  o.index === undefined ? { state: 'off', reason: o.offReason ?? 'no training data' } : { state: 'loading', done: 0, total: 0 };
const setStatus = (s: IndexStatus) => {
  status = s;
  send({ type: 'status', status: s });
};

port.on('message', (m: ToComputeWorker) => {
  try {
    if (m.type === 'render') {
      const t0 = performance.now();
      const images = studio.render(m.items).map(forPage);
      send({ type: 'rendered', id: m.id, images, best: bestIndex(images), ms: Math.round(performance.now() - t0) });
    } else {
      if (index === null) return send({ type: 'error', id: m.id, message: describeStatus(status), unavailable: true });
      const [im] = studio.render([m.settings]);
      send({ type: 'neighbours', id: m.id, image: forPage(im!), neighbours: index.nearest(im!.pixels, im!.features, m.k) });
    }
  } catch (e) {
    send({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e), unavailable: false });
  }
});

send({ type: 'loaded', info: studio.info, status });
if (o.index !== undefined) {
  TrainIndex.build(o.index, (done, total) => setStatus({ state: 'loading', done, total })).then(
    (built) => {
      index = built.index;
      setStatus({ state: 'ready', count: built.index.count, fromCache: built.fromCache });
    },
    (e: unknown) => setStatus({ state: 'failed', reason: e instanceof Error ? e.message : String(e) }),
  );
}
