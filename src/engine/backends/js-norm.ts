/**
 * The `js` backend's batch normalisation kernels (Ioffe & Szegedy 2015), also used by group and
 * layer norm through a [1, rows, cols] view.
 */
import type { Storage } from '../backend.js';

export function batchNorm(
  n: number,
  c: number,
  hw: number,
  x: Storage,
  gamma: Storage | null,
  beta: Storage | null,
  eps: number,
  training: boolean,
  mean: Storage,
  invStd: Storage,
  y: Storage,
): void {
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    if (training) {
      // NOTE: two passes (mean, then squared deviations) for accuracy in float32.
      let s = 0;
      for (let b = 0; b < n; b++) {
        const o = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) s += x[o + i]!;
      }
      const mu = s / count;
      let v = 0;
      for (let b = 0; b < n; b++) {
        const o = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) {
          const d = x[o + i]! - mu;
          v += d * d;
        }
      }
      mean[ch] = mu;
      invStd[ch] = 1 / Math.sqrt(v / count + eps);
    }
    const mu = mean[ch]!;
    const scale = invStd[ch]! * (gamma ? gamma[ch]! : 1);
    const shift = beta ? beta[ch]! : 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) y[o + i] = (x[o + i]! - mu) * scale + shift;
    }
  }
}

export function batchNormBackward(
  n: number,
  c: number,
  hw: number,
  x: Storage,
  dy: Storage,
  gamma: Storage | null,
  mean: Storage,
  invStd: Storage,
  dx: Storage,
  dgamma: Storage | null,
  dbeta: Storage | null,
): void {
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    const mu = mean[ch]!;
    const is = invStd[ch]!;
    let sdy = 0;
    let sdyx = 0;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        const d = dy[o + i]!;
        sdy += d;
        sdyx += d * (x[o + i]! - mu) * is;
      }
    }
    if (dgamma) dgamma[ch] = sdyx;
    if (dbeta) dbeta[ch] = sdy;
    // dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂))
    const k = (gamma ? gamma[ch]! : 1) * is;
    const mdy = sdy / count;
    const mdyx = sdyx / count;
    for (let b = 0; b < n; b++) {
      const o = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        dx[o + i] = k * (dy[o + i]! - mdy - (x[o + i]! - mu) * is * mdyx);
      }
    }
  }
}

/**
 * The gradient through max(v, slope·v) at `at`: dy where the output y > 0, slope·dy elsewhere
 * (exactly 0 for a ReLU); dy itself when there was no activation (y null).
 */
function activationGrad(y: Storage | null, slope: number, dy: Storage, at: number): number {
  if (y === null || y[at]! > 0) return dy[at]!;
  return slope === 0 ? 0 : slope * dy[at]!;
}

/** Backend.channelAffine: y = x·scale[i,ch] + shift[i,ch], then max(y, slope·y), in any channel block. */
export function channelAffine(
  n: number,
  c: number,
  hw: number,
  block: number,
  x: Storage,
  scale: Storage,
  shift: Storage,
  slope: number,
  y: Storage,
): void {
  const blocks = Math.ceil(c / block);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < blocks; k++) {
      for (let l = 0; l < block; l++) {
        const ch = k * block + l;
        const real = ch < c;
        const s = real ? scale[i * c + ch]! : 0;
        const t = real ? shift[i * c + ch]! : 0;
        for (let j = 0; j < hw; j++) {
          const at = ((i * blocks + k) * hw + j) * block + l;
          const v = x[at]! * s + t;
          // NOTE: written so that NaN propagates, as in the unary relu and leakyRelu
          y[at] = v < 0 ? (slope === 0 ? 0 : v * slope) : v;
        }
      }
    }
  }
}

/** Backend.channelAffineBackward (see there). */
export function channelAffineBackward(
  n: number,
  c: number,
  hw: number,
  block: number,
  x: Storage,
  scale: Storage,
  y: Storage | null,
  slope: number,
  dy: Storage,
  dx: Storage,
  dscale: Storage,
  dshift: Storage,
): void {
  const blocks = Math.ceil(c / block);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < blocks; k++) {
      for (let l = 0; l < block; l++) {
        const ch = k * block + l;
        const real = ch < c;
        const s = real ? scale[i * c + ch]! : 0;
        let gs = 0;
        let gt = 0;
        for (let j = 0; j < hw; j++) {
          const at = ((i * blocks + k) * hw + j) * block + l;
          const g = activationGrad(y, slope, dy, at);
          gs += g * x[at]!;
          gt += g;
          dx[at] = g * s;
        }
        if (real) {
          dscale[i * c + ch] = gs;
          dshift[i * c + ch] = gt;
        }
      }
    }
  }
}

/** Backend.batchNormAffine: batch statistics, then x̂·scale[i,ch] + shift[i,ch], then max(·, slope·(·)). */
export function batchNormAffine(
  n: number,
  c: number,
  hw: number,
  block: number,
  x: Storage,
  scale: Storage,
  shift: Storage,
  slope: number,
  eps: number,
  mean: Storage,
  invStd: Storage,
  y: Storage,
): void {
  const blocks = Math.ceil(c / block);
  const at = (i: number, ch: number, j: number) => ((i * blocks + Math.floor(ch / block)) * hw + j) * block + (ch % block);
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) s += x[at(i, ch, j)]!;
    const mu = s / count;
    let v = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < hw; j++) {
        const d = x[at(i, ch, j)]! - mu;
        v += d * d;
      }
    }
    mean[ch] = mu;
    invStd[ch] = 1 / Math.sqrt(v / count + eps);
  }
  // x̂ into y, then the affine (and activation) in place: channelAffine's rule, padding included
  y.fill(0);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) y[at(i, ch, j)] = (x[at(i, ch, j)]! - mean[ch]!) * invStd[ch]!;
  }
  channelAffine(n, c, hw, block, y, scale, shift, slope, y);
}

/** Backend.batchNormAffineBackward (see there). */
export function batchNormAffineBackward(
  n: number,
  c: number,
  hw: number,
  block: number,
  x: Storage,
  scale: Storage,
  y: Storage | null,
  slope: number,
  dy: Storage,
  mean: Storage,
  invStd: Storage,
  dx: Storage,
  dscale: Storage,
  dshift: Storage,
): void {
  const blocks = Math.ceil(c / block);
  const at = (i: number, ch: number, j: number) => ((i * blocks + Math.floor(ch / block)) * hw + j) * block + (ch % block);
  const count = n * hw;
  dx.fill(0);
  for (let ch = 0; ch < c; ch++) {
    const is = invStd[ch]!;
    const mu = mean[ch]!;
    const g = (i: number, j: number) => activationGrad(y, slope, dy, at(i, ch, j));
    // dx̂ = g·scale; Σ dx̂ and Σ dx̂·x̂ over the channel
    let sumDxh = 0;
    let sumDxhXh = 0;
    for (let i = 0; i < n; i++) {
      const s = scale[i * c + ch]!;
      let g1 = 0;
      let gxh = 0;
      for (let j = 0; j < hw; j++) {
        const v = g(i, j);
        g1 += v;
        gxh += v * (x[at(i, ch, j)]! - mu) * is;
      }
      dshift[i * c + ch] = g1;
      dscale[i * c + ch] = gxh;
      sumDxh += s * g1;
      sumDxhXh += s * gxh;
    }
    for (let i = 0; i < n; i++) {
      const s = scale[i * c + ch]!;
      for (let j = 0; j < hw; j++) {
        const xh = (x[at(i, ch, j)]! - mu) * is;
        dx[at(i, ch, j)] = is * (g(i, j) * s - sumDxh / count - (xh * sumDxhXh) / count);
      }
    }
  }
}
