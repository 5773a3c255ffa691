/**
 * A plain image value shared by the PNG, grid and text code: pixels as uint8 in CHW order
 * (channels, then rows, then columns), the same layout as one item of an NCHW batch.
 */

export interface Image {
  readonly data: Uint8Array; // channels × height × width bytes, CHW
  readonly channels: number; // 1 (grey), 3 (RGB) or 4 (RGBA)
  readonly height: number;
  readonly width: number;
}

/** Pixel values a model produces (float in [-1, 1]) or a data set stores (uint8). */
export type Pixels = Uint8Array | Float32Array | Float64Array;

/**
 * Maps floats in [-1, 1] to uint8 by round((x + 1) · 127.5), clamping outside values, so it
 * inverts the loader's x / 127.5 − 1 exactly. NaN maps to 0.
 */
export function floatToUint8(values: Float32Array | Float64Array, out = new Uint8Array(values.length)): Uint8Array {
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i]! + 1) * 127.5);
    out[i] = v > 255 ? 255 : v > 0 ? v : 0; // NOTE: written so that NaN (all comparisons false) gives 0
  }
  return out;
}

/**
 * Wraps CHW pixels as an Image; float input is taken to be in [-1, 1].
 *
 * @example const img = imageFromChw(batch.images.subarray(0, 3072), 3, 32, 32);
 */
export function imageFromChw(pixels: Pixels, channels: number, height: number, width: number): Image {
  if (pixels.length !== channels * height * width) {
    throw new Error(`imageFromChw: ${pixels.length} values do not make a ${channels}×${height}×${width} image`);
  }
  const data = pixels instanceof Uint8Array ? pixels : floatToUint8(pixels);
  return { data, channels, height, width };
}

/** Splits an NCHW batch (uint8 or float in [-1, 1]) into `n` images. */
export function imagesFromNchw(pixels: Pixels, n: number, channels: number, height: number, width: number): Image[] {
  const size = channels * height * width;
  if (pixels.length !== n * size) throw new Error(`imagesFromNchw: ${pixels.length} values are not ${n} images of ${size}`);
  const out: Image[] = [];
  for (let i = 0; i < n; i++) out.push(imageFromChw(pixels.subarray(i * size, (i + 1) * size), channels, height, width));
  return out;
}

/** Nearest-neighbour upscaling by an integer factor `k`: each pixel becomes a k×k block. */
export function upscale(image: Image, k: number): Image {
  if (!Number.isInteger(k) || k < 1) throw new Error(`upscale: factor must be a positive integer, got ${k}`);
  if (k === 1) return image;
  const { channels, height, width } = image;
  const w = width * k;
  const h = height * k;
  const data = new Uint8Array(channels * h * w);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const src = (c * height + Math.floor(y / k)) * width;
      const dst = (c * h + y) * w;
      for (let x = 0; x < w; x++) data[dst + x] = image.data[src + Math.floor(x / k)]!;
    }
  }
  return { data, channels, height: h, width: w };
}

/** A blank image filled with one colour (one value per channel). */
export function filled(channels: number, height: number, width: number, color: readonly number[]): Image {
  const data = new Uint8Array(channels * height * width);
  for (let c = 0; c < channels; c++) data.fill(color[c] ?? color[0] ?? 0, c * height * width, (c + 1) * height * width);
  return { data, channels, height, width };
}

/** Copies `src` into `dst` with its top-left corner at (x, y), clipping at dst's edges. */
export function paste(dst: Image, src: Image, x: number, y: number): void {
  if (src.channels !== dst.channels) throw new Error(`paste: ${src.channels} channels into ${dst.channels}`);
  for (let c = 0; c < src.channels; c++) {
    for (let sy = 0; sy < src.height; sy++) {
      const dy = y + sy;
      if (dy < 0 || dy >= dst.height) continue;
      for (let sx = 0; sx < src.width; sx++) {
        const dx = x + sx;
        if (dx < 0 || dx >= dst.width) continue;
        dst.data[(c * dst.height + dy) * dst.width + dx] = src.data[(c * src.height + sy) * src.width + sx]!;
      }
    }
  }
}

/**
 * Index `i` (at most size − 1 outside [0, size)) reflected into [0, size) the way numpy's
 * 'reflect' padding does (the edge is not repeated): −1 → 1, size → size − 2. The classifier's
 * training crops and the guided strategy's shifted views both pad this way.
 */
export function reflectIndex(i: number, size: number): number {
  return i < 0 ? -i : i >= size ? 2 * size - 2 - i : i;
}
