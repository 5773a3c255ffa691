/**
 * Training progress of a diffusion run on stderr: a cli-progress bar on a terminal, otherwise one
 * plain line every 30 s (logs of background runs stay small). ETAs as in src/train/progress.ts.
 */
import cliProgress from 'cli-progress';
import { formatDuration } from '../train/progress.js';
import type { DiffusionMetricsLine } from './metrics.js';

export class DiffusionProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private lastPlain = 0;

  constructor(
    private readonly totalSteps: number,
    startStep: number,
    private readonly stepsPerSecond: () => number,
    private readonly plainEverySeconds = 30,
    tty = process.stderr.isTTY === true,
  ) {
    this.bar = tty
      ? new cliProgress.SingleBar(
          { format: 'step {value}/{total} |{bar}| ep {epoch} loss {loss} {ips} img/s ETA {left}', hideCursor: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.bar?.start(totalSteps, startStep, { epoch: 0, loss: '-', ips: '-', left: '?' });
  }

  update(v: DiffusionMetricsLine): void {
    const sps = this.stepsPerSecond();
    const left = formatDuration(sps > 0 ? (this.totalSteps - v.step) / sps : Infinity);
    if (this.bar !== null) {
      this.bar.update(v.step, { epoch: v.epoch, loss: v.loss.toFixed(4), ips: v.imagesPerSecond.toFixed(1), left });
      return;
    }
    const now = Date.now() / 1000;
    if (now - this.lastPlain < this.plainEverySeconds && v.step < this.totalSteps) return;
    this.lastPlain = now;
    console.error(`step ${v.step}/${this.totalSteps} epoch ${v.epoch} loss ${v.loss.toFixed(4)} ${v.imagesPerSecond.toFixed(1)} img/s ETA ${left}`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
