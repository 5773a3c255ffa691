/**
 * The lines of a diffusion run's metrics.jsonl and the columns of its metrics.csv, one per logged
 * update; both files are written by src/train/runFolder.ts's MetricsLog (the GAN's have their own
 * fields).
 */

export interface DiffusionMetricsLine {
  readonly step: number; // updates done
  readonly epoch: number; // epoch of the last batch
  readonly loss: number; // EDM loss of the last batch (unit-weighted MSE of F against its target)
  readonly gradNorm: number; // L2 norm of all gradients before clipping
  readonly lr: number; // learning rate of the last update (after warm-up: the configured one)
  readonly imagesPerSecond: number; // training images per second since the last line
  readonly elapsedSeconds: number; // wall time of the run, summed over resumes
}

/** The columns of a diffusion run's metrics.csv. */
export const DIFFUSION_METRICS_COLUMNS = ['step', 'epoch', 'loss', 'gradNorm', 'lr', 'imagesPerSecond', 'elapsedSeconds'] as const;
