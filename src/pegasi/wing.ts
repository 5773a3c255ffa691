/**
 * A parametric feathered wing, drawn as an anti-aliased layer over a 32×32 image.
 *
 * The shape follows a bird's raised wing seen from the side: a leading edge (the arm) that rises
 * from the root and arches toward the head, a fan of primary feathers along it (ellipses that point
 * back toward the tail near the root and out along the arm near the tip, so the trailing edge is
 * scalloped), and the coverts filling the space between arm and feathers. Blind viewing of 32×32
 * images showed that the silhouette, its size and its contrast with the scene decide whether a
 * viewer reads "wing" — much more than a bird's texture — so the silhouette is explicit here and
 * colour and texture come from the data (see composite.ts).
 *
 * Coordinates: x to the right, y down, in pixels of the image; every subpixel sample is tested
 * against the shape (SUPER² samples per pixel) for coverage.
 */

/** Everything that decides one wing's shape; all lengths in pixels, angles in degrees. */
export interface WingShape {
  readonly rootX: number;
  readonly rootY: number;
  readonly tailSign: 1 | -1; // +1: the wing sweeps toward +x
  readonly length: number; // root to tip along the arm
  readonly lean: number; // the arm's tilt from vertical toward the tail
  readonly bow: number; // the arm's arch toward the head, share of the length
  readonly feathers: number; // primaries along the arm
  readonly featherLength: number; // the longest primary, share of the length
  readonly featherWidth: number; // a primary's width, share of its length
  readonly fanRoot: number; // angle of the first primary from the arm (toward the tail)
  readonly fanTip: number; // angle of the last primary from the arm
}

/** Per pixel: coverage α in [0, 1] and a shade factor (light coverts, darker primaries and the lines between them). */
export interface WingLayer {
  readonly alpha: Float32Array; // h·w
  readonly shade: Float32Array; // h·w, mean shade of the covered samples
  /** Per pixel, mean position along the arm (0 root … 1 tip) and across it (0 arm … 1 feather tips), for texture lookups. */
  readonly along: Float32Array;
  readonly across: Float32Array;
}

const SUPER = 4; // subpixel samples per side

interface Ellipse {
  readonly cx: number;
  readonly cy: number;
  readonly ux: number; // unit major axis
  readonly uy: number;
  readonly a: number; // semi-axes
  readonly b: number;
  readonly s: number; // position of its base along the arm
}

const rad = (deg: number): number => (deg * Math.PI) / 180;

/** The arm's points from root (s = 0) to tip (s = 1) and the feathers; shared by the renderer and the tests. */
export function wingGeometry(w: WingShape): { arm: (s: number) => [number, number]; feathers: Ellipse[]; covert: [number, number][] } {
  const l = rad(w.lean);
  const dx = w.tailSign * Math.sin(l);
  const dy = -Math.cos(l);
  const tx = w.tailSign * Math.cos(l); // across the arm, toward the tail
  const ty = Math.sin(l);
  const arm = (s: number): [number, number] => {
    const bow = -w.bow * w.length * Math.sin(Math.PI * s);
    return [w.rootX + s * w.length * dx + bow * tx, w.rootY + s * w.length * dy + bow * ty];
  };
  const feathers: Ellipse[] = [];
  const n = Math.max(2, Math.round(w.feathers));
  for (let k = 0; k < n; k++) {
    const f = k / (n - 1);
    const s = 0.3 + 0.7 * f;
    const angle = rad(w.fanRoot + (w.fanTip - w.fanRoot) * f);
    const ux = Math.cos(angle) * dx + Math.sin(angle) * tx;
    const uy = Math.cos(angle) * dy + Math.sin(angle) * ty;
    const len = w.featherLength * w.length * (1 - 0.25 * f);
    const [bx, by] = arm(s);
    feathers.push({ cx: bx + 0.45 * len * ux, cy: by + 0.45 * len * uy, ux, uy, a: len / 2, b: (len * w.featherWidth) / 2, s });
  }
  const covert: [number, number][] = [];
  for (let i = 0; i <= 10; i++) covert.push(arm(i / 10));
  for (let k = n - 1; k >= 0; k--) {
    const e = feathers[k]!;
    covert.push([e.cx, e.cy]);
  }
  covert.push([w.rootX + 0.12 * w.length * tx, w.rootY + 0.12 * w.length * ty]);
  return { arm, feathers, covert };
}

function insidePolygon(px: number, py: number, poly: readonly [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** r² of a point in an ellipse's frame (< 1 inside), and its coordinate along the major axis (−1 … 1). */
function ellipseR2(e: Ellipse, px: number, py: number): [number, number] {
  const x = px - e.cx;
  const y = py - e.cy;
  const u = (x * e.ux + y * e.uy) / e.a;
  const v = (-x * e.uy + y * e.ux) / e.b;
  return [u * u + v * v, u];
}

/**
 * Rasterises a wing into a `size`×`size` layer.
 * @example const layer = renderWing(shape); // layer.alpha[y * 32 + x]
 */
export function renderWing(w: WingShape, size = 32): WingLayer {
  const { feathers, covert } = wingGeometry(w);
  const plane = size * size;
  const alpha = new Float32Array(plane);
  const shade = new Float32Array(plane);
  const along = new Float32Array(plane);
  const across = new Float32Array(plane);
  const step = 1 / SUPER;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      let sh = 0;
      let al = 0;
      let ac = 0;
      for (let sy = 0; sy < SUPER; sy++) {
        for (let sx = 0; sx < SUPER; sx++) {
          const px = x + (sx + 0.5) * step;
          const py = y + (sy + 0.5) * step;
          // the feather on top is the last one drawn (toward the tip); the line between two feathers
          // is where a sample lies near the edge of the top feather
          let top = -1;
          let topR2 = 0;
          let topU = 0;
          for (let k = feathers.length - 1; k >= 0; k--) {
            const [r2, u] = ellipseR2(feathers[k]!, px, py);
            if (r2 < 1) {
              top = k;
              topR2 = r2;
              topU = u;
              break;
            }
          }
          const inCovert = insidePolygon(px, py, covert);
          if (top < 0 && !inCovert) continue;
          hits++;
          if (inCovert) {
            sh += 1;
            al += feathers.length > 0 ? 0.5 : 0;
            ac += 0.3;
          } else {
            const e = feathers[top]!;
            const edge = topR2 > 0.62 ? 0.72 : 1; // the dark line that separates feathers
            sh += edge * (0.9 - 0.08 * topU);
            al += e.s;
            ac += 0.5 + 0.5 * ((topU + 1) / 2);
          }
        }
      }
      if (hits === 0) continue;
      const p = y * size + x;
      alpha[p] = hits / (SUPER * SUPER);
      shade[p] = sh / hits;
      along[p] = al / hits;
      across[p] = ac / hits;
    }
  }
  return { alpha, shade, along, across };
}

/** Pixels just outside a layer's silhouette (α < ½ with a neighbour ≥ ½): where the outline goes. */
export function outlineOf(alpha: Float32Array, size = 32): Float32Array {
  const out = new Float32Array(alpha.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      if (alpha[p]! >= 0.5) continue;
      let near = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || xx < 0 || yy >= size || xx >= size) continue;
          near = Math.max(near, alpha[yy * size + xx]!);
        }
      }
      if (near >= 0.5) out[p] = 1 - alpha[p]!;
    }
  }
  return out;
}
