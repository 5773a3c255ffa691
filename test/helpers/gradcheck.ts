/**
 * Checks an op's gradients against central finite differences, in float64.
 *
 * The op's output is reduced to a scalar L = Σ out·R with a fixed random R (so every output
 * element matters, not just their sum), the analytic ∂L/∂input comes from backward(), and each
 * input element is perturbed by ±eps to estimate the same derivative numerically:
 *   ∂L/∂x ≈ (L(x + eps) − L(x − eps)) / (2·eps).
 * An element passes when |analytic − numeric| ≤ atol + rtol·|numeric|.
 */
import { keep, mul, noGrad, Rng, randn, sum, Tensor, tensor, tidy } from '../../src/engine/index.js';
import { type Module, parameter } from '../../src/nn/index.js';

export interface GradcheckOptions {
  /** Finite-difference step (1e-6: central differences in float64 are accurate to ~eps²). */
  readonly eps?: number;
  /** Absolute tolerance (1e-6). */
  readonly atol?: number;
  /** Relative tolerance (1e-4). */
  readonly rtol?: number;
}

export interface GradcheckResult {
  readonly ok: boolean;
  /** Worst mismatch, described for the assertion message. */
  readonly message: string;
}

/**
 * Compares analytic and numeric gradients of `fn` with respect to every input.
 * Inputs must be float64 leaves with requiresGrad; `fn` must be deterministic.
 * @example assert.ok(gradcheck('relu', (x) => relu(x), [randn([3, 4], rng, f64grad)]).ok)
 */
export function gradcheck(
  name: string,
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-4;
  for (const x of inputs) {
    if (x.dtype !== 'float64' || !x.requiresGrad) throw new Error(`gradcheck(${name}): inputs must be float64 with requiresGrad`);
    x.grad = null;
  }
  const probe = tidy(() => noGrad(() => fn(...inputs)).shape);
  const r = randn(probe, new Rng(12345), { dtype: 'float64' });
  const loss = (): number => tidy(() => sum(mul(fn(...inputs), r)).item());

  tidy(() => sum(mul(fn(...inputs), r)).backward());

  let worst = { excess: 0, message: `${name}: all gradients match` };
  let ok = true;
  inputs.forEach((x, i) => {
    const g = x.grad;
    if (!g) {
      ok = false;
      worst = { excess: Infinity, message: `${name}: input ${i} got no gradient` };
      return;
    }
    const d = x.data;
    for (let j = 0; j < d.length; j++) {
      const v = d[j]!;
      d[j] = v + eps;
      const fp = noGrad(loss);
      d[j] = v - eps;
      const fm = noGrad(loss);
      d[j] = v;
      const numeric = (fp - fm) / (2 * eps);
      const analytic = g.data[j]!;
      const err = Math.abs(analytic - numeric);
      const tol = atol + rtol * Math.abs(numeric);
      if (err > tol) ok = false;
      if (err - tol > worst.excess) {
        worst = {
          excess: err - tol,
          message: `${name}: input ${i} [${x.shape.join(',')}] element ${j}: analytic ${analytic}, numeric ${numeric}`,
        };
      }
    }
  });
  return { ok, message: worst.message };
}

/**
 * Replaces every parameter and buffer of `m` and of its children by a float64 copy (parameters stay
 * parameters), so a layer built in float32 can be checked by `gradcheck`. Call it before wrapping
 * the layer (spectralNorm captures the weight it finds).
 * @example const lin = toFloat64(new Linear(3, 2, { rng }));
 */
export function toFloat64<M extends Module>(m: M): M {
  const params = new Set(m.parameters());
  for (const mod of [m, ...m.namedModules().map(([, c]) => c)]) {
    const fields = mod as unknown as Record<string, unknown>;
    for (const [key, v] of Object.entries(mod)) {
      if (!(v instanceof Tensor) || v.node !== null || v.dtype === 'float64') continue;
      const t = keep(tensor(Float64Array.from(v.data), v.shape, { dtype: 'float64' }));
      fields[key] = params.has(v) ? parameter(t) : t;
    }
  }
  return m;
}
