/**
 * Pooling and nearest-upsampling kernels of the `js` backend. Window sums and nearest upsampling
 * are each other's backward (the adjoint of a k×k window sum is a k× nearest upsampling, and vice
 * versa); max pooling routes its gradient to the first maximum of each window.
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

function maxPool2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage): void {
  const ho = h / k;
  const wo = w / k;
  for (let p = 0; p < nc; p++) {
    const xOff = p * h * w;
    const yOff = p * ho * wo;
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        let m = -Infinity;
        for (let dy = 0; dy < k; dy++) {
          const r = xOff + (oy * k + dy) * w + ox * k;
          for (let dx = 0; dx < k; dx++) if (x[r + dx]! > m || x[r + dx] !== x[r + dx]) m = x[r + dx]!;
        }
        y[yOff + oy * wo + ox] = m;
      }
    }
  }
}

function maxPool2dBackward(
  nc: number, h: number, w: number, k: number, x: Storage, y: Storage, dy: Storage, dx: Storage,
): void {
  const ho = h / k;
  const wo = w / k;
  dx.fill(0, 0, nc * h * w);
  for (let p = 0; p < nc; p++) {
    const xOff = p * h * w;
    const yOff = p * ho * wo;
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        const m = y[yOff + oy * wo + ox]!;
        let done = false;
        for (let a = 0; a < k && !done; a++) {
          const r = xOff + (oy * k + a) * w + ox * k;
          for (let b = 0; b < k; b++) {
            if (x[r + b] === m) {
              dx[r + b] = dy[yOff + oy * wo + ox]!;
              done = true;
              break;
            }
          }
        }
      }
    }
  }
}

export const poolKernels = { pool2d, upsample2d, maxPool2d, maxPool2dBackward };
