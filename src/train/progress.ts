/**
 * Training progress on the terminal, for every model: a cli-progress bar when stderr is a TTY,
 * otherwise one plain line every `plainEverySeconds` (logs of background runs stay readable and
 * small). Each model names its own losses (`lossD`/`lossG` for a GAN, `loss` for diffusion).
 */
import cliProgress from 'cli-progress';

export interface ProgressValues {
  readonly step: number;
  readonly epoch: number;
  readonly imagesPerSecond: number;
  /** The current losses by name; the names are those given to the constructor. */
  readonly losses: Readonly<Record<string, number>>;
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

  /**
   * @example new TrainProgress(20000, 0, () => stepsDone / seconds, ['lossD', 'lossG'])
   */
  constructor(
    private readonly totalSteps: number,
    startStep: number,
    private readonly stepsPerSecond: () => number,
    private readonly lossNames: readonly string[],
    private readonly plainEverySeconds = 30,
    tty = process.stderr.isTTY === true,
  ) {
    const losses = lossNames.map((n) => `${n} {${n}}`).join(' ');
    this.bar = tty
      ? new cliProgress.SingleBar(
          {
            format: `step {value}/{total} |{bar}| ep {epoch} ${losses} {ips} img/s ETA {left}`,
            hideCursor: true,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    const blank = Object.fromEntries(lossNames.map((n) => [n, '-']));
    this.bar?.start(totalSteps, startStep, { epoch: 0, ...blank, ips: '-', left: '?' });
  }

  update(v: ProgressValues): void {
    const sps = this.stepsPerSecond();
    const left = formatDuration(sps > 0 ? (this.totalSteps - v.step) / sps : Infinity);
    const losses = this.lossNames.map((n) => [n, (v.losses[n] ?? NaN).toFixed(4)] as const);
    if (this.bar !== null) {
      this.bar.update(v.step, { epoch: v.epoch, ...Object.fromEntries(losses), ips: v.imagesPerSecond.toFixed(1), left });
      return;
    }
    const now = Date.now() / 1000;
    if (now - this.lastPlain < this.plainEverySeconds && v.step < this.totalSteps) return;
    this.lastPlain = now;
    console.error(
      `step ${v.step}/${this.totalSteps} epoch ${v.epoch} ${losses.map(([n, x]) => `${n} ${x}`).join(' ')} ` +
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
