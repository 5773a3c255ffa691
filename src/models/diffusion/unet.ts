/**
 * The class-conditional U-Net F(x; c_noise, class) that EDM's preconditioning wraps into a
 * denoiser (see src/diffusion/edm.ts).
 *
 * Layout of DDPM's U-Net (Ho et al. 2020, "Denoising Diffusion Probabilistic Models", appendix B;
 * after PixelCNN++ and Ronneberger et al. 2015): an encoder of residual blocks with a strided-conv
 * downsampling between resolutions, a middle of block–attention–block, and a decoder with one more
 * block per level, each fed the matching encoder activation by concatenation. Conditioning after
 * Dhariwal & Nichol 2021 (adaptive group norm; a class embedding added to the noise embedding) with
 * one extra learned class row, the "no class" token ∅ = numClasses, that classifier-free guidance
 * needs (Ho & Salimans 2022, "Classifier-Free Diffusion Guidance").
 *
 * @example
 *   const net = new UNet({ ...UNET_CPU, numClasses: 4 }, new Rng(0));
 *   const f = net.forward(xIn, cNoise, labels); // [N, 3, 32, 32] → [N, 3, 32, 32]
 */
import { add, concat, silu, type Rng, type Tensor } from '../../engine/index.js';
import { Conv2d, Embedding, GroupNorm, Linear, Module } from '../../nn/index.js';
import { noiseEmbedding, ResBlock, SelfAttention, zeroInit } from './blocks.js';
import { levelResolutions, validateUNetConfig, type UNetConfig } from './config.js';

/** A residual block, followed by self-attention at the configured resolutions. */
export class UNetBlock extends Module {
  readonly res: ResBlock;
  readonly attn: SelfAttention | null;

  constructor(cIn: number, cOut: number, embDim: number, withAttention: boolean, c: UNetConfig, rng: Rng) {
    super();
    this.res = new ResBlock(cIn, cOut, embDim, c.groups, c.dropout, rng);
    this.attn = withAttention ? new SelfAttention(cOut, c.groups, rng) : null;
  }

  forward(x: Tensor, emb: Tensor, rng?: Rng): Tensor {
    const h = this.res.forward(x, emb, rng);
    return this.attn === null ? h : this.attn.forward(h);
  }
}

export class UNet extends Module {
  readonly mapNoise1: Linear;
  readonly mapNoise2: Linear;
  readonly classEmbedding: Embedding;
  readonly convIn: Conv2d;
  readonly encoder: UNetBlock[] = [];
  readonly downsample: Conv2d[] = [];
  readonly mid1: UNetBlock;
  readonly mid2: UNetBlock;
  readonly decoder: UNetBlock[] = [];
  readonly upsample: Conv2d[] = [];
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;
  /** Width of the noise-and-class embedding (4·C, as DDPM). */
  readonly embDim: number;
  /** Index of the learned "no class" token. */
  readonly nullClass: number;

  constructor(
    readonly config: UNetConfig,
    rng: Rng,
  ) {
    super();
    validateUNetConfig(config);
    const c = config;
    const res = levelResolutions(c);
    const width = (l: number) => c.channels * c.channelMult[l]!;
    this.embDim = 4 * c.channels;
    this.nullClass = c.numClasses;
    this.mapNoise1 = new Linear(c.channels, this.embDim, { rng });
    this.mapNoise2 = new Linear(this.embDim, this.embDim, { rng });
    this.classEmbedding = new Embedding(c.numClasses + 1, this.embDim, { rng });

    this.convIn = new Conv2d(c.inChannels, c.channels, 3, { padding: 1, rng });
    const skips = [c.channels];
    let ch = c.channels;
    res.forEach((r, l) => {
      for (let b = 0; b < c.numResBlocks; b++) {
        this.encoder.push(new UNetBlock(ch, width(l), this.embDim, c.attentionResolutions.includes(r), c, rng));
        ch = width(l);
        skips.push(ch);
      }
      if (l < res.length - 1) {
        this.downsample.push(new Conv2d(ch, ch, 3, { stride: 2, padding: 1, rng }));
        skips.push(ch);
      }
    });
    this.mid1 = new UNetBlock(ch, ch, this.embDim, true, c, rng);
    this.mid2 = new UNetBlock(ch, ch, this.embDim, false, c, rng);
    for (let l = res.length - 1; l >= 0; l--) {
      for (let b = 0; b <= c.numResBlocks; b++) {
        const skip = skips.pop()!;
        this.decoder.push(new UNetBlock(ch + skip, width(l), this.embDim, c.attentionResolutions.includes(res[l]!), c, rng));
        ch = width(l);
      }
      // nearest 2× upsampling then this conv, as one transposed convolution (Conv2d `upsample`)
      if (l > 0) this.upsample.push(new Conv2d(ch, ch, 3, { padding: 1, upsample: true, rng }));
    }
    this.normOut = new GroupNorm(c.groups, ch);
    this.convOut = new Conv2d(ch, c.inChannels, 3, { padding: 1, rng });
    zeroInit(this.convOut); // DDPM: the network starts by predicting zero
  }

  /**
   * xIn [N, C, H, W] (already scaled by c_in), one c_noise and one class label per image (label
   * numClasses = no class) → F [N, C, H, W]. `rng` drives dropout in training mode.
   */
  forward(xIn: Tensor, cNoise: Float32Array, labels: Int32Array, rng?: Rng): Tensor {
    const c = this.config;
    const levels = c.channelMult.length;
    let emb = this.mapNoise2.forward(silu(this.mapNoise1.forward(noiseEmbedding(cNoise, c.channels))));
    emb = silu(add(emb, this.classEmbedding.forward(labels)));

    let h = this.convIn.forward(xIn);
    const skips: Tensor[] = [h];
    let e = 0;
    for (let l = 0; l < levels; l++) {
      for (let b = 0; b < c.numResBlocks; b++) {
        h = this.encoder[e++]!.forward(h, emb, rng);
        skips.push(h);
      }
      if (l < levels - 1) {
        h = this.downsample[l]!.forward(h);
        skips.push(h);
      }
    }
    h = this.mid2.forward(this.mid1.forward(h, emb, rng), emb, rng);
    let d = 0;
    for (let l = levels - 1; l >= 0; l--) {
      for (let b = 0; b <= c.numResBlocks; b++) {
        h = this.decoder[d++]!.forward(concat([h, skips.pop()!], 1), emb, rng);
      }
      if (l > 0) h = this.upsample[levels - 1 - l]!.forward(h);
    }
    return this.convOut.forward(silu(this.normOut.forward(h)));
  }
}
