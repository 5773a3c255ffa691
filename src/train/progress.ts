/**
 * Training progress on the terminal: a cli-progress bar when stderr is a TTY, otherwise one plain
 * line every `plainEverySeconds` (logs of background runs stay readable and small).
 */
import cliProgress from 'cli-progress';

export interface ProgressValues {
  readonly step: number;
  readonly epoch: number;
  readonly lossD: number;
  readonly lossG: number;
  readonly imagesPerSecond: number;
}

/** "1h02m", "3m05s", "12s": short durations for ETAs. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

export class TrainProgress {
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
          {
            format: 'step {value}/{total} |{bar}| ep {epoch} D {lossD} G {lossG} {ips} img/s ETA {left}',
            hideCursor: true,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.bar?.start(totalSteps, startStep, { epoch: 0, lossD: '-', lossG: '-', ips: '-', left: '?' });
  }

  update(v: ProgressValues): void {
    const sps = this.stepsPerSecond();
    const left = formatDuration(sps > 0 ? (this.totalSteps - v.step) / sps : Infinity);
    if (this.bar !== null) {
      this.bar.update(v.step, {
        epoch: v.epoch,
        lossD: v.lossD.toFixed(3),
        lossG: v.lossG.toFixed(3),
        ips: v.imagesPerSecond.toFixed(1),
        left,
      });
      return;
    }
    const now = Date.now() / 1000;
    if (now - this.lastPlain < this.plainEverySeconds && v.step < this.totalSteps) return;
    this.lastPlain = now;
    console.error(
      `step ${v.step}/${this.totalSteps} epoch ${v.epoch} lossD ${v.lossD.toFixed(4)} lossG ${v.lossG.toFixed(4)} ` +
        `${v.imagesPerSecond.toFixed(1)} img/s ETA ${left}`,
    );
  }

  /** Prints a message without tearing the bar. */
  log(message: string): void {
    if (this.bar !== null) process.stderr.write('\n');
    console.error(message);
  }

  stop(): void {
    this.bar?.stop();
  }
}
