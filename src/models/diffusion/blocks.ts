/**
 * The U-Net's building blocks: the noise-level embedding, the residual block with adaptive group
 * norm, and self-attention.
 */
import {
  add,
  dropout,
  matmul,
  mul,
  reshape,
  silu,
  slice,
  softmax,
  tensor,
  transpose,
  type Rng,
  type Tensor,
} from '../../engine/index.js';
import { Conv2d, GroupNorm, Linear, Module } from '../../nn/index.js';

/** √½: keeps the variance of a residual sum of two unit-variance branches at 1 (EDM's skip_scale). */
const SKIP_SCALE = Math.SQRT1_2;

/**
 * Sinusoidal embedding of the noise level (Vaswani et al. 2017's positional encoding, as DDPM
 * embeds its timestep; EDM's DDPM++ embeds c_noise = ln(σ)/4 the same way):
 * [cos(c·f_0), …, cos(c·f_{h−1}), sin(c·f_0), …] with f_k = (1/10000)^{k/(h−1)}, h = dim/2.
 * A fixed input feature, so it is computed in plain arrays, outside the graph.
 */
export function noiseEmbedding(cNoise: Float32Array, dim: number): Tensor {
  const half = dim / 2;
  const out = new Float32Array(cNoise.length * dim);
  for (let i = 0; i < cNoise.length; i++) {
    for (let k = 0; k < half; k++) {
      const f = (1 / 10000) ** (k / Math.max(half - 1, 1));
      out[i * dim + k] = Math.cos(cNoise[i]! * f);
      out[i * dim + half + k] = Math.sin(cNoise[i]! * f);
    }
  }
  return tensor(out, [cNoise.length, dim]);
}

/** Sets a layer's weights (and bias) to zero, so the block it ends starts as the identity. */
export function zeroInit(layer: Conv2d | Linear): void {
  layer.weight.data.fill(0);
  layer.bias?.data.fill(0);
}

/**
 * Residual block (He et al. 2016) as in DDPM's U-Net (Ho et al. 2020), with the noise-and-class
 * embedding applied by adaptive group norm, GN(h)·(1 + s) + b (Dhariwal & Nichol 2021, "Diffusion
 * Models Beat GANs on Image Synthesis", §3):
 *   h = conv₁(SiLU(GN(x))); h = conv₂(dropout(SiLU(AdaGN(h, emb)))); out = (h + skip(x))·√½.
 */
export class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly embProj: Linear;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly skip: Conv2d | null;

  constructor(
    cIn: number,
    readonly cOut: number,
    embDim: number,
    groups: number,
    readonly dropoutP: number,
    rng: Rng,
  ) {
    super();
    this.norm1 = new GroupNorm(groups, cIn);
    this.conv1 = new Conv2d(cIn, cOut, 3, { padding: 1, rng });
    this.embProj = new Linear(embDim, 2 * cOut, { rng });
    this.norm2 = new GroupNorm(groups, cOut);
    this.conv2 = new Conv2d(cOut, cOut, 3, { padding: 1, rng });
    zeroInit(this.conv2); // DDPM: each residual branch starts at zero
    this.skip = cIn === cOut ? null : new Conv2d(cIn, cOut, 1, { rng });
  }

  /** x [N, cIn, H, W], emb [N, embDim] (already through SiLU) → [N, cOut, H, W]. */
  forward(x: Tensor, emb: Tensor, rng?: Rng): Tensor {
    const n = x.shape[0]!;
    let h = this.conv1.forward(silu(this.norm1.forward(x)));
    const ss = reshape(this.embProj.forward(emb), [n, 2 * this.cOut, 1, 1]);
    const scale = slice(ss, [0, 0, 0, 0], [n, this.cOut, 1, 1]);
    const shift = slice(ss, [0, this.cOut, 0, 0], [n, 2 * this.cOut, 1, 1]);
    h = add(mul(this.norm2.forward(h), add(scale, 1)), shift);
    h = silu(h);
    if (this.dropoutP > 0 && this.training) {
      if (rng === undefined) throw new Error('ResBlock: dropout in training needs an rng');
      h = dropout(h, this.dropoutP, rng, true);
    }
    h = this.conv2.forward(h);
    return mul(add(h, this.skip === null ? x : this.skip.forward(x)), SKIP_SCALE);
  }
}

/**
 * Single-head self-attention over the H·W positions (Vaswani et al. 2017; in diffusion U-Nets
 * since Ho et al. 2020, at 16×16): out = (x + proj(V·softmax(QᵀK/√C)ᵀ))·√½.
 * Used only at low resolution, where the (HW)² attention matrix is small (8×8: 64×64).
 */
export class SelfAttention extends Module {
  readonly norm: GroupNorm;
  readonly qkv: Conv2d;
  readonly proj: Conv2d;

  constructor(
    readonly channels: number,
    groups: number,
    rng: Rng,
  ) {
    super();
    this.norm = new GroupNorm(groups, channels);
    this.qkv = new Conv2d(channels, 3 * channels, 1, { rng });
    this.proj = new Conv2d(channels, channels, 1, { rng });
    zeroInit(this.proj);
  }

  forward(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const hw = h * w;
    const qkv = reshape(this.qkv.forward(this.norm.forward(x)), [n, 3 * c, hw]);
    const q = slice(qkv, [0, 0, 0], [n, c, hw]);
    const k = slice(qkv, [0, c, 0], [n, 2 * c, hw]);
    const v = slice(qkv, [0, 2 * c, 0], [n, 3 * c, hw]);
    // attn[n, i, j] = softmax_j(Σ_c q[c, i]·k[c, j] / √C)
    const attn = softmax(mul(matmul(transpose(q), k), 1 / Math.sqrt(c)), -1);
    const out = matmul(v, transpose(attn)); // [n, c, hw]: out[:, i] = Σ_j attn[i, j]·v[:, j]
    return mul(add(x, this.proj.forward(reshape(out, [n, c, h, w]))), SKIP_SCALE);
  }
}
