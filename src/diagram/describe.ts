/**
 * Short names for layers and shapes as a diagram prints them: "conv3×3/2 64→128", "[N, 96, 8, 8]".
 * Read from the layer objects themselves (kernel size, channels, spectral norm), so a changed model
 * changes its picture.
 */
import { ConditionalBatchNorm2d } from '../models/cgan/index.js';
import { BatchNorm2d, Conv2d, ConvTranspose2d, Embedding, GroupNorm, LayerNorm, Linear, type Module } from '../nn/index.js';

/** "[N, 96, 8, 8]": the batch dimension (the first, equal to the dummy batch) printed as N. */
export function formatShape(shape: readonly number[], batch: number): string {
  return `[${shape.map((d, i) => (i === 0 && d === batch ? 'N' : String(d))).join(', ')}]`;
}

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** 1234567 → "1.23 M", 23456 → "23.5 k": for tight spaces. */
export function formatCountShort(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** Whether spectralNorm() was applied (it leaves the raw weight as `weightOrig`). */
function isSpectral(m: Module): boolean {
  return 'weightOrig' in m;
}

/**
 * One short phrase per layer type; composite modules are named by their class.
 * @example describeLayer(new Conv2d(64, 128, 3, { stride: 2, padding: 1, rng })) // "conv3×3/2 64→128"
 */
export function describeLayer(m: Module): string {
  const sn = isSpectral(m) ? 'SN-' : '';
  if (m instanceof Conv2d) {
    const stride = m.stride > 1 ? `/${m.stride}` : '';
    const pool = m.downsample ? ' → avgpool' : '';
    return `${m.upsample ? 'up2× → ' : ''}${sn}conv${m.kernelSize}×${m.kernelSize}${stride} ${m.inChannels}→${m.outChannels}${pool}`;
  }
  if (m instanceof ConvTranspose2d) {
    return `${sn}convT${m.kernelSize}×${m.kernelSize}/${m.stride} ${m.inChannels}→${m.outChannels}`;
  }
  if (m instanceof Linear) return `${sn}linear ${m.inFeatures}→${m.outFeatures}`;
  if (m instanceof Embedding) return `${sn}embedding ${m.num}×${m.dim}`;
  if (m instanceof ConditionalBatchNorm2d) return `CBN ${m.channels}${m.relu ? ' → relu' : ''}`;
  if (m instanceof BatchNorm2d) return `BN ${m.numFeatures}`;
  if (m instanceof GroupNorm) return `GN(${m.numGroups}, ${m.numChannels})`;
  if (m instanceof LayerNorm) return 'LN';
  return m.constructor.name;
}

/** The class name shown as a block's title ("GBlock", "Conv2d"). */
export function typeName(m: Module): string {
  return m.constructor.name;
}

/** Whether a module has no parameters of its own or below it (activations, flatten). */
export function isParameterFree(m: Module): boolean {
  return m.numParameters() === 0;
}
