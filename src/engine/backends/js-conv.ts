/**
 * The `js` backend's convolutions: im2col + gemm per image (Chellapilla et al. 2006, "High
 * Performance Convolutional Neural Networks for Document Processing"), and the adjoint col2im for
 * the data gradient. Scratch arrays follow the element type of the inputs.
 */
import type { Conv2dGeometry, Storage } from '../backend.js';
import { gemm } from './js-gemm.js';

/** A scratch array of the same element type as `like`. */
function scratch(like: Storage, size: number): Storage {
  return like instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
}

/** Unfolds one image x[cIn,hIn,wIn] into col[cIn·kH·kW, hOut·wOut] (zero outside the image). */
function im2col(g: Conv2dGeometry, x: Storage, xOff: number, col: Storage): void {
  const { cIn, hIn, wIn, kH, kW, strideH, strideW, padH, padW, hOut, wOut } = g;
  let r = 0;
  for (let ci = 0; ci < cIn; ci++) {
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, r++) {
        const rowOff = r * hOut * wOut;
        for (let oy = 0; oy < hOut; oy++) {
          const iy = oy * strideH - padH + ky;
          const o = rowOff + oy * wOut;
          if (iy < 0 || iy >= hIn) {
            col.fill(0, o, o + wOut);
            continue;
          }
          const xRow = xOff + (ci * hIn + iy) * wIn;
          for (let ox = 0; ox < wOut; ox++) {
            const ix = ox * strideW - padW + kx;
            col[o + ox] = ix >= 0 && ix < wIn ? x[xRow + ix]! : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds col[cIn·kH·kW, hOut·wOut] back into the image dx[cIn,hIn,wIn]. */
function col2im(g: Conv2dGeometry, col: Storage, dx: Storage, dxOff: number): void {
  const { cIn, hIn, wIn, kH, kW, strideH, strideW, padH, padW, hOut, wOut } = g;
  let r = 0;
  for (let ci = 0; ci < cIn; ci++) {
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, r++) {
        const rowOff = r * hOut * wOut;
        for (let oy = 0; oy < hOut; oy++) {
          const iy = oy * strideH - padH + ky;
          if (iy < 0 || iy >= hIn) continue;
          const o = rowOff + oy * wOut;
          const xRow = dxOff + (ci * hIn + iy) * wIn;
          for (let ox = 0; ox < wOut; ox++) {
            const ix = ox * strideW - padW + kx;
            if (ix >= 0 && ix < wIn) dx[xRow + ix]! += col[o + ox]!;
          }
        }
      }
    }
  }
}

export function conv2d(g: Conv2dGeometry, x: Storage, w: Storage, bias: Storage | null, y: Storage): void {
  const kk = g.cIn * g.kH * g.kW;
  const hw = g.hOut * g.wOut;
  const col = scratch(x, kk * hw);
  for (let b = 0; b < g.n; b++) {
    im2col(g, x, b * g.cIn * g.hIn * g.wIn, col);
    const yb = y.subarray(b * g.cOut * hw, (b + 1) * g.cOut * hw);
    gemm(false, false, g.cOut, hw, kk, w, col, yb, false);
    if (bias) {
      for (let co = 0; co < g.cOut; co++) {
        const bv = bias[co]!;
        for (let i = co * hw; i < (co + 1) * hw; i++) yb[i]! += bv;
      }
    }
  }
}

export function conv2dBackwardData(g: Conv2dGeometry, dy: Storage, w: Storage, dx: Storage): void {
  const kk = g.cIn * g.kH * g.kW;
  const hw = g.hOut * g.wOut;
  const imgSize = g.cIn * g.hIn * g.wIn;
  const col = scratch(dy, kk * hw);
  dx.fill(0, 0, g.n * imgSize);
  for (let b = 0; b < g.n; b++) {
    const dyb = dy.subarray(b * g.cOut * hw, (b + 1) * g.cOut * hw);
    gemm(true, false, kk, hw, g.cOut, w, dyb, col, false);
    col2im(g, col, dx, b * imgSize);
  }
}

export function conv2dBackwardWeights(g: Conv2dGeometry, x: Storage, dy: Storage, dw: Storage, dbias: Storage | null): void {
  const kk = g.cIn * g.kH * g.kW;
  const hw = g.hOut * g.wOut;
  const col = scratch(x, kk * hw);
  dw.fill(0, 0, g.cOut * kk);
  if (dbias) dbias.fill(0, 0, g.cOut);
  for (let b = 0; b < g.n; b++) {
    im2col(g, x, b * g.cIn * g.hIn * g.wIn, col);
    const dyb = dy.subarray(b * g.cOut * hw, (b + 1) * g.cOut * hw);
    gemm(false, true, g.cOut, kk, hw, dyb, col, dw, true);
    if (dbias) {
      for (let co = 0; co < g.cOut; co++) {
        let s = 0;
        for (let i = co * hw; i < (co + 1) * hw; i++) s += dyb[i]!;
        dbias[co]! += s;
      }
    }
  }
}
