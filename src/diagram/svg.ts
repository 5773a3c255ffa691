/**
 * Draws a diagram graph (graph.ts) as a standalone SVG, by hand: a small fixed layout reads better
 * here than a general graph-layout library would, and costs no dependency.
 *
 * Layout: every node has its own row, in the order the forward pass reached it. The data path
 * runs down the main column; conditioning inputs (class, noise level) and the layers that embed
 * them sit in a column on the left and reach the blocks they condition through vertical "buses";
 * connections that jump over blocks (U-Net skips, the projection discriminator's inner product)
 * run in lanes on the right. Residual shortcuts inside a block are drawn as a bypass line with ⊕.
 * Every node and edge carries data-* attributes (title, shape, parameters, label) for tests, and the
 * root lists the heights between rows where the picture can be split into pages (`data-cuts`).
 */
import { formatCount } from './describe.js';
import type { DiagramEdge, DiagramGraph, DiagramNode } from './graph.js';

const FONT = 'Helvetica, Arial, sans-serif';
const MAIN_W = 430; // width of a box in the main column
const COND_W = 210; // width of a box in the conditioning column
const COND_X = 20; // left edge of the conditioning column
const BUS_GAP = 120; // room between the two columns for the conditioning buses
const ROW_GAP = 30; // vertical room between rows (edge labels sit there)
const LINE_H = 14; // text line height inside boxes
const CHAR_W = 6.1; // average width of a character at 11 px (for wrapping)
const TOP = 70; // room for the title

const COLORS = {
  input: '#eeeeee',
  condition: '#efe4fb',
  block: '#dcedf9',
  composite: '#dff3e2',
  output: '#fdf0d5',
  stroke: '#555555',
  cond: '#7b4bb3',
  skip: '#c0392b',
  residual: '#2e7d32',
};

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Splits text into lines of at most `width` characters, breaking after " → " (else after spaces). */
export function wrap(text: string, width: number): string[] {
  const words = text.includes(' → ') ? text.split(/(?<= → )/) : text.split(/(?<= )/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line.length + w.length > width && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = '';
    }
    line += w;
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

interface Box {
  readonly node: DiagramNode;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly row: number;
  readonly lines: readonly { text: string; cls: string }[];
}

function boxLines(n: DiagramNode, w: number): { text: string; cls: string }[] {
  const chars = Math.floor((w - (n.residual ? 44 : 20)) / CHAR_W);
  const out: { text: string; cls: string }[] = [{ text: n.title, cls: 'title' }];
  if (n.kind === 'block') {
    if (n.inner) for (const l of wrap(n.inner, chars)) out.push({ text: l, cls: 'inner' });
    for (const d of n.details) for (const l of wrap(d, chars + 6)) out.push({ text: l, cls: 'detail' });
    if (n.residual) for (const l of wrap(`⊕ residual: ${n.residual}`, chars)) out.push({ text: l, cls: 'residual' });
    const ch = n.outShape.split(', ').length === 4 ? ` · ${n.outShape.split(', ')[1]} ch` : '';
    out.push({ text: `out ${n.outShape}${ch} · ${formatCount(n.params)} params`, cls: 'foot' });
  } else {
    if (n.subtitle) out.push({ text: n.subtitle, cls: 'inner' });
    out.push({ text: n.outShape, cls: 'foot' });
  }
  return out;
}

/** Rows in execution order, each input placed just before the first block that reads it. */
function orderNodes(g: DiagramGraph): DiagramNode[] {
  const inputs = g.nodes.filter((n) => n.kind === 'input');
  const placed = new Set<string>();
  const order: DiagramNode[] = [];
  for (const n of g.nodes) {
    if (n.kind === 'input') continue;
    for (const i of inputs) {
      if (!placed.has(i.id) && g.edges.some((e) => e.from === i.id && e.to === n.id)) {
        order.push(i);
        placed.add(i.id);
      }
    }
    order.push(n);
  }
  for (const i of inputs) if (!placed.has(i.id)) order.unshift(i);
  return order;
}

/** Lane per interval, nested: shorter spans get inner lanes, overlapping spans different ones. */
function assignLanes(spans: readonly { lo: number; hi: number }[]): number[] {
  const lanes = new Array<number>(spans.length).fill(0);
  const order = spans.map((_, i) => i).sort((a, b) => spans[a]!.hi - spans[a]!.lo - (spans[b]!.hi - spans[b]!.lo));
  const done: number[] = [];
  for (const i of order) {
    const s = spans[i]!;
    let lane = 0;
    for (const j of done) if (spans[j]!.lo < s.hi && s.lo < spans[j]!.hi) lane = Math.max(lane, lanes[j]! + 1);
    lanes[i] = lane;
    done.push(i);
  }
  return lanes;
}

const arrowHead = (x: number, y: number, dir: 'down' | 'right' | 'left', color: string): string => {
  const p =
    dir === 'down'
      ? `${x},${y} ${x - 4},${y - 8} ${x + 4},${y - 8}`
      : dir === 'right'
        ? `${x},${y} ${x - 8},${y - 4} ${x - 8},${y + 4}`
        : `${x},${y} ${x + 8},${y - 4} ${x + 8},${y + 4}`;
  return `<polygon points="${p}" fill="${color}"/>`;
};

const edgeAttrs = (e: DiagramEdge, kind: string) =>
  `class="edge ${kind}" data-from="${esc(e.from)}" data-to="${esc(e.to)}" data-label="${esc(e.label)}"`;

/**
 * Renders the graph as an SVG document.
 *
 * @example writeFileSync('arch.svg', renderSvg(buildGraph(net, traceModel(net, inputs, call), { title })));
 */
export function renderSvg(g: DiagramGraph): string {
  const order = orderNodes(g);
  // Without conditioning inputs (DCGAN, the classifier) the main column moves to the left edge.
  const mainX = order.some((n) => n.role === 'condition') ? COND_X + COND_W + BUS_GAP : COND_X;
  const boxes = new Map<string, Box>();
  let y = TOP;
  order.forEach((n, row) => {
    const cond = n.role === 'condition';
    const w = cond ? COND_W : MAIN_W;
    const lines = boxLines(n, w);
    const h = 12 + lines.length * LINE_H;
    boxes.set(n.id, { node: n, x: cond ? COND_X : mainX, y, w, h, row, lines });
    y += h + ROW_GAP;
  });
  // Where the picture may be cut into pages without cutting a box: the middle of each row gap.
  const cuts = [...boxes.values()].slice(1).map((b) => b.y - ROW_GAP / 2);
  const box = (id: string) => boxes.get(id)!;
  const parts: string[] = [];
  const under: string[] = []; // lines drawn below the boxes

  // Main → main edges: straight down when adjacent in the main column, else a lane on the right.
  const mainRows = order.filter((n) => n.role === 'main').map((n) => n.id);
  const skips: DiagramEdge[] = [];
  for (const e of g.edges) {
    const a = box(e.from);
    const b = box(e.to);
    if (a.node.role !== 'main' || b.node.role !== 'main') continue;
    if (mainRows.indexOf(e.to) === mainRows.indexOf(e.from) + 1) {
      const cx = a.x + a.w / 2;
      const y1 = a.y + a.h;
      under.push(
        `<g ${edgeAttrs(e, 'data')}><line x1="${cx}" y1="${y1}" x2="${cx}" y2="${b.y - 1}" stroke="${COLORS.stroke}" stroke-width="1.4"/>` +
          `${arrowHead(cx, b.y, 'down', COLORS.stroke)}<text x="${cx + 8}" y="${(y1 + b.y) / 2 + 4}" class="elabel">${esc(e.label)}</text></g>`,
      );
    } else skips.push(e);
  }
  const skipLanes = assignLanes(skips.map((e) => ({ lo: box(e.from).row, hi: box(e.to).row })));
  let maxRight = mainX + MAIN_W;
  skips.forEach((e, i) => {
    const a = box(e.from);
    const b = box(e.to);
    const lx = mainX + MAIN_W + 40 + skipLanes[i]! * 18;
    maxRight = Math.max(maxRight, lx + 10);
    const y1 = a.y + a.h - 8;
    const y2 = b.y + 10;
    const d = `M${a.x + a.w},${y1} H${lx} V${y2} H${b.x + b.w + 8}`;
    const mid = (y1 + y2) / 2;
    under.push(
      `<g ${edgeAttrs(e, 'skip')}><path d="${d}" fill="none" stroke="${COLORS.skip}" stroke-width="1.3"/>` +
        `${arrowHead(b.x + b.w, y2, 'left', COLORS.skip)}` +
        `<text transform="translate(${lx - 4},${mid}) rotate(-90)" text-anchor="middle" class="elabel skiplabel">${esc(e.label)}</text></g>`,
    );
  });

  // Conditioning: within the column straight down; into the main column through shared buses.
  const buses = new Map<string, { sources: string[]; targets: string[]; label: string; edges: DiagramEdge[] }>();
  const condTargets = (id: string) =>
    g.edges
      .filter((e) => e.from === id && box(e.to).node.role === 'main')
      .map((e) => e.to)
      .join(',');
  for (const e of g.edges) {
    const a = box(e.from);
    const b = box(e.to);
    if (a.node.role !== 'condition') continue;
    if (b.node.role === 'condition') {
      const cx = a.x + a.w / 2;
      under.push(
        `<g ${edgeAttrs(e, 'condition')}><line x1="${cx}" y1="${a.y + a.h}" x2="${cx}" y2="${b.y - 1}" stroke="${COLORS.cond}" stroke-width="1.4"/>` +
          `${arrowHead(cx, b.y, 'down', COLORS.cond)}<text x="${cx + 8}" y="${(a.y + a.h + b.y) / 2 + 4}" class="elabel">${esc(e.label)}</text></g>`,
      );
      continue;
    }
    const key = `${condTargets(e.from)}|${e.label}`;
    const bus = buses.get(key) ?? { sources: [], targets: [], label: e.label, edges: [] };
    if (!bus.sources.includes(e.from)) bus.sources.push(e.from);
    if (!bus.targets.includes(e.to)) bus.targets.push(e.to);
    bus.edges.push(e);
    buses.set(key, bus);
  }
  const busList = [...buses.values()];
  const busLanes = assignLanes(
    busList.map((b) => ({ lo: Math.min(...b.sources.map((s) => box(s).row)), hi: Math.max(...b.targets.map((t) => box(t).row)) })),
  );
  busList.forEach((bus, i) => {
    const lx = mainX - 24 - busLanes[i]! * 22;
    const srcY = bus.sources.map((s) => box(s).y + box(s).h / 2);
    const tgtY = bus.targets.map((t) => box(t).y + 12);
    const top = Math.min(...srcY);
    const bottom = Math.max(...tgtY);
    const segs: string[] = [];
    for (const s of bus.sources) segs.push(`M${box(s).x + box(s).w},${box(s).y + box(s).h / 2} H${lx}`);
    segs.push(`M${lx},${top} V${bottom}`);
    for (const t of bus.targets) segs.push(`M${lx},${box(t).y + 12} H${mainX - 8}`);
    const heads = bus.targets.map((t) => arrowHead(mainX, box(t).y + 12, 'right', COLORS.cond)).join('');
    const join = bus.sources.length > 1 ? `<circle cx="${lx}" cy="${Math.max(...srcY)}" r="3.5" fill="${COLORS.cond}"/>` : '';
    const attrs = bus.edges.map((e) => `${e.from}>${e.to}`).join(' ');
    under.push(
      `<g class="edge condition bus" data-edges="${esc(attrs)}" data-label="${esc(bus.label)}"><path d="${segs.join(' ')}" fill="none" stroke="${COLORS.cond}" stroke-width="1.3"/>${heads}${join}` +
        (bottom - Math.max(...srcY) > bus.label.length * 6 + 24
          ? `<text transform="translate(${lx - 4},${(Math.max(...srcY) + bottom) / 2}) rotate(-90)" text-anchor="middle" class="elabel condlabel">${esc(bus.label)}</text>`
          : `<text x="${COND_X + COND_W + 6}" y="${Math.max(...srcY) - 5}" class="elabel condlabel">${esc(bus.label)}</text>`) +
        '</g>',
    );
  });

  for (const b of boxes.values()) parts.push(drawBox(b));

  const width = Math.max(maxRight + 30, 720); // at least the legend's width
  const height = y + 60;
  const blockSum = g.nodes.reduce((s, n) => s + n.params, 0);
  const legendY = y + 10;
  const notes = g.notes.map((t, i) => `<text x="${COND_X}" y="${legendY + 34 + i * 14}" class="note">${esc(`NOTE: ${t}`)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + g.notes.length * 14}" viewBox="0 0 ${width} ${height + g.notes.length * 14}" font-family="${FONT}" font-size="11" data-cuts="${cuts.join(',')}">`,
    `<style>.title{font-weight:bold;font-size:12px}.sub{fill:#666;font-size:10px}.inner{fill:#222}.residual{fill:${COLORS.residual}}.foot{fill:#444;font-size:10.5px}.detail{fill:#555;font-size:10px}` +
      `.elabel{fill:#333;font-size:10px}.skiplabel{fill:${COLORS.skip}}.condlabel{fill:${COLORS.cond}}.note{fill:#666;font-size:10px}.legend{font-size:10.5px}</style>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${COND_X}" y="28" font-size="16" font-weight="bold" class="diagram-title">${esc(g.title)}</text>`,
    `<text x="${COND_X}" y="48" class="totals" data-total="${g.totalParams}">${esc(`${formatCount(g.totalParams)} parameters in total (${formatCount(blockSum)} in the blocks drawn); N = batch size`)}</text>`,
    ...under,
    ...parts,
    `<g class="legend" transform="translate(${COND_X},${legendY})">` +
      `<line x1="0" y1="10" x2="26" y2="10" stroke="${COLORS.stroke}" stroke-width="1.4"/><text x="32" y="14" class="legend">data flow (label: ops on the way → shape)</text>` +
      `<line x1="250" y1="10" x2="276" y2="10" stroke="${COLORS.cond}" stroke-width="1.4"/><text x="282" y="14" class="legend">conditioning</text>` +
      `<line x1="370" y1="10" x2="396" y2="10" stroke="${COLORS.skip}" stroke-width="1.4"/><text x="402" y="14" class="legend">skip connection</text>` +
      `<text x="510" y="14" class="legend" fill="${COLORS.residual}">⊕ residual shortcut inside a block</text></g>`,
    ...notes,
    '</svg>',
    '',
  ].join('\n');
}

function drawBox(b: Box): string {
  const n = b.node;
  const fill =
    n.kind === 'input'
      ? n.role === 'condition'
        ? COLORS.condition
        : COLORS.input
      : n.kind === 'output'
        ? COLORS.output
        : n.role === 'condition'
          ? COLORS.condition
          : n.inner
            ? COLORS.composite
            : COLORS.block;
  const rx = n.kind === 'block' ? 5 : 16;
  const out = [
    `<g class="node ${n.kind}" data-id="${esc(n.id)}" data-role="${n.role}" data-title="${esc(n.title)}" data-path="${esc(n.kind === 'block' ? n.subtitle : '')}" data-shape="${esc(n.outShape)}" data-params="${n.params}"${n.residual ? ` data-residual="${esc(n.residual)}"` : ''}>`,
    `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="${rx}" fill="${fill}" stroke="${COLORS.stroke}"/>`,
  ];
  b.lines.forEach((l, i) => {
    const ty = b.y + 17 + i * LINE_H;
    out.push(`<text x="${b.x + 10}" y="${ty}" class="${l.cls}">${esc(l.text)}</text>`);
    if (i === 0 && n.kind === 'block')
      out.push(`<text x="${b.x + b.w - 8}" y="${ty}" text-anchor="end" class="sub">${esc(n.subtitle)}</text>`);
  });
  if (n.residual) {
    const rx2 = b.x + b.w - 16;
    out.push(
      `<path d="M${rx2},${b.y + 22} V${b.y + b.h - 16}" stroke="${COLORS.residual}" stroke-width="1.5" fill="none"/>` +
        `<circle cx="${rx2}" cy="${b.y + b.h - 10}" r="6" fill="white" stroke="${COLORS.residual}"/>` +
        `<text x="${rx2}" y="${b.y + b.h - 6.5}" text-anchor="middle" fill="${COLORS.residual}" font-size="11" font-weight="bold">+</text>`,
    );
  }
  out.push('</g>');
  return out.join('');
}
