/**
 * 2×2 max pooling with stride 2 (ResNet-9's downsampling, Page 2018), with its backward beside it.
 *
 * NOTE: the engine has no max-pool op; `max(reshape(x, [n, c, h/2, 2, w/2, 2]), [3, 5])` computes
 * the same thing from existing ops but runs a general 6-D reduction, measured 1.2–1.5× slower than
 * this direct loop side by side (forward + backward, [256,32,32,32]). It uses the engine's
 * internal `recordOp`/`empty` (the same hooks every engine op uses); the gradient goes to the first
 * maximum of each window (PyTorch's rule), and test/classifier.test.ts checks it against the
 * reshape+max form.
 */
import { recordOp } from '../../engine/autograd.js';
import { empty, shapeStr, type Tensor } from '../../engine/tensor.js';

export function maxPool2x2(x: Tensor): Tensor {
  if (x.ndim !== 4 || x.shape[2]! % 2 !== 0 || x.shape[3]! % 2 !== 0) {
    throw new Error(`maxPool2x2: expects NCHW input with even H and W, got ${shapeStr(x.shape)}`);
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const ho = h / 2;
  const wo = w / 2;
  const planes = n * c;
  const y = empty([n, c, ho, wo], x.dtype);
  // argmax offset (0..3) of each output, for the backward pass
  const arg = new Uint8Array(planes * ho * wo);
  const xd = x.data;
  const yd = y.data;
  for (let p = 0; p < planes; p++) {
    const xb = p * h * w;
    const yb = p * ho * wo;
    for (let i = 0; i < ho; i++) {
      const r0 = xb + 2 * i * w;
      const r1 = r0 + w;
      for (let j = 0; j < wo; j++) {
        const a = xd[r0 + 2 * j]!;
        const b = xd[r0 + 2 * j + 1]!;
        const cc = xd[r1 + 2 * j]!;
        const d = xd[r1 + 2 * j + 1]!;
        let m = a;
        let k = 0;
        if (b > m) (m = b), (k = 1);
        if (cc > m) (m = cc), (k = 2);
        if (d > m) (m = d), (k = 3);
        yd[yb + i * wo + j] = m;
        arg[yb + i * wo + j] = k;
      }
    }
  }
  return recordOp(y, 'maxPool2x2', [x], (dy) => {
    const dx = empty(x.shape, x.dtype);
    const dxd = dx.data;
    dxd.fill(0);
    const dyd = dy.data;
    for (let p = 0; p < planes; p++) {
      const xb = p * h * w;
      const yb = p * ho * wo;
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          const o = yb + i * wo + j;
          const k = arg[o]!;
          dxd[xb + (2 * i + (k >> 1)) * w + 2 * j + (k & 1)] = dyd[o]!;
        }
      }
    }
    return [dx];
  });
}
