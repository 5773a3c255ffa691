// PNG round trips (single images, upscaled copies, grids), float ↔ uint8 conversion and the font.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { GLYPH_HEIGHT, drawText, glyph, textWidth } from '../../src/image/font.js';
import { makeGrid } from '../../src/image/grid.js';
import { filled, floatToUint8, imageFromChw, imagesFromNchw, upscale, type Image } from '../../src/image/image.js';
import { decodePng, encodePng, readPng, writePng } from '../../src/image/png.js';

const dir = mkdtempSync(join(tmpdir(), 'pegasus-png-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A 3×h×w image whose every byte differs from its neighbours' in a known way. */
function pattern(h: number, w: number, seed = 0): Image {
  const data = Uint8Array.from({ length: 3 * h * w }, (_, i) => (i * 37 + seed * 101) & 255);
  return { data, channels: 3, height: h, width: w };
}

const px = (im: Image, c: number, y: number, x: number) => im.data[(c * im.height + y) * im.width + x]!;

describe('png', () => {
  test('a single RGB image survives a write/read round trip exactly', () => {
    const img = pattern(32, 32);
    const path = join(dir, 'one', 'img.png'); // the folder is created
    writePng(path, img);
    const back = readPng(path);
    assert.deepEqual(back, img);
    // It really is a PNG of the right size, red from plane 0, green from plane 1.
    const raw = PNG.sync.read(readFileSync(path));
    assert.equal(raw.width, 32);
    assert.equal(raw.height, 32);
    assert.equal(raw.data[(5 * 32 + 7) * 4], px(img, 0, 5, 7));
    assert.equal(raw.data[(5 * 32 + 7) * 4 + 1], px(img, 1, 5, 7));
    assert.equal(raw.data[(5 * 32 + 7) * 4 + 2], px(img, 2, 5, 7));
  });

  test('non-square, grey and RGBA images', () => {
    const rect = pattern(5, 9, 3);
    assert.deepEqual(decodePng(encodePng(rect)), rect);
    const grey: Image = { data: Uint8Array.from({ length: 12 }, (_, i) => i * 20), channels: 1, height: 3, width: 4 };
    const g = decodePng(encodePng(grey));
    for (let c = 0; c < 3; c++) assert.deepEqual(g.data.subarray(c * 12, (c + 1) * 12), grey.data);
    const rgba: Image = { data: Uint8Array.from({ length: 4 * 6 }, (_, i) => 255 - i * 7), channels: 4, height: 2, width: 3 };
    assert.deepEqual(decodePng(encodePng(rgba), true), rgba);
    assert.throws(() => encodePng({ data: new Uint8Array(2 * 4), channels: 2, height: 2, width: 2 }), /channels/);
  });

  test('float images in [-1, 1] map to uint8 and back to within rounding', () => {
    const u = pattern(8, 8);
    const f = Float32Array.from(u.data, (v) => v / 127.5 - 1);
    const img = imageFromChw(f, 3, 8, 8);
    assert.deepEqual(img.data, u.data);
    assert.deepEqual([...floatToUint8(Float32Array.from([-1, 1, 0, -5, 5, NaN]))], [0, 255, 128, 0, 255, 0]);
    assert.deepEqual(readBack(img), u);
    assert.throws(() => imageFromChw(new Float32Array(10), 3, 2, 2));
  });

  test('imagesFromNchw splits a batch', () => {
    const batch = new Uint8Array(2 * 3 * 4 * 4).map((_, i) => i);
    const [a, b] = imagesFromNchw(batch, 2, 3, 4, 4);
    assert.deepEqual(a!.data, batch.subarray(0, 48));
    assert.deepEqual(b!.data, batch.subarray(48));
  });
});

function readBack(img: Image): Image {
  const path = join(dir, `rt-${img.height}x${img.width}.png`);
  writePng(path, img);
  return readPng(path);
}

describe('upscale', () => {
  test('nearest neighbour ×k: every pixel becomes a k×k block', () => {
    const img = pattern(4, 6);
    const big = upscale(img, 3);
    assert.equal(big.height, 12);
    assert.equal(big.width, 18);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 12; y++)
        for (let x = 0; x < 18; x++) assert.equal(px(big, c, y, x), px(img, c, Math.floor(y / 3), Math.floor(x / 3)));
    }
    assert.deepEqual(readBack(big), big);
    assert.equal(upscale(img, 1), img);
    assert.throws(() => upscale(img, 1.5), /positive integer/);
  });
});

describe('makeGrid', () => {
  test('an 8×8 grid has the size its padding says and each cell in its place', () => {
    const images = Array.from({ length: 64 }, (_, i) => pattern(32, 32, i));
    const grid = makeGrid(images, { padding: 2 });
    assert.equal(grid.width, 2 + 8 * 34);
    assert.equal(grid.height, 2 + 8 * 34);
    // Cell (row 3, col 5) is image 29; its top-left pixel sits at (2 + 3·34, 2 + 5·34).
    for (let c = 0; c < 3; c++) {
      assert.equal(px(grid, c, 2 + 3 * 34, 2 + 5 * 34), px(images[29]!, c, 0, 0));
      assert.equal(px(grid, c, 2 + 3 * 34 + 31, 2 + 5 * 34 + 31), px(images[29]!, c, 31, 31));
      assert.equal(px(grid, c, 0, 0), 255); // padding is white
    }
    assert.deepEqual(readBack(grid), grid);
  });

  test('cols, scale and an incomplete last row', () => {
    const images = Array.from({ length: 5 }, (_, i) => pattern(4, 4, i));
    const grid = makeGrid(images, { cols: 3, scale: 2, padding: 1, background: [10, 20, 30] });
    assert.equal(grid.width, 1 + 3 * 9);
    assert.equal(grid.height, 1 + 2 * 9);
    assert.equal(px(grid, 0, 1 + 9, 1 + 2 * 9), 10); // the empty sixth cell is background
    assert.equal(px(grid, 2, 1 + 9, 1 + 2 * 9), 30);
    assert.equal(px(grid, 1, 1 + 9 + 3, 1 + 9 + 5), px(images[4]!, 1, 1, 2)); // ×2 upscaled
    assert.throws(() => makeGrid([pattern(4, 4), pattern(5, 4)]), /differ in size/);
    assert.throws(() => makeGrid([]), /no images/);
  });

  test('row and cell labels add a text band above each row and draw the text', () => {
    const images = Array.from({ length: 4 }, (_, i) => filled(3, 32, 32, [i * 60, 0, 0]));
    const plain = makeGrid(images, { cols: 2 });
    const labelled = makeGrid(images, { cols: 2, rowLabels: ['horse', 'bird'], cellLabels: ['a', 'b', 'c', 'd'] });
    const band = 2 * (GLYPH_HEIGHT + 2);
    assert.equal(labelled.width, plain.width);
    assert.equal(labelled.height, plain.height + 2 * band);
    // The images moved down by one band in the first row.
    assert.equal(px(labelled, 0, 2 + band, 2 + 34), 60);
    // The row label is ink (black) where the font says: 'h' column 0 is set in every row.
    for (let y = 0; y < GLYPH_HEIGHT; y++) assert.equal(px(labelled, 0, 2 + y, 2), 0);
    // Count ink pixels in the first band: 'horse' and the cell labels 'a', 'b'.
    let ink = 0;
    for (let y = 2; y < 2 + band; y++) for (let x = 0; x < labelled.width; x++) if (px(labelled, 0, y, x) === 0) ink++;
    const inkOf = (s: string) => [...s].reduce((n, ch) => n + glyph(ch).join('').split('#').length - 1, 0);
    assert.equal(ink, inkOf('horse') + inkOf('a') + inkOf('b'));
    assert.deepEqual(readBack(labelled), labelled);
  });
});

describe('font', () => {
  test('drawText paints exactly the glyph pixels, scaled and clipped', () => {
    const img = filled(1, 10, 12, [0]);
    drawText(img, '1', 1, 1, [255]);
    const rows = glyph('1');
    for (let y = 0; y < 7; y++) for (let x = 0; x < 5; x++) assert.equal(img.data[(1 + y) * 12 + 1 + x], rows[y]![x] === '#' ? 255 : 0);
    const big = filled(1, 14, 10, [0]);
    drawText(big, 'L', 0, 0, [9], 2);
    assert.equal(big.data[13 * 10 + 9], 9); // bottom-right of the L's foot at scale 2
    assert.equal(big.data[0 * 10 + 2], 0);
    drawText(filled(1, 3, 3, [0]), 'pegasus', -4, -2, [1]); // clipped, no throw
    assert.equal(textWidth('abc'), 17);
    assert.equal(textWidth('abc', 2), 34);
    assert.deepEqual(glyph('A'), glyph('a'));
    assert.deepEqual(glyph('~'), glyph('?'));
    for (const ch of 'abcdefghijklmnopqrstuvwxyz0123456789 :.-_/=,%?+') {
      const g = glyph(ch);
      assert.equal(g.length, 7, ch);
      assert.ok(
        g.every((r) => /^[#.]{5}$/.test(r)),
        ch,
      );
    }
  });
});
