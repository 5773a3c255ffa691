/**
 * Pooling and nearest-upsampling kernels of the `js` backend. Window sums and nearest upsampling
 * are each other's backward (the adjoint of a k×k window sum is a k× nearest upsampling, and vice
 * versa); max pooling routes its gradient to the first maximum of each window. k = 2 has
 * unrolled loops (the size every model uses); the general loops define the semantics.
 */
import type { Storage } from '../backend.js';

/** k = 2, the common case, unrolled (about 3× the general loop). */
function pool2x2(nc: number, h: number, w: number, x: Storage, y: Storage, scale: number): void {
  const ho = h >> 1;
  const wo = w >> 1;
  let yi = 0;
  for (let p = 0; p < nc; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < ho; oy++) {
      const r0 = base + 2 * oy * w;
      const r1 = r0 + w;
      for (let ox = 0; ox < wo; ox++, yi++) {
        const c = 2 * ox;
        y[yi] = (x[r0 + c]! + x[r0 + c + 1]! + x[r1 + c]! + x[r1 + c + 1]!) * scale;
      }
    }
  }
}

function pool2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage, scale: number): void {
  if (k === 2 && h % 2 === 0 && w % 2 === 0) {
    pool2x2(nc, h, w, x, y, scale);
    return;
  }
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

/** k = 2, the common case, unrolled (about 2.5× the general loop). */
function upsample2x(nc: number, h: number, w: number, x: Storage, y: Storage, scale: number): void {
  const wo = 2 * w;
  let xi = 0;
  for (let p = 0; p < nc; p++) {
    let r0 = p * 4 * h * w;
    for (let iy = 0; iy < h; iy++, r0 += 2 * wo) {
      const r1 = r0 + wo;
      for (let ix = 0; ix < w; ix++, xi++) {
        const v = x[xi]! * scale;
        const o = 2 * ix;
        y[r0 + o] = v;
        y[r0 + o + 1] = v;
        y[r1 + o] = v;
        y[r1 + o + 1] = v;
      }
    }
  }
}

function upsample2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage, scale: number): void {
  if (k === 2) {
    upsample2x(nc, h, w, x, y, scale);
    return;
  }
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

/** k = 2 (ResNet-9's pooling) unrolled; a NaN anywhere in the window wins, as in the general loop. */
function maxPool2x2(nc: number, h: number, w: number, x: Storage, y: Storage): void {
  const ho = h >> 1;
  const wo = w >> 1;
  let yi = 0;
  for (let p = 0; p < nc; p++) {
    for (let oy = 0; oy < ho; oy++) {
      const r0 = p * h * w + 2 * oy * w;
      const r1 = r0 + w;
      for (let ox = 0; ox < wo; ox++, yi++) {
        const c = 2 * ox;
        let m = x[r0 + c]!;
        const b = x[r0 + c + 1]!;
        const d = x[r1 + c]!;
        const e = x[r1 + c + 1]!;
        if (b > m || b !== b) m = b;
        if (d > m || d !== d) m = d;
        if (e > m || e !== e) m = e;
        y[yi] = m;
      }
    }
  }
}

/** k = 2: the first of the four (row-major) equal to the window's maximum gets the gradient. */
function maxPool2x2Backward(nc: number, h: number, w: number, x: Storage, y: Storage, dy: Storage, dx: Storage): void {
  const ho = h >> 1;
  const wo = w >> 1;
  dx.fill(0, 0, nc * h * w);
  let yi = 0;
  for (let p = 0; p < nc; p++) {
    for (let oy = 0; oy < ho; oy++) {
      const r0 = p * h * w + 2 * oy * w;
      const r1 = r0 + w;
      for (let ox = 0; ox < wo; ox++, yi++) {
        const c = 2 * ox;
        const m = y[yi]!;
        const j =
          x[r0 + c] === m ? r0 + c : x[r0 + c + 1] === m ? r0 + c + 1 : x[r1 + c] === m ? r1 + c : x[r1 + c + 1] === m ? r1 + c + 1 : -1;
        if (j >= 0) dx[j] = dy[yi]!;
      }
    }
  }
}

function maxPool2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage): void {
  if (k === 2) {
    maxPool2x2(nc, h, w, x, y);
    return;
  }
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

function maxPool2dBackward(nc: number, h: number, w: number, k: number, x: Storage, y: Storage, dy: Storage, dx: Storage): void {
  if (k === 2) {
    maxPool2x2Backward(nc, h, w, x, y, dy, dx);
    return;
  }
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
