/**
 * A hand-written SVG line plot of the losses in a metrics log: one panel, step on x, one line per
 * series, a legend, axis ticks. Small on purpose: a plotting library would outweigh the plot.
 */
import type { MetricsLine } from './runFolder.js';

export interface PlotOptions {
  readonly width?: number; // SVG width in pixels
  readonly height?: number; // SVG height in pixels
  readonly series?: readonly (keyof MetricsLine)[]; // which fields to draw; default lossD, lossG
  readonly title?: string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

/** "Nice" tick values (1, 2, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Renders the chosen series of `metrics` against `step` as an SVG document.
 *
 * @example writeFileSync('losses.svg', plotLosses(readMetrics('runs/a/metrics.jsonl')));
 */
export function plotLosses(metrics: readonly MetricsLine[], opts: PlotOptions = {}): string {
  const { width = 720, height = 400, series = ['lossD', 'lossG'], title = 'losses' } = opts;
  const m = { left: 60, right: 20, top: 36, bottom: 44 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const xs = metrics.map((l) => l.step);
  const ys = metrics.flatMap((l) => series.map((k) => l[k]).filter(finite));
  // x from the first logged step (a run started from another's checkpoint begins far from 0)
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1);
  let yMin = Math.min(...ys, 0);
  let yMax = Math.max(...ys, 1);
  if (yMax === yMin) yMax = yMin + 1;
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const sx = (x: number): number => m.left + ((x - xMin) / (xMax - xMin || 1)) * pw;
  const sy = (y: number): number => m.top + (1 - (y - yMin) / (yMax - yMin)) * ph;
  const f = (v: number): string => v.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
  ];
  for (const t of niceTicks(xMin, xMax)) {
    parts.push(`<line x1="${f(sx(t))}" y1="${m.top + ph}" x2="${f(sx(t))}" y2="${m.top + ph + 5}" stroke="#888"/>`);
    parts.push(`<text x="${f(sx(t))}" y="${m.top + ph + 18}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(`<line x1="${m.left}" y1="${f(sy(t))}" x2="${m.left + pw}" y2="${f(sy(t))}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 8}" text-anchor="middle">step</text>`);
  series.forEach((key, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = metrics.filter((l) => finite(l[key])).map((l) => `${f(sx(l.step))},${f(sy(l[key] as number))}`);
    if (pts.length > 0) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    }
    const ly = m.top + 14 + i * 16;
    parts.push(
      `<line x1="${m.left + pw - 90}" y1="${ly - 4}" x2="${m.left + pw - 70}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${m.left + pw - 64}" y="${ly}">${esc(String(key))}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
