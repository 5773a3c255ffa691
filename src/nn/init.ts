/**
 * Weight initialisation, matching PyTorch's layer defaults so that architectures from papers
 * (and their PyTorch reference code) behave the same here.
 */
import { rand, randn, type Rng, type Shape, type Tensor } from '../engine/index.js';

/** Uniform on [−bound, bound). */
export function uniform(shape: Shape, bound: number, rng: Rng): Tensor {
  const t = rand(shape, rng);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = (2 * d[i]! - 1) * bound;
  return t;
}

/** Normal with the given standard deviation. */
export function normal(shape: Shape, std: number, rng: Rng): Tensor {
  const t = randn(shape, rng);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = d[i]! * std;
  return t;
}

/**
 * PyTorch's default for Linear and Conv weights: kaiming_uniform_(a = √5) (He et al. 2015), which
 * works out to U(−1/√fanIn, 1/√fanIn); biases use the same bound.
 */
export function defaultBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}
