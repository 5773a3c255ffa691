// Every op, by family.
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './pool.js';
export * from './matmul.js';
export * from './conv.js';
export * from './norm.js';
export * from './loss.js';
export * from './misc.js';
export type { Operand, FusedActivation } from './util.js';
