/**
 * Timing exactly as ../shared/bench/torch_reference.py does it: `warmup` untimed calls, then the
 * median of `reps` timed calls (the upper median for even counts, as `times[len // 2]`).
 */
export interface TimingOptions {
  readonly reps: number; // timed repetitions
  readonly warmup: number; // untimed calls first (primitive creation, buffer pools, JIT)
}

/** torch_reference.py's defaults for the conv and sgemm workloads. */
export const kernelTiming: TimingOptions = { reps: 10, warmup: 3 };
/** torch_reference.py's setting for dcgan_step_b64. */
export const stepTiming: TimingOptions = { reps: 20, warmup: 5 };

/** Median wall-clock seconds of `fn` over `reps` calls after `warmup` calls. */
export function medianTime(fn: () => void, { reps, warmup }: TimingOptions = kernelTiming): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
