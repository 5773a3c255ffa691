/**
 * Nearest training images, off the request path: the training index lives in a worker thread
 * (trainIndexWorker.ts), so loading 50,000 images and computing their features (minutes when not
 * cached) never blocks the server; a query is a message, and its answer a promise.
 */
import { Worker } from 'node:worker_threads';
import type { NeighbourResult, TrainIndexOptions } from './trainIndex.js';

/** Messages to the worker: one neighbour query. */
export interface ToIndexWorker {
  readonly id: number;
  readonly pixels: Float32Array;
  readonly features: Float32Array;
  readonly k: number;
}

/** Messages from the worker. */
export type FromIndexWorker =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly type: 'ready'; readonly count: number; readonly fromCache: boolean }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly result: NeighbourResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** Where the index stands, as /api/status reports it. */
export type IndexStatus =
  | { readonly state: 'off'; readonly reason: string }
  | { readonly state: 'loading'; readonly done: number; readonly total: number }
  | { readonly state: 'ready'; readonly count: number; readonly fromCache: boolean }
  | { readonly state: 'failed'; readonly reason: string };

/** The training-set index, or the reason there is none (e.g. no CIFAR-10 data found). */
export interface NeighbourSource {
  status(): IndexStatus;
  nearest(pixels: Float32Array, features: Float32Array, k: number): Promise<NeighbourResult>;
  /** Resolves once the index is ready or has failed. */
  settled(): Promise<IndexStatus>;
  close(): Promise<void>;
}

/** No training data: every query is refused with the reason. */
export function noNeighbours(reason: string): NeighbourSource {
  const status: IndexStatus = { state: 'off', reason };
  return {
    status: () => status,
    nearest: () => Promise.reject(new Error(reason)),
    settled: () => Promise.resolve(status),
    close: () => Promise.resolve(),
  };
}

/**
 * The worker thread running trainIndexWorker: the compiled .js beside this file, or under tsx
 * (tests, `npx tsx src/cli/main.ts`) the .ts source.
 *
 * NOTE: a worker does not inherit the loader that `npx tsx` installs, so from source a two-line
 * bootstrap registers tsx in the worker before importing the .ts file.
 */
function spawnIndexWorker(options: TrainIndexOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./trainIndexWorker.js', import.meta.url), { workerData: options });
  const entry = new URL('./trainIndexWorker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

/** Starts the worker thread that builds the training index (see spawnIndexWorker). */
export function startNeighbourWorker(options: TrainIndexOptions): NeighbourSource {
  const worker = spawnIndexWorker(options);
  let status: IndexStatus = { state: 'loading', done: 0, total: 0 };
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: NeighbourResult) => void; reject: (e: Error) => void }>();
  let onSettled: ((s: IndexStatus) => void)[] = [];
  // NOTE: a worker that is loading or answering keeps the process alive; an idle one must not
  // (the CLI exits when the server closes).
  const refWhileBusy = () => (status.state === 'loading' || pending.size > 0 ? worker.ref() : worker.unref());
  const settle = (s: IndexStatus) => {
    status = s;
    refWhileBusy();
    for (const f of onSettled) f(s);
    onSettled = [];
  };
  const failAll = (reason: string) => {
    for (const p of pending.values()) p.reject(new Error(reason));
    pending.clear();
  };
  worker.on('message', (m: FromIndexWorker) => {
    if (m.type === 'progress') status = { state: 'loading', done: m.done, total: m.total };
    else if (m.type === 'ready') settle({ state: 'ready', count: m.count, fromCache: m.fromCache });
    else if (m.type === 'failed') settle({ state: 'failed', reason: m.message });
    else {
      const p = pending.get(m.id);
      pending.delete(m.id);
      refWhileBusy();
      if (m.type === 'result') p?.resolve(m.result);
      else p?.reject(new Error(m.message));
    }
  });
  worker.on('error', (e) => {
    settle({ state: 'failed', reason: e.message });
    failAll(e.message);
  });
  worker.on('exit', () => failAll('the training index stopped'));
  return {
    status: () => status,
    nearest(pixels, features, k) {
      if (status.state !== 'ready') return Promise.reject(new Error(describeStatus(status)));
      const id = nextId++;
      return new Promise<NeighbourResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        refWhileBusy();
        worker.postMessage({ id, pixels, features, k } satisfies ToIndexWorker);
      });
    },
    settled: () => (status.state === 'loading' ? new Promise((r) => onSettled.push(r)) : Promise.resolve(status)),
    close: async () => {
      await worker.terminate();
    },
  };
}

/** A one-line account of an index that cannot answer yet. */
export function describeStatus(s: IndexStatus): string {
  switch (s.state) {
    case 'off':
      return `nearest training images are off: ${s.reason}`;
    case 'failed':
      return `the training index failed: ${s.reason}`;
    case 'loading':
      return s.total === 0
        ? 'the training images are still loading; try again in a moment'
        : `training features are being computed (${s.done} of ${s.total}); try again in a moment`;
    case 'ready':
      return `ready (${s.count} training images)`;
  }
}
