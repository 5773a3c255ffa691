/**
 * Spectral normalisation (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for
 * Generative Adversarial Networks", Algorithm 1).
 *
 * The layer's weight W is replaced by W / σ(W), where σ is W's largest singular value (of W viewed
 * as a matrix [rows, rest]), estimated by power iteration with a persistent vector u:
 *   v ← Wᵀu / ‖Wᵀu‖,  u ← Wv / ‖Wv‖,  σ ≈ uᵀWv.
 * One iteration per training forward suffices because W changes slowly between steps. u and v are
 * buffers (saved with the model); in eval mode they are used as they are. Gradients flow through σ
 * (u and v treated as constants), as in the paper and in PyTorch.
 *
 * After `spectralNorm(layer, rng)`, the raw parameter is `weightOrig` and the buffers `weightU`,
 * `weightV` (PyTorch: weight_orig, weight_u, weight_v); `layer.weight` holds the normalised weight
 * computed by the latest forward.
 */
import { getBackend, keep, noGrad, permute, randn, reshape, type Rng, spectralNormalize, type Tensor } from '../engine/index.js';
import { ConvTranspose2d } from './conv.js';
import type { Module } from './module.js';

export interface SpectralNormOptions {
  /** Power iterations per training forward (1, as in the paper). */
  readonly nPowerIterations?: number;
  /** Guards the normalisation of u and v against division by zero (1e-12, as PyTorch). */
  readonly eps?: number;
  /** The weight dimension that becomes the matrix rows (0; 1 for ConvTranspose2d, as PyTorch). */
  readonly dim?: number;
}

interface WithWeight extends Module {
  readonly weight: Tensor;
  forward(...args: never[]): unknown;
}

function normalize(v: Float32Array | Float64Array, eps: number): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const k = 1 / Math.max(Math.sqrt(s), eps);
  for (let i = 0; i < v.length; i++) v[i]! *= k;
}

/**
 * Applies spectral normalisation to `module.weight` and returns the module.
 * @example this.conv1 = spectralNorm(new Conv2d(3, 64, 3, { padding: 1, rng }), rng);
 */
export function spectralNorm<M extends WithWeight>(module: M, rng: Rng, opts: SpectralNormOptions = {}): M {
  const iterations = opts.nPowerIterations ?? 1;
  const eps = opts.eps ?? 1e-12;
  const weightOrig = module.weight;
  const dim = opts.dim ?? (module instanceof ConvTranspose2d ? 1 : 0);
  if (dim < 0 || dim >= weightOrig.ndim) throw new Error(`spectralNorm: dim ${dim} is out of range for the weight`);
  const rows = weightOrig.shape[dim]!;
  const cols = weightOrig.size / rows;
  const perm = weightOrig.shape.map((_, i) => i);
  perm.splice(dim, 1);
  perm.unshift(dim);

  const u = keep(randn([rows], rng, { dtype: weightOrig.dtype }));
  const v = keep(randn([cols], rng, { dtype: weightOrig.dtype }));
  normalize(u.data, eps);
  normalize(v.data, eps);
  const target = module as unknown as Record<string, unknown>;
  target['weightOrig'] = weightOrig;
  target['weightU'] = u;
  target['weightV'] = v;

  const asMatrix = (w: Tensor): Tensor => reshape(dim === 0 ? w : permute(w, perm), [rows, cols]);

  /** Power iteration on the raw arrays (no graph): updates v then u, in place. */
  const powerIterate = (n: number): void =>
    noGrad(() => {
      const be = getBackend();
      const w = asMatrix(weightOrig);
      for (let i = 0; i < n; i++) {
        be.gemm(true, false, cols, 1, rows, w.data, u.data, v.data, false);
        normalize(v.data, eps);
        be.gemm(false, false, rows, 1, cols, w.data, v.data, u.data, false);
        normalize(u.data, eps);
      }
    });
  // A good initial estimate, so the very first forward is already close to σ (as PyTorch's
  // parametrization does with 15 iterations).
  powerIterate(15);

  // perm's inverse: the matrix view's dimensions back in the weight's order
  const unperm = perm.map((_, i) => perm.indexOf(i));
  /** W / σ as one op on W's matrix view: W itself when dim is 0, else permuted there and back. */
  const normalized = (): Tensor =>
    dim === 0 ? spectralNormalize(weightOrig, u, v) : permute(spectralNormalize(permute(weightOrig, perm), u, v), unperm);
  const compute = (): void => {
    if (module.training) powerIterate(iterations);
    // NOTE: non-enumerable, so Module does not list the computed weight as a parameter.
    Object.defineProperty(module, 'weight', { value: normalized(), writable: true, enumerable: false, configurable: true });
  };
  compute();

  const innerForward = module.forward.bind(module) as (...args: unknown[]) => unknown;
  Object.defineProperty(module, 'forward', {
    value: (...args: unknown[]) => {
      compute();
      return innerForward(...args);
    },
    writable: true,
    enumerable: false,
    configurable: true,
  });
  return module;
}
