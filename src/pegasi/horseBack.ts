/**
 * Where a wing can go on a real horse photograph: a side-on horse that the segmentation finds
 * cleanly, which way it faces, and the top of its back.
 *
 * The object mask comes from src/image/segment.ts (border distance, Otsu's threshold, the central
 * component). A horse seen from the side is wider than tall; its neck and head rise above the
 * back at one end, so the head is on the side whose columns start higher and the tail on the
 * other. A rider shows as a bump above the middle of the back; such images, and those with no
 * room above the back for a raised wing, are refused with a reason, never guessed at.
 */
import { maskBox, segmentForeground, topProfile, type Box, type Mask } from '../image/segment.js';

/** A horse a wing can be rooted on. */
export interface HorseBack {
  readonly mask: Mask;
  readonly box: Box;
  /** +1 when the tail is on the right (the horse faces left), −1 when it is on the left. */
  readonly tailSign: 1 | -1;
  /** Per column, the first row of the horse (32 where the column is empty). */
  readonly top: Int32Array;
  /** Median top row of the back (the middle third of the box). */
  readonly backTop: number;
}

export type BackResult = { readonly ok: true; readonly back: HorseBack } | { readonly ok: false; readonly reason: string };

export interface BackCriteria {
  readonly minArea: number; // share of the frame the horse covers, at least
  readonly maxArea: number; // and at most (a close-up has no back to show)
  readonly minWidth: number; // box width in pixels
  readonly minAspect: number; // box width / height: side-on horses are wide
  readonly minFill: number; // mask pixels / box pixels: a clean, solid segmentation
  readonly minHeadRise: number; // pixels the head end rises above the back
  readonly maxBump: number; // pixels anything in the middle may rise above the back (a rider)
  readonly minHeadroom: number; // rows free above the back for a raised wing
  readonly maxPeakFromHead: number; // the highest point lies within this share of the box from the head end
}

export const defaultBackCriteria: BackCriteria = {
  minArea: 0.12,
  maxArea: 0.62,
  minWidth: 16,
  minAspect: 1.1,
  minFill: 0.42,
  minHeadRise: 2,
  maxBump: 2,
  minHeadroom: 8,
  maxPeakFromHead: 0.3,
};

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

/**
 * Finds the back of the horse in `img` (CHW, 3 channels, any range), or says why not.
 * @example const r = findBack(chw, 32); if (r.ok) rootOn(r.back);
 */
export function findBack(img: ArrayLike<number>, size = 32, c: BackCriteria = defaultBackCriteria): BackResult {
  const mask = segmentForeground(img, 3, size, size);
  const box = maskBox(mask);
  if (box === null) return { ok: false, reason: 'no object found' };
  let area = 0;
  for (const v of mask.data) area += v;
  const share = area / (size * size);
  if (share < c.minArea) return { ok: false, reason: 'horse too small' };
  if (share > c.maxArea) return { ok: false, reason: 'horse fills the frame' };
  const bw = box.x1 - box.x0 + 1;
  const bh = box.y1 - box.y0 + 1;
  if (bw < c.minWidth || bw / bh < c.minAspect) return { ok: false, reason: 'not side-on' };
  if (area / (bw * bh) < c.minFill) return { ok: false, reason: 'segmentation not solid' };
  if (box.x0 === 0 && box.x1 === size - 1) return { ok: false, reason: 'cut off on both sides' };
  const top = topProfile(mask);
  const cols = (from: number, to: number): number[] => {
    const out: number[] = [];
    for (let x = Math.round(box.x0 + from * bw); x < Math.round(box.x0 + to * bw); x++) out.push(top[x]!);
    return out;
  };
  const left = median(cols(0, 1 / 3));
  const right = median(cols(2 / 3, 1));
  const middle = cols(1 / 3, 2 / 3);
  const backTop = median(middle);
  const headLeft = left < right;
  const head = Math.min(left, right);
  const tail = Math.max(left, right);
  if (backTop - head < c.minHeadRise) return { ok: false, reason: 'no head rising above the back' };
  if (Math.min(...middle) < Math.min(backTop, tail) - c.maxBump || backTop < tail - c.maxBump - 1)
    return { ok: false, reason: 'something on the back (a rider?)' };
  // the highest point of a horse seen from the side is its head or ears, at one end; a rider's
  // head is the highest point somewhere over the middle
  let peak = box.x0;
  for (let x = box.x0; x <= box.x1; x++) if (top[x]! < top[peak]! || (top[x] === top[peak] && !headLeft)) peak = x;
  const peakFromHead = (headLeft ? peak - box.x0 : box.x1 - peak) / bw;
  if (peakFromHead > c.maxPeakFromHead) return { ok: false, reason: 'something on the back (a rider?)' };
  if (backTop < c.minHeadroom) return { ok: false, reason: 'no room above the back' };
  return { ok: true, back: { mask, box, tailSign: headLeft ? 1 : -1, top, backTop } };
}
