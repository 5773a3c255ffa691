// Images: CHW uint8 values, PNG files, grids and a tiny bitmap font. Re-exports only.
export * from './image.js';
export * from './png.js';
export * from './grid.js';
export * from './font.js';
