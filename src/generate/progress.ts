/**
 * Progress of a candidate search: a cli-progress bar on a terminal (as in src/train/progress.ts),
 * otherwise a plain line every `plainEverySeconds`, so logs of background runs stay small.
 */
import cliProgress from 'cli-progress';
import { formatDuration } from '../train/progress.js';

export class SearchProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly start = performance.now();
  private lastPlain = 0;
  private stage = '';

  constructor(
    private readonly total: number,
    private readonly plainEverySeconds = 15,
    tty = process.stderr.isTTY === true,
  ) {
    this.bar = tty
      ? new cliProgress.SingleBar(
          { format: 'candidates {value}/{total} |{bar}| {stage} best {best} ETA {left}', hideCursor: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.bar?.start(total, 0, { stage: '', best: '-', left: '?' });
  }

  /** `done` candidates drawn and scored; `best` the best pre-score so far. */
  update(done: number, stage: string, best: number): void {
    const s = (performance.now() - this.start) / 1000;
    const left = formatDuration(done > 0 ? ((this.total - done) * s) / done : Infinity);
    if (this.bar !== null) {
      this.bar.update(done, { stage, best: best.toFixed(3), left });
      return;
    }
    const now = Date.now() / 1000;
    if (stage === this.stage && now - this.lastPlain < this.plainEverySeconds && done < this.total) return;
    this.stage = stage;
    this.lastPlain = now;
    console.error(`search: ${done}/${this.total} candidates (${stage}), best pre-score ${best.toFixed(3)}, ETA ${left}`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
