/**
 * Pooling and nearest-upsampling kernels of the `js` backend. They are each other's backward:
 * the adjoint of a k×k window sum is a k× nearest upsampling, and vice versa.
 */
import type { Storage } from '../backend.js';

function pool2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage, scale: number): void {
  const ho = Math.floor(h / k);
  const wo = Math.floor(w / k);
  for (let p = 0; p < nc; p++) {
    const xOff = p * h * w;
    const yOff = p * ho * wo;
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        let s = 0;
        for (let dy = 0; dy < k; dy++) {
          const r = xOff + (oy * k + dy) * w + ox * k;
          for (let dx = 0; dx < k; dx++) s += x[r + dx]!;
        }
        y[yOff + oy * wo + ox] = s * scale;
      }
    }
  }
}

function upsample2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage, scale: number): void {
  const wo = w * k;
  for (let p = 0; p < nc; p++) {
    const xOff = p * h * w;
    const yOff = p * h * k * wo;
    for (let iy = 0; iy < h; iy++) {
      const firstRow = yOff + iy * k * wo;
      for (let ix = 0; ix < w; ix++) {
        const v = x[xOff + iy * w + ix]! * scale;
        for (let dx = 0; dx < k; dx++) y[firstRow + ix * k + dx] = v;
      }
      // The other k−1 output rows repeat the first one.
      for (let dy = 1; dy < k; dy++) y.copyWithin(firstRow + dy * wo, firstRow, firstRow + wo);
    }
  }
}

export const poolKernels = { pool2d, upsample2d };
