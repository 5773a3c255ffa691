/**
 * PNG files from and to CHW images, with pngjs (pure JavaScript, no native code).
 * PNG stores pixels interleaved (RGBA RGBA …); we convert to and from planar CHW here.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomicWrite.js';
import { assertOutFile, PNG_OUTPUT } from '../outPath.js';
import { PNG } from 'pngjs';
import type { Image } from './image.js';

// PNG colour types (PNG spec, section 11.2.2 IHDR).
const GREY = 0;
const RGB = 2;
const RGBA = 6;

/**
 * Encodes a 1-, 3- or 4-channel CHW image as PNG bytes (grey, RGB or RGBA).
 *
 * @example writeFileSync('x.png', encodePng(imageFromChw(pixels, 3, 32, 32)));
 */
export function encodePng(image: Image): Buffer {
  const { data, channels, height, width } = image;
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new Error(`encodePng: ${channels} channels (need 1, 3 or 4)`);
  const plane = height * width;
  const png = new PNG({ width, height });
  // pngjs always takes RGBA input and converts it to the output colour type.
  for (let i = 0; i < plane; i++) {
    const o = i * 4;
    if (channels === 1) {
      const v = data[i]!;
      png.data[o] = v;
      png.data[o + 1] = v;
      png.data[o + 2] = v;
    } else {
      png.data[o] = data[i]!;
      png.data[o + 1] = data[plane + i]!;
      png.data[o + 2] = data[2 * plane + i]!;
    }
    png.data[o + 3] = channels === 4 ? data[3 * plane + i]! : 255;
  }
  const colorType = channels === 1 ? GREY : channels === 3 ? RGB : RGBA;
  return PNG.sync.write(png, { colorType, inputColorType: RGBA, inputHasAlpha: true });
}

/**
 * Decodes PNG bytes into a CHW image with 3 channels (RGB), or 4 when `keepAlpha` is set.
 * Grey and palette PNGs are expanded to RGB by pngjs.
 */
export function decodePng(bytes: Uint8Array, keepAlpha = false): Image {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = png;
  const channels = keepAlpha ? 4 : 3;
  const plane = width * height;
  const data = new Uint8Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < channels; c++) data[c * plane + i] = png.data[i * 4 + c]!;
  }
  return { data, channels, height, width };
}

/** Writes an image as a PNG file, creating the folder if needed, atomically (see atomicWrite.ts). */
export function writePng(path: string, image: Image): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, encodePng(image));
}

/**
 * Checks, before any work, that a PNG can be written at `path`: not a folder, no file where a folder
 * must be, and no existing file that is not a PNG (someone's work) unless `force`. Throws a
 * UserError naming `flag` and what to do.
 * @example assertPngOut(opts.out, '--out', opts.force);
 */
export function assertPngOut(path: string, flag: string, force = false): void {
  assertOutFile(path, flag, PNG_OUTPUT, force);
}

/** Reads a PNG file into a CHW image (RGB, or RGBA with `keepAlpha`). */
export function readPng(path: string, keepAlpha = false): Image {
  return decodePng(readFileSync(path), keepAlpha);
}
