/**
 * Kernels of the `js` backend that work along one axis of x viewed as [outer, axis, inner]:
 * softmax / log-softmax and the backward of max.
 */
import type { Storage } from '../backend.js';

function softmax(log: boolean, x: Storage, outer: number, axis: number, inner: number, y: Storage): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axis * inner + i;
      // NOTE: subtract the max before exponentiating so large logits cannot overflow.
      let mx = -Infinity;
      for (let a = 0; a < axis; a++) mx = Math.max(mx, x[base + a * inner]!);
      let s = 0;
      for (let a = 0; a < axis; a++) s += Math.exp(x[base + a * inner]! - mx);
      if (log) {
        const lse = mx + Math.log(s);
        for (let a = 0; a < axis; a++) y[base + a * inner] = x[base + a * inner]! - lse;
      } else {
        for (let a = 0; a < axis; a++) y[base + a * inner] = Math.exp(x[base + a * inner]! - mx) / s;
      }
    }
  }
}

function softmaxBackward(log: boolean, y: Storage, dy: Storage, outer: number, axis: number, inner: number, dx: Storage): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axis * inner + i;
      if (log) {
        // y = x − lse(x): dx = dy − softmax(x)·Σdy
        let s = 0;
        for (let a = 0; a < axis; a++) s += dy[base + a * inner]!;
        for (let a = 0; a < axis; a++) {
          const j = base + a * inner;
          dx[j] = dy[j]! - Math.exp(y[j]!) * s;
        }
      } else {
        // dx = y·(dy − Σ y·dy)
        let s = 0;
        for (let a = 0; a < axis; a++) s += y[base + a * inner]! * dy[base + a * inner]!;
        for (let a = 0; a < axis; a++) {
          const j = base + a * inner;
          dx[j] = y[j]! * (dy[j]! - s);
        }
      }
    }
  }
}

function reduceMaxBackward(x: Storage, y: Storage, dy: Storage, outer: number, axis: number, inner: number, dx: Storage): void {
  dx.fill(0, 0, outer * axis * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axis * inner + i;
      const m = y[o * inner + i]!;
      for (let a = 0; a < axis; a++) {
        if (x[base + a * inner] === m) {
          dx[base + a * inner] = dy[o * inner + i]!;
          break;
        }
      }
    }
  }
}

export const axisKernels = { softmax, softmaxBackward, reduceMaxBackward };
