/**
 * Worker thread of `pegasus serve` that owns the training-set index (trainIndex.ts): it loads
 * CIFAR-10, computes or reads the training features, then answers nearest-neighbour queries.
 * Started by neighbours.ts; the messages are typed there.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TrainIndex, type TrainIndexOptions } from './trainIndex.js';
import type { FromIndexWorker, ToIndexWorker } from './neighbours.js';

const port = parentPort;
if (port === null) throw new Error('trainIndexWorker.ts runs as a worker thread (see neighbours.ts)');
const send = (m: FromIndexWorker) => port.postMessage(m);

let index: TrainIndex | null = null;
try {
  const built = TrainIndex.build(workerData as TrainIndexOptions, (done, total) => send({ type: 'progress', done, total }));
  index = built.index;
  send({ type: 'ready', count: index.count, fromCache: built.fromCache });
} catch (e) {
  send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
}

port.on('message', (m: ToIndexWorker) => {
  if (index === null) return send({ type: 'error', id: m.id, message: 'the training index is not available' });
  try {
    send({ type: 'result', id: m.id, result: index.nearest(m.pixels, m.features, m.k) });
  } catch (e) {
    send({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  }
});
