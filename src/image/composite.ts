/**
 * Compositing one image layer onto another: bilinear sampling (to warp a cut-out into place),
 * feathered alpha blending, and gradient-domain blending. Together with segment.ts this is
 * cut-and-paste compositing in the manner of Dwibedi et al. 2017 ("Cut, Paste and Learn"), who
 * paste segmented objects with blurred (feathered) or Poisson-blended edges so that the seam is
 * not what a classifier learns from.
 *
 * Images are float CHW (channels, rows, columns) arrays; alpha is one h·w plane in [0, 1].
 * Everything is computed in float64 in a fixed order, so a composite is the same bit for bit on
 * every run.
 */

/**
 * The value of channel plane `plane` (an offset into `img`) at real position (x, y) by bilinear
 * interpolation; positions outside the frame read `outside`.
 * @example bilinear(chw, 0, 32, 32, 10.5, 3.25, 0)
 */
export function bilinear(
  img: ArrayLike<number>,
  plane: number,
  height: number,
  width: number,
  x: number,
  y: number,
  outside: number,
): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= width || yy >= height ? outside : img[plane + yy * width + xx]!);
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

/**
 * Feathers an alpha plane: `passes` 3×3 box blurs (a box blurred twice is close to a Gaussian), so
 * the pasted layer fades out over a pixel or two instead of ending in a hard seam.
 */
export function featherAlpha(alpha: ArrayLike<number>, height: number, width: number, passes = 1): Float64Array {
  let a = Float64Array.from(alpha);
  for (let k = 0; k < passes; k++) {
    const out = new Float64Array(a.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= height || xx >= width) continue;
            s += a[yy * width + xx]!;
            n++;
          }
        }
        out[y * width + x] = s / n;
      }
    }
    a = out;
  }
  return a;
}

/**
 * base·(1 − α) + layer·α per channel (Porter & Duff 1984, "over"), as a new array.
 * @example alphaComposite(horse, wing, alpha, 3, 32, 32)
 */
export function alphaComposite(
  base: ArrayLike<number>,
  layer: ArrayLike<number>,
  alpha: ArrayLike<number>,
  channels: number,
  height: number,
  width: number,
): Float64Array {
  const plane = height * width;
  const out = new Float64Array(channels * plane);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) {
      const a = Math.min(1, Math.max(0, alpha[p]!));
      out[c * plane + p] = base[c * plane + p]! * (1 - a) + layer[c * plane + p]! * a;
    }
  }
  return out;
}

/**
 * Seamless cloning (Pérez, Gangnet & Blake 2003, "Poisson Image Editing", eq. 7–8): inside the
 * region Ω = {alpha > 0.5} grown by one pixel, find f with Δf = Δg (g: the layer) and f = base on
 * Ω's boundary, i.e. keep the layer's edges and texture but let its colours meet the base without a
 * step. Solved by Gauss–Seidel with over-relaxation (ω = 1.8) starting from the layer; on 32×32 a
 * few hundred sweeps converge.
 * @example poissonBlend(horse, wing, alpha, 3, 32, 32, 200)
 */
export function poissonBlend(
  base: ArrayLike<number>,
  layer: ArrayLike<number>,
  alpha: ArrayLike<number>,
  channels: number,
  height: number,
  width: number,
  iterations = 200,
): Float64Array {
  const plane = height * width;
  const inside = new Uint8Array(plane);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let dy = -1; dy <= 1 && on === 0; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && xx >= 0 && yy < height && xx < width && alpha[yy * width + xx]! > 0.5) on = 1;
        }
      }
      inside[y * width + x] = on;
    }
  }
  const f = Float64Array.from({ length: channels * plane }, (_, i) => (inside[i % plane] ? layer[i]! : base[i]!));
  const omega = 1.8;
  const nb = [-1, 1, -width, width];
  for (let it = 0; it < iterations; it++) {
    for (let c = 0; c < channels; c++) {
      const o = c * plane;
      for (let p = 0; p < plane; p++) {
        if (!inside[p]) continue;
        const x = p % width;
        let sum = 0;
        let n = 0;
        for (let k = 0; k < 4; k++) {
          const q = p + nb[k]!;
          if (q < 0 || q >= plane || (k === 0 && x === 0) || (k === 1 && x === width - 1)) continue;
          // neighbours inside Ω are unknowns, outside they are the fixed base (Dirichlet boundary)
          sum += (inside[q] ? f[o + q]! : base[o + q]!) + layer[o + p]! - layer[o + q]!;
          n++;
        }
        f[o + p] = f[o + p]! + omega * (sum / n - f[o + p]!);
      }
    }
  }
  return f;
}
