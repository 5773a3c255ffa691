/**
 * Losses. Each returns a scalar (the mean over the batch).
 */
import { recordOp } from '../autograd.js';
import { empty, emptyLike, sameShape, shapeStr, type Tensor } from '../tensor.js';
import { add, mul, neg, relu, sub } from './elementwise.js';
import { logSoftmax, mean } from './reduce.js';
import { checkDtypes } from './util.js';

/** −mean_i logp[i, labels[i]] for log-probabilities logp [N, C]. */
export function nllLoss(logp: Tensor, labels: Int32Array): Tensor {
  const [n, c] = logp.shape as [number, number];
  if (logp.ndim !== 2 || labels.length !== n) {
    throw new Error(`nllLoss: log-probabilities ${shapeStr(logp.shape)} and ${labels.length} labels do not match`);
  }
  let s = 0;
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l < 0 || l >= c) throw new Error(`nllLoss: label ${l} at index ${i} is outside [0, ${c})`);
    s -= logp.data[i * c + l]!;
  }
  const y = empty([], logp.dtype);
  y.data[0] = s / n;
  return recordOp(y, 'nllLoss', [logp], (dy) => {
    const dx = emptyLike(logp);
    dx.data.fill(0);
    const g = -dy.data[0]! / n;
    for (let i = 0; i < n; i++) dx.data[i * c + labels[i]!] = g;
    return [dx];
  });
}

/**
 * Softmax cross-entropy of logits [N, C] against integer class labels.
 * @example crossEntropy(classifier.forward(x), labels)
 */
export function crossEntropy(logits: Tensor, labels: Int32Array): Tensor {
  return nllLoss(logSoftmax(logits, 1), labels);
}

/**
 * Binary cross-entropy on logits, mean over all elements, against targets in [0, 1] (a tensor of
 * the same shape or one number).
 * NOTE: computed as max(x,0) − x·t + log(1 + e^(−|x|)), which neither overflows nor loses the
 * gradient for large |x|; its gradient is (σ(x) − t)/N.
 */
export function bceWithLogits(logits: Tensor, targets: Tensor | number): Tensor {
  if (typeof targets !== 'number') {
    checkDtypes('bceWithLogits', logits, targets);
    if (!sameShape(logits.shape, targets.shape)) {
      throw new Error(`bceWithLogits: logits ${shapeStr(logits.shape)} and targets ${shapeStr(targets.shape)} differ`);
    }
  }
  const n = logits.size;
  const x = logits.data;
  const t = typeof targets === 'number' ? null : targets.data;
  const tv = typeof targets === 'number' ? targets : 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    s += Math.max(v, 0) - v * (t ? t[i]! : tv) + Math.log1p(Math.exp(-Math.abs(v)));
  }
  const y = empty([], logits.dtype);
  y.data[0] = s / n;
  const inputs = typeof targets === 'number' ? [logits] : [logits, targets];
  return recordOp(y, 'bceWithLogits', inputs, (dy, needs) => {
    const g = dy.data[0]! / n;
    let dx: Tensor | null = null;
    let dt: Tensor | null = null;
    if (needs[0]) {
      dx = emptyLike(logits);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const sig = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
        dx.data[i] = g * (sig - (t ? t[i]! : tv));
      }
    }
    if (needs[1]) {
      dt = emptyLike(logits);
      for (let i = 0; i < n; i++) dt.data[i] = -g * x[i]!;
    }
    return [dx, dt];
  });
}

/** mean((a − b)²). */
export function mseLoss(a: Tensor, b: Tensor): Tensor {
  if (!sameShape(a.shape, b.shape)) throw new Error(`mseLoss: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} differ`);
  const d = sub(a, b);
  return mean(mul(d, d));
}

/**
 * Hinge loss for the discriminator (Lim & Ye 2017, "Geometric GAN"; used by SAGAN/BigGAN):
 * mean(relu(1 − D(real))) + mean(relu(1 + D(fake))).
 */
export function hingeLossD(realLogits: Tensor, fakeLogits: Tensor): Tensor {
  return add(mean(relu(sub(1, realLogits))), mean(relu(add(fakeLogits, 1))));
}

/** Hinge loss for the generator: −mean(D(fake)). */
export function hingeLossG(fakeLogits: Tensor): Tensor {
  return neg(mean(fakeLogits));
}
