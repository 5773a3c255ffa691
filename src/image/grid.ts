/**
 * Image grids (rows × columns, with padding and optional text labels), the standard way to look
 * at a batch of samples — e.g. an 8×8 grid of generated images with the class name above each row.
 */
import { GLYPH_ADVANCE, GLYPH_HEIGHT, drawText } from './font.js';
import { filled, paste, upscale, type Image } from './image.js';

export interface GridOptions {
  readonly cols?: number; // images per row; default ceil(sqrt(n)), so 64 images make 8×8
  readonly padding?: number; // pixels around and between cells; default 2
  readonly scale?: number; // nearest-neighbour upscale of every image; default 1
  readonly background?: readonly number[]; // padding colour, one value per channel; default white
  readonly textColor?: readonly number[]; // label colour; default black
  readonly textScale?: number; // each font pixel becomes textScale² pixels; default 1 (5×7 glyphs)
  readonly rowLabels?: readonly string[]; // one label above each row, left-aligned
  readonly cellLabels?: readonly string[]; // one label above each image, clipped to its width
}

/**
 * Lays `images` (all the same size) out in a grid, row by row.
 *
 * @example writePng('samples.png', makeGrid(images, { cols: 8, scale: 2, rowLabels: ['horse', …] }));
 */
export function makeGrid(images: readonly Image[], options: GridOptions = {}): Image {
  const first = images[0];
  if (first === undefined) throw new Error('makeGrid: no images');
  const scale = options.scale ?? 1;
  const cells = scale === 1 ? images : images.map((im) => upscale(im, scale));
  const cell = cells[0]!;
  for (const im of cells) {
    if (im.channels !== cell.channels || im.height !== cell.height || im.width !== cell.width) {
      throw new Error(
        `makeGrid: images differ in size (${im.channels}×${im.height}×${im.width} vs ${cell.channels}×${cell.height}×${cell.width})`,
      );
    }
  }
  const n = cells.length;
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const pad = options.padding ?? 2;
  const textScale = options.textScale ?? 1;
  const { rowLabels, cellLabels } = options;
  const lines = (rowLabels !== undefined ? 1 : 0) + (cellLabels !== undefined ? 1 : 0);
  const lineHeight = GLYPH_HEIGHT * textScale + 2; // text plus a 2-pixel gap below it
  const band = lines * lineHeight; // the label strip above each row
  const width = pad + cols * (cell.width + pad);
  const height = pad + rows * (band + cell.height + pad);
  const background = options.background ?? new Array<number>(cell.channels).fill(255);
  const ink = options.textColor ?? new Array<number>(cell.channels).fill(0);
  const grid = filled(cell.channels, height, width, background);
  for (let r = 0; r < rows; r++) {
    const top = pad + r * (band + cell.height + pad);
    let y = top;
    if (rowLabels !== undefined) {
      drawText(grid, rowLabels[r] ?? '', pad, y, ink, textScale);
      y += lineHeight;
    }
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if (i >= n) break;
      const x = pad + c * (cell.width + pad);
      if (cellLabels !== undefined) {
        // Clip to the cell so neighbouring labels never run into each other.
        const fits = Math.max(0, Math.floor((cell.width + textScale) / (GLYPH_ADVANCE * textScale)));
        drawText(grid, (cellLabels[i] ?? '').slice(0, fits), x, y, ink, textScale);
      }
      paste(grid, cells[i]!, x, top + band);
    }
  }
  return grid;
}
