/**
 * The server's handle on the compute worker (computeWorker.ts): drawing, scoring and the
 * nearest-neighbour search all run on that one thread, so the HTTP thread never waits on the
 * engine. Loading 50,000 training images and computing their features (minutes when not cached)
 * happens there too, a chunk at a time, between requests.
 */
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import type { IndexStatus } from './indexStatus.js';
import type { ImageSettings } from './settings.js';
import type { ModelInfo, RenderedImage } from './studio.js';
import type { NeighbourResult, TrainIndexOptions } from './trainIndex.js';

export interface ComputeOptions {
  /** Generator checkpoint. */
  readonly generator: string;
  /** Classifier checkpoint (scores and features). */
  readonly classifier: string;
  /** The training data to search; without it neighbours are off, for `offReason`. */
  readonly index?: TrainIndexOptions;
  readonly offReason?: string;
}

/** Messages to the worker. */
export type ToComputeWorker =
  | { readonly type: 'render'; readonly id: number; readonly items: readonly ImageSettings[] }
  | { readonly type: 'neighbours'; readonly id: number; readonly settings: ImageSettings; readonly k: number };

/** Messages from the worker. */
export type FromComputeWorker =
  | { readonly type: 'loaded'; readonly info: ModelInfo; readonly status: IndexStatus }
  | { readonly type: 'failed'; readonly message: string; readonly userError: boolean }
  | { readonly type: 'status'; readonly status: IndexStatus }
  | { readonly type: 'rendered'; readonly id: number; readonly images: RenderedImage[]; readonly best: number; readonly ms: number }
  | { readonly type: 'neighbours'; readonly id: number; readonly image: RenderedImage; readonly neighbours: NeighbourResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly unavailable: boolean };

/**
 * Requests waiting (or being answered) before new ones are turned away (each takes ≲ 0.1–2 s).
 * They wait here, not in the worker's message queue, so that the request of a client that has
 * gone away is dropped before the worker spends time on it.
 */
const MAX_WAITING = 16;

/** A request the worker could not answer; `unavailable` when the index is not (yet) there. */
export class ComputeError extends Error {
  constructor(
    message: string,
    readonly unavailable: boolean,
  ) {
    super(message);
  }
}

export interface Compute {
  readonly info: ModelInfo;
  status(): IndexStatus;
  /** Draws and scores the images; `best` is the index of the best one. An aborted `signal` drops the request while it waits. */
  render(items: readonly ImageSettings[], signal?: AbortSignal): Promise<{ images: RenderedImage[]; best: number; ms: number }>;
  neighbours(settings: ImageSettings, k: number, signal?: AbortSignal): Promise<{ image: RenderedImage; neighbours: NeighbourResult }>;
  /** Resolves once the index is ready, failed or off. */
  settled(): Promise<IndexStatus>;
  close(): Promise<void>;
}

/**
 * The worker thread: the compiled .js beside this file, or under tsx (tests,
 * `npx tsx src/cli/main.ts`) the .ts source.
 *
 * NOTE: a worker does not inherit the loader that `npx tsx` installs, so from source a two-line
 * bootstrap registers tsx in the worker before importing the .ts file.
 */
function spawnWorker(options: ComputeOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./computeWorker.js', import.meta.url), { workerData: options });
  const entry = new URL('./computeWorker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

/**
 * Starts the worker and resolves once the models are loaded (a bad checkpoint rejects with its
 * UserError); the training index keeps loading in the background.
 *
 * @example const compute = await startCompute({ generator, classifier, index: { dataDir, … } });
 */
export function startCompute(options: ComputeOptions): Promise<Compute> {
  const worker = spawnWorker(options);
  let status: IndexStatus = { state: 'loading', done: 0, total: 0 };
  let nextId = 1;
  interface Job {
    readonly m: ToComputeWorker;
    readonly resolve: (m: FromComputeWorker) => void;
    readonly reject: (e: Error) => void;
  }
  const queue: Job[] = [];
  let inFlight: Job | null = null;
  let waiting: ((s: IndexStatus) => void)[] = [];
  // NOTE: a worker that is loading or answering keeps the process alive; an idle one must not
  // (the CLI exits when the server closes).
  const refWhileBusy = () => (status.state === 'loading' || inFlight !== null ? worker.ref() : worker.unref());
  /** Sends the next waiting request when the worker is free (one at a time). */
  const pump = () => {
    if (inFlight === null && queue.length > 0) {
      inFlight = queue.shift()!;
      worker.postMessage(inFlight.m);
    }
    refWhileBusy();
  };
  const setStatus = (s: IndexStatus) => {
    status = s;
    refWhileBusy();
    if (s.state === 'loading') return;
    for (const f of waiting) f(s);
    waiting = [];
  };
  const failAll = (reason: string) => {
    for (const job of [...(inFlight === null ? [] : [inFlight]), ...queue.splice(0)]) job.reject(new ComputeError(reason, true));
    inFlight = null;
  };
  const ask = <T extends FromComputeWorker>(m: ToComputeWorker, signal?: AbortSignal): Promise<T> =>
    new Promise<FromComputeWorker>((resolve, reject) => {
      const count = queue.length + (inFlight === null ? 0 : 1);
      if (count >= MAX_WAITING)
        return reject(new ComputeError(`the server is busy (${count} requests waiting); try again in a moment`, true));
      if (signal?.aborted) return reject(new ComputeError('the request was cancelled (its client went away)', true));
      const job: Job = { m, resolve, reject };
      queue.push(job);
      signal?.addEventListener(
        'abort',
        () => {
          const i = queue.indexOf(job);
          if (i < 0) return; // already with the worker: it finishes (≲ 2 s) and the answer is dropped
          queue.splice(i, 1);
          reject(new ComputeError('the request was cancelled (its client went away)', true));
        },
        { once: true },
      );
      pump();
    }) as Promise<T>;

  return new Promise<Compute>((resolveStart, rejectStart) => {
    worker.on('message', (m: FromComputeWorker) => {
      if (m.type === 'loaded') {
        setStatus(m.status);
        resolveStart({
          info: m.info,
          status: () => status,
          render: async (items, signal) => {
            const r = await ask<Extract<FromComputeWorker, { type: 'rendered' }>>({ type: 'render', id: nextId++, items }, signal);
            return { images: r.images, best: r.best, ms: r.ms };
          },
          neighbours: async (settings, k, signal) => {
            const r = await ask<Extract<FromComputeWorker, { type: 'neighbours' }>>(
              { type: 'neighbours', id: nextId++, settings, k },
              signal,
            );
            return { image: r.image, neighbours: r.neighbours };
          },
          settled: () => (status.state === 'loading' ? new Promise((r) => waiting.push(r)) : Promise.resolve(status)),
          close: async () => {
            await worker.terminate();
          },
        });
      } else if (m.type === 'failed') {
        rejectStart(m.userError ? new UserError(m.message) : new Error(m.message));
      } else if (m.type === 'status') {
        setStatus(m.status);
      } else {
        const job = inFlight?.m.id === m.id ? inFlight : null;
        inFlight = null;
        pump();
        if (m.type === 'error') job?.reject(new ComputeError(m.message, m.unavailable));
        else job?.resolve(m);
      }
    });
    worker.on('error', (e) => {
      rejectStart(e);
      setStatus({ state: 'failed', reason: e.message });
      failAll(`the compute worker stopped: ${e.message}`);
    });
    worker.on('exit', () => failAll('the compute worker stopped'));
  });
}
