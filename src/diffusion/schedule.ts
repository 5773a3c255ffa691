/**
 * The noise levels σ₀ > σ₁ > … > σ_{N−1} > σ_N = 0 that a sampler walks down.
 *
 * Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative Models", EDM),
 * eq. 5: σ_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ for i < N, and σ_N = 0.
 * ρ = 7 spends most steps at low noise, where the image's detail is decided; ρ = 1 is uniform.
 */

/** The noise range and spacing of the sampling schedule (EDM Table 1 defaults). */
export interface SigmaSchedule {
  /** Lowest non-zero noise level (EDM: 0.002, invisible in 8-bit images). */
  readonly sigmaMin: number;
  /** Starting noise level (EDM: 80, far above the data's scale σ_data = 0.5). */
  readonly sigmaMax: number;
  /** Spacing exponent ρ (EDM: 7). */
  readonly rho: number;
}

export const EDM_SCHEDULE: SigmaSchedule = { sigmaMin: 0.002, sigmaMax: 80, rho: 7 };

/**
 * `steps` noise levels from σ_max down to σ_min, then a final 0 (length steps + 1), in float64.
 *
 * @example karrasSigmas(18) // [80, 57.6, …, 0.002, 0]
 */
export function karrasSigmas(steps: number, s: SigmaSchedule = EDM_SCHEDULE): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`karrasSigmas: steps must be a positive integer, got ${steps}`);
  if (!(s.sigmaMin > 0 && s.sigmaMax > s.sigmaMin && s.rho > 0)) {
    throw new Error(`karrasSigmas: need 0 < sigmaMin < sigmaMax and rho > 0, got ${JSON.stringify(s)}`);
  }
  const out = new Float64Array(steps + 1);
  const a = s.sigmaMax ** (1 / s.rho);
  const b = s.sigmaMin ** (1 / s.rho);
  for (let i = 0; i < steps; i++) {
    // NOTE: one step has no interior point; it goes straight from σ_max to 0.
    const t = steps === 1 ? 0 : i / (steps - 1);
    out[i] = (a + t * (b - a)) ** s.rho;
  }
  out[steps] = 0;
  return out;
}
