/** What `pegasus serve` does with its parsed flags: load the models, start the index, listen until interrupted. */
import { existsSync } from 'node:fs';
import { resolveDataDir } from '../data/index.js';
import { UserError } from '../errors.js';
import { startCompute, type ComputeOptions } from './compute.js';
import { buildServer } from './server.js';

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly checkpoint: string;
  readonly classifier: string;
  readonly data?: string;
  readonly recordsPerFile: number;
  readonly cache: string;
  readonly neighbours: boolean;
  readonly gallery: string;
  readonly runs: string;
}

/** Resolves when the server has closed (Ctrl-C or SIGTERM). */
export async function runServe(o: ServeOptions): Promise<void> {
  if (!existsSync(o.checkpoint)) throw new UserError(`--checkpoint ${o.checkpoint}: no such file (train one with \`pegasus train\`)`);
  if (!existsSync(o.classifier))
    throw new UserError(`--classifier ${o.classifier}: no such file (train one with \`pegasus classifier train\`)`);
  const models = { generator: o.checkpoint, classifier: o.classifier };
  let options: ComputeOptions = { ...models, offReason: 'started with --no-neighbours' };
  if (o.neighbours) {
    try {
      const dataDir = resolveDataDir(o.data);
      options = { ...models, index: { dataDir, recordsPerFile: o.recordsPerFile, classifier: o.classifier, cacheDir: o.cache } };
    } catch (e) {
      // an explicit --data that is wrong is an error; no data at all only turns neighbours off
      if (o.data !== undefined || !(e instanceof UserError)) throw e;
      console.error(`pegasus serve: nearest training images are off (${e.message})`);
      options = { ...models, offReason: e.message };
    }
  }
  const compute = await startCompute(options);
  const app = buildServer({ compute, savedFolder: o.gallery, runsFolder: o.runs, host: o.host });
  let address: string;
  try {
    address = await app.listen({ port: o.port, host: o.host });
  } catch (e) {
    await app.close();
    throw new UserError(`cannot listen on ${o.host}:${o.port} (${e instanceof Error ? e.message : String(e)}); choose another --port`);
  }
  const i = compute.info;
  console.log(
    `pegasus serve: ${address}/ (${i.checkpoint}, ${i.model} step ${i.step}, classes ${i.classes.join(', ') || 'none'}, ${i.backend} backend)`,
  );
  void compute.settled().then((s) => {
    if (s.state === 'ready')
      console.error(
        `pegasus serve: nearest-neighbour search ready over ${s.count} training images${s.fromCache ? ' (cached features)' : ''}`,
      );
    else if (s.state === 'failed') console.error(`pegasus serve: nearest training images are off (${s.reason})`);
  });
  await new Promise<void>((resolve) => {
    const stop = () => void app.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
