// The CIFAR-10 classifier that evaluation uses as its judge. Re-exports only.
export * from './config.js';
export * from './resnet9.js';
export * from './checkpoint.js';
