/**
 * Small whole-module helpers the training loop needs: gradient norms and switching gradients off.
 */
import { getBackend } from '../engine/index.js';
import type { Module } from '../nn/index.js';

/** √(Σ g²) over every parameter gradient of `module` (0 where a gradient is missing). */
export function gradNorm(module: Module): number {
  const be = getBackend();
  let acc = 0;
  for (const p of module.parameters()) {
    const g = p.grad?.data;
    if (g === undefined) continue;
    // Σ g² as the 1×1 product gᵀg: one kernel call per parameter instead of a JavaScript loop
    const out = g instanceof Float32Array ? new Float32Array(1) : new Float64Array(1);
    be.gemm(false, true, 1, 1, g.length, g, g, out, false);
    acc += out[0]!;
  }
  return Math.sqrt(acc);
}

/** Turns gradient tracking of all of `module`'s parameters on or off. */
export function setRequiresGrad(module: Module, on: boolean): void {
  for (const p of module.parameters()) p.requiresGrad = on;
}
