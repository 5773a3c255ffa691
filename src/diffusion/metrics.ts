/**
 * metrics.jsonl of a diffusion run: one JSON line per logged update (the GAN's file has its own
 * fields; both are read with src/train/runFolder.ts's tolerant reader).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS_FILE } from '../train/runFolder.js';
import { writeFileAtomic } from '../atomicWrite.js';

export interface DiffusionMetricsLine {
  readonly step: number; // updates done
  readonly epoch: number; // epoch of the last batch
  readonly loss: number; // EDM loss of the last batch (unit-weighted MSE of F against its target)
  readonly gradNorm: number; // L2 norm of all gradients before clipping
  readonly lr: number; // learning rate of the last update (after warm-up: the configured one)
  readonly imagesPerSecond: number; // training images per second since the last line
  readonly elapsedSeconds: number; // wall time of the run, summed over resumes
}

/** Appends metrics lines; on resume, first drops lines logged after the checkpoint's step. */
export class DiffusionMetricsLog {
  readonly path: string;

  constructor(dir: string, resumeStep = 0) {
    this.path = join(dir, METRICS_FILE);
    if (existsSync(this.path)) {
      const kept = readFileSync(this.path, 'utf8')
        .split('\n')
        .filter((l) => {
          try {
            return l.trim() !== '' && (JSON.parse(l) as { step: number }).step <= resumeStep;
          } catch {
            return false; // a torn last line of a killed run
          }
        });
      writeFileAtomic(this.path, kept.map((l) => `${l}\n`).join(''));
    }
  }

  append(line: DiffusionMetricsLine): void {
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
  }
}
