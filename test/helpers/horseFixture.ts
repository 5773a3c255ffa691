/**
 * Side-on "horses" for the composite tests: a plain background with a body, a neck and head rising
 * at one end, and four legs, drawn as flat shapes the segmentation finds (src/pegasi/horseBack.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_BYTES, RECORD_BYTES } from '../../src/data/cifar10Format.js';
import type { Fixture } from './cifarFixture.js';
import { FILES } from './cifarFixture.js';

const HORSE = 7;

/** A 32×32 CHW horse facing left (head at low x) or right, moved `dx` pixels; `rider` adds a figure over the middle of the back. */
export function horseImage(facingLeft: boolean, dx = 0, rider = false): Uint8Array {
  const img = new Uint8Array(IMAGE_BYTES);
  const bg = [90, 150, 80];
  const coat = [120, 70, 30];
  for (let c = 0; c < 3; c++) img.fill(bg[c]!, c * 1024, (c + 1) * 1024);
  const fill = (x0: number, x1: number, y0: number, y1: number, rgb = coat) => {
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const xx = (facingLeft ? x : 31 - x) + (facingLeft ? dx : -dx);
        if (xx < 0 || xx > 31) continue;
        for (let c = 0; c < 3; c++) img[c * 1024 + y * 32 + xx] = rgb[c]!;
      }
    }
  };
  fill(8, 25, 15, 22); // body
  fill(5, 10, 8, 16); // neck and head
  fill(3, 6, 9, 12); // muzzle
  for (const x of [9, 12, 21, 24]) fill(x, x + 1, 23, 29); // legs
  if (rider) fill(15, 18, 5, 14, [30, 30, 160]);
  return img;
}

/** Replaces every horse record of the fixture with a side-on horse (alternately facing each way). */
export function drawHorsesInto(fx: Fixture): void {
  FILES.forEach((name, file) => {
    const path = join(fx.dir, name);
    const bytes = readFileSync(path);
    let k = 0;
    for (let rec = 0; rec < bytes.length / RECORD_BYTES; rec++) {
      if (bytes[rec * RECORD_BYTES] !== HORSE) continue;
      bytes.set(horseImage((k + file) % 2 === 0, k % 3), rec * RECORD_BYTES + 1);
      k++;
    }
    writeFileSync(path, bytes);
  });
}
