// CIFAR-10: the binary format, the loader, batching, where the data lives and how to fetch it. Re-exports only.
export * from './cifar10Format.js';
export * from './cifar10.js';
export * from './dataLoader.js';
export * from './dataDir.js';
export * from './fetch.js';
export * from './rng.js';
