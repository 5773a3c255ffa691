/**
 * Small whole-module helpers the training loop needs: gradient norms and switching gradients off.
 */
import type { Module } from '../nn/index.js';

/** √(Σ g²) over every parameter gradient of `module` (0 where a gradient is missing). */
export function gradNorm(module: Module): number {
  let acc = 0;
  for (const p of module.parameters()) {
    const g = p.grad?.data;
    if (g === undefined) continue;
    for (let i = 0; i < g.length; i++) acc += g[i]! * g[i]!;
  }
  return Math.sqrt(acc);
}

/** Turns gradient tracking of all of `module`'s parameters on or off. */
export function setRequiresGrad(module: Module, on: boolean): void {
  for (const p of module.parameters()) p.requiresGrad = on;
}
