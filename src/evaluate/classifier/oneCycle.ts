/**
 * The one-cycle learning-rate schedule of Page (2018) (after Smith 2018, "Super-convergence"):
 * linear from 0 up to `peak` at fraction `warmup` of training, then linear down to 0.
 *
 * @example oneCycle(0.4, 0.2, step / totalSteps)
 */
export function oneCycle(peak: number, warmup: number, progress: number): number {
  if (progress < warmup) return (peak * progress) / warmup;
  return Math.max(0, (peak * (1 - progress)) / (1 - warmup));
}
