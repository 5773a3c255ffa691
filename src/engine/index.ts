// The engine's public API: tensors, autograd, memory scopes, random numbers, backends and ops.
export type { Backend, BinaryOp, Conv2dGeometry, DType, Storage, UnaryOp } from './backend.js';
export { Tensor, type Shape, shapeSize, shapeStr, sameShape } from './tensor.js';
export * from './creation.js';
export { Rng, type RngState } from './rng.js';
export { noGrad, isGradEnabled } from './autograd.js';
export { tidy, keep, memoryStats, clearPool } from './memory.js';
export { getBackend, setBackend, useBackend, initBackend, backendByName, nativeBackendStatus, type BackendName } from './backends/index.js';
export * from './ops/index.js';
