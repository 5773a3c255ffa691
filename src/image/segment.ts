/**
 * Foreground segmentation of small images without any learned model: the object is what differs
 * from the image's border. CIFAR-style pictures put one object in the middle of a background
 * (sky, grass, a wall) that fills the frame's edges, so
 *
 *   1. each pixel's distance to the border colours (the k-th nearest border pixel in RGB, so an
 *      object that touches the edge for a few pixels does not turn itself into background),
 *   2. a global threshold on that distance by Otsu's method (Otsu 1979, "A Threshold Selection
 *      Method from Gray-Level Histograms": the cut that maximises the between-class variance),
 *   3. a morphological opening then closing (3×3), the 4-connected component with the most pixels in
 *      the central half of the frame (photographers centre their subject), holes filled,
 *
 * give a binary mask of the object. Images are float CHW (channels, rows, columns) in any range;
 * masks are Uint8Array of h·w with 1 = foreground. Pure functions, no allocation outside their
 * results.
 */

/** A mask and its size. */
export interface Mask {
  readonly data: Uint8Array; // h·w, 1 = foreground
  readonly height: number;
  readonly width: number;
}

/** Inclusive bounding box of a mask's foreground; null for an empty mask. */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export interface SegmentOptions {
  /** Which nearest border pixel's distance counts (as a share of the border's pixels). */
  readonly borderQuantile: number;
  /** Histogram bins of Otsu's threshold. */
  readonly bins: number;
}

export const defaultSegmentOptions: SegmentOptions = {
  borderQuantile: 0.25, // an object may cover up to a quarter of the frame's edge (a cropped horse) and still stand out
  bins: 64, // plenty for 1,024 pixels
};

/**
 * Per pixel, the RGB distance to its k-th nearest border pixel (k = borderQuantile · border size).
 * @example const d = borderDistance(chw, 3, 32, 32);
 */
export function borderDistance(
  img: ArrayLike<number>,
  channels: number,
  height: number,
  width: number,
  quantile = defaultSegmentOptions.borderQuantile,
): Float64Array {
  const plane = height * width;
  const border: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (y === 0 || x === 0 || y === height - 1 || x === width - 1) border.push(y * width + x);
  }
  const k = Math.max(0, Math.min(border.length - 1, Math.floor(quantile * border.length)));
  const out = new Float64Array(plane);
  const d = new Float64Array(border.length);
  for (let p = 0; p < plane; p++) {
    border.forEach((b, j) => {
      let s = 0;
      for (let c = 0; c < channels; c++) {
        const v = img[c * plane + p]! - img[c * plane + b]!;
        s += v * v;
      }
      d[j] = s;
    });
    d.sort();
    out[p] = Math.sqrt(d[k]!);
  }
  return out;
}

/**
 * Otsu's threshold of `values` (Otsu 1979): the histogram cut t that maximises
 * ω₀(t)·ω₁(t)·(μ₀(t) − μ₁(t))², the between-class variance. Values ≥ t are the upper class.
 * @example otsuThreshold(Float64Array.of(0, 0, 1, 1)) // 0.5 < t ≤ 1
 */
export function otsuThreshold(values: ArrayLike<number>, bins = defaultSegmentOptions.bins): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  if (!(hi > lo)) return hi;
  const width = (hi - lo) / bins;
  const hist = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) hist[Math.min(bins - 1, Math.floor((values[i]! - lo) / width))]!++;
  const n = values.length;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += b * hist[b]!;
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let cut = 1;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b]!;
    sum0 += b * hist[b]!;
    const w1 = n - w0;
    if (w0 === 0 || w1 === 0) continue;
    const m0 = sum0 / w0;
    const m1 = (sumAll - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) ** 2;
    if (between > best) {
      best = between;
      cut = b + 1;
    }
  }
  return lo + cut * width;
}

/** 3×3 dilation (`grow`) or erosion of a mask; outside the frame counts as background for dilation and foreground for erosion (so erosion does not eat objects at the edge). */
export function morph(m: Mask, grow: boolean): Mask {
  const { height: h, width: w } = m;
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = grow ? 0 : 1;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
          const q = m.data[yy * w + xx]!;
          v = grow ? v | q : v & q;
        }
      }
      out[y * w + x] = v;
    }
  }
  return { data: out, height: h, width: w };
}

/** Labels of the 4-connected components of `value` pixels (0 elsewhere), and each label's size (index = label − 1). */
function components(m: Mask, value: number): { labels: Int32Array; sizes: number[]; touchesBorder: boolean[] } {
  const { height: h, width: w } = m;
  const labels = new Int32Array(h * w);
  const sizes: number[] = [];
  const touchesBorder: boolean[] = [];
  const stack: number[] = [];
  for (let s = 0; s < h * w; s++) {
    if (m.data[s] !== value || labels[s] !== 0) continue;
    const label = sizes.length + 1;
    let size = 0;
    let edge = false;
    labels[s] = label;
    stack.push(s);
    while (stack.length > 0) {
      const p = stack.pop()!;
      size++;
      const y = Math.floor(p / w);
      const x = p % w;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) edge = true;
      for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1]) {
        if (q >= 0 && m.data[q] === value && labels[q] === 0) {
          labels[q] = label;
          stack.push(q);
        }
      }
    }
    sizes.push(size);
    touchesBorder.push(edge);
  }
  return { labels, sizes, touchesBorder };
}

/** The largest 4-connected foreground component (ties: the first in raster order). */
export function largestComponent(m: Mask): Mask {
  const { labels, sizes } = components(m, 1);
  let best = 0;
  sizes.forEach((s, i) => {
    if (s > sizes[best]!) best = i;
  });
  const data = new Uint8Array(m.data.length);
  if (sizes.length > 0) for (let p = 0; p < data.length; p++) data[p] = labels[p] === best + 1 ? 1 : 0;
  return { data, height: m.height, width: m.width };
}

/**
 * The 4-connected foreground component with the most pixels in the frame's central half (the box
 * from ¼ to ¾ of each side); ties, and masks with nothing in the centre, go to the largest.
 */
export function centralComponent(m: Mask): Mask {
  const { labels, sizes } = components(m, 1);
  const central = new Array<number>(sizes.length).fill(0);
  const { height: h, width: w } = m;
  for (let y = Math.floor(h / 4); y < Math.ceil((3 * h) / 4); y++) {
    for (let x = Math.floor(w / 4); x < Math.ceil((3 * w) / 4); x++) {
      const l = labels[y * w + x]!;
      if (l > 0) central[l - 1]!++;
    }
  }
  let best = 0;
  for (let i = 1; i < sizes.length; i++) {
    if (central[i]! > central[best]! || (central[i] === central[best] && sizes[i]! > sizes[best]!)) best = i;
  }
  const data = new Uint8Array(m.data.length);
  if (sizes.length > 0) for (let p = 0; p < data.length; p++) data[p] = labels[p] === best + 1 ? 1 : 0;
  return { data, height: m.height, width: m.width };
}

/** The mask with every background region that does not reach the frame's edge turned foreground. */
export function fillHoles(m: Mask): Mask {
  const { labels, touchesBorder } = components(m, 0);
  const data = Uint8Array.from(m.data, (v, p) => (v === 1 || !touchesBorder[labels[p]! - 1]! ? 1 : 0));
  return { data, height: m.height, width: m.width };
}

/**
 * The object of an image: border distance, Otsu threshold, opening and closing, the central
 * component, holes filled (see the file comment).
 * @example const mask = segmentForeground(chw, 3, 32, 32);
 */
export function segmentForeground(
  img: ArrayLike<number>,
  channels: number,
  height: number,
  width: number,
  o: SegmentOptions = defaultSegmentOptions,
): Mask {
  const d = borderDistance(img, channels, height, width, o.borderQuantile);
  const t = otsuThreshold(d, o.bins);
  let m: Mask = { data: Uint8Array.from(d, (v) => (v >= t ? 1 : 0)), height, width };
  m = morph(morph(m, false), true); // opening: drop specks
  m = morph(morph(m, true), false); // closing: bridge one-pixel gaps
  return fillHoles(centralComponent(m));
}

/** The foreground's bounding box, or null when the mask is empty. */
export function maskBox(m: Mask): Box | null {
  let x0 = m.width;
  let y0 = m.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (m.data[y * m.width + x] === 0) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Per column, the first foreground row from the top (height where the column is empty). */
export function topProfile(m: Mask): Int32Array {
  const top = new Int32Array(m.width).fill(m.height);
  for (let x = 0; x < m.width; x++) {
    for (let y = 0; y < m.height; y++) {
      if (m.data[y * m.width + x] === 1) {
        top[x] = y;
        break;
      }
    }
  }
  return top;
}
