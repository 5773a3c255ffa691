// The class-conditional diffusion U-Net, its config and named sizes.
export { UNet, UNetBlock } from './unet.js';
export { ResBlock, SelfAttention, noiseEmbedding } from './blocks.js';
export { validateUNetConfig, levelResolutions, type UNetConfig } from './config.js';
export { UNET_TINY, UNET_CPU, UNET_GPU } from './presets.js';
