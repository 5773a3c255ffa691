/**
 * The static page's script (bundled for browsers by site.ts): it reads the generator that the page
 * carries (base64 safetensors in `window.PEGASUS_GENERATOR`, so that the page also works opened
 * from a file), rebuilds it with the engine's js backend, and draws classes, mixtures and the
 * pegasus class on the visitor's machine: the same code and the same numbers as `pegasus sample`.
 */
import { floatToUint8 } from '../image/image.js';
import { Rng } from '../engine/index.js';
import { Generator, type CganConfig } from '../models/cgan/index.js';
import { decodeSafetensors } from '../nn/safetensors.js';

/** What one drawing asks for. */
export interface DrawRequest {
  /** Weight per class, in the model's class order. */
  readonly weights: readonly number[];
  readonly n: number;
  readonly seed: number;
  /** Truncation ψ (Infinity: none). */
  readonly truncation: number;
}

/** The generator and its class names, from the safetensors bytes that `pegasus site` embeds. */
export function loadSiteGenerator(bytes: Uint8Array): { generator: Generator; classes: string[] } {
  const { tensors, metadata } = decodeSafetensors(bytes, 'the page generator');
  const config = JSON.parse(metadata['pegasus.cgan'] ?? 'null') as CganConfig | null;
  const classes = (metadata['pegasus.classes'] ?? '').split(',');
  if (config === null) throw new Error('the page generator carries no pegasus.cgan metadata');
  const generator = new Generator(config, new Rng(0));
  generator.loadStateDict(tensors);
  generator.eval();
  return { generator, classes };
}

/**
 * n images as RGBA rows of a grid `cols` images wide (32 px each, no gaps): what the canvas shows.
 * Drawn by `Generator.drawMixture`, as `sampleImages` draws, so a seed gives the CLI's images.
 */
export function drawGrid(
  g: Generator,
  r: DrawRequest,
  cols: number,
): { rgba: Uint8ClampedArray<ArrayBuffer>; width: number; height: number } {
  const k = g.config.numClasses;
  if (r.weights.length !== k) throw new Error(`drawGrid: ${r.weights.length} weights for ${k} classes`);
  const images = g.drawMixture(r.weights, r.n, r.seed, r.truncation);
  const px = floatToUint8(images.data);
  const rows = Math.ceil(r.n / cols);
  const width = cols * 32;
  const height = rows * 32;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < r.n; i++) {
    const ox = (i % cols) * 32;
    const oy = Math.floor(i / cols) * 32;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const o = ((oy + y) * width + ox + x) * 4;
        for (let c = 0; c < 3; c++) rgba[o + c] = px[i * 3072 + c * 1024 + y * 32 + x]!;
        rgba[o + 3] = 255;
      }
    }
  }
  images.dispose();
  return { rgba, width, height };
}

function base64Bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

interface PageWindow {
  PEGASUS_GENERATOR?: string;
  pegasusSite?: { classes: string[]; draw(r: DrawRequest): { width: number; height: number; ms: number } };
}

/** Wires the page's controls (see page.ts) to the generator. */
function startPage(): void {
  const w = globalThis as unknown as PageWindow;
  const status = document.getElementById('status')!;
  if (w.PEGASUS_GENERATOR === undefined) {
    status.textContent = 'generator.js did not load: keep it beside index.html';
    return;
  }
  const { generator, classes } = loadSiteGenerator(base64Bytes(w.PEGASUS_GENERATOR));
  const canvas = document.getElementById('canvas') as HTMLCanvasElement;
  const sliders = document.getElementById('sliders')!;
  const inputs = classes.map((name) => {
    const label = document.createElement('label');
    label.innerHTML = `<span>${name}</span><input type="range" min="0" max="1" step="0.05" value="0"><output>0</output>`;
    sliders.append(label);
    return label.querySelector('input')!;
  });
  const value = (id: string) => (document.getElementById(id) as HTMLInputElement).value;
  const draw = (r: DrawRequest) => {
    const t0 = performance.now();
    const cols = r.n === 1 ? 1 : Math.min(8, Math.ceil(Math.sqrt(r.n)));
    const { rgba, width, height } = drawGrid(generator, r, cols);
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
    const ms = performance.now() - t0;
    status.textContent = `${r.n} image${r.n === 1 ? '' : 's'}, seed ${r.seed}, drawn here in ${(ms / 1000).toFixed(2)} s`;
    return { width, height, ms };
  };
  const fromControls = (): DrawRequest => {
    const psi = Number(value('truncation'));
    return {
      weights: inputs.map((i) => Number(i.value)),
      n: Number(value('count')),
      seed: Math.max(0, Math.floor(Number(value('seed')) || 0)),
      truncation: psi >= 2 ? Infinity : psi,
    };
  };
  const redraw = () => {
    inputs.forEach((i) => (i.nextElementSibling!.textContent = Number(i.value).toFixed(2)));
    (document.getElementById('truncation')!.nextElementSibling as HTMLElement).textContent =
      Number(value('truncation')) >= 2 ? 'off' : Number(value('truncation')).toFixed(2);
    const r = fromControls();
    if (r.weights.every((x) => x === 0)) status.textContent = 'give some class a weight';
    else draw(r);
  };
  const preset = (weights: Record<string, number>) => {
    inputs.forEach((i, j) => (i.value = String(weights[classes[j]!] ?? 0)));
    redraw();
  };
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-mix]'))) {
    const mix = Object.fromEntries(b.dataset['mix']!.split(',').map((p) => [p.split(':')[0]!, Number(p.split(':')[1])]));
    if (Object.keys(mix).some((name) => !classes.includes(name))) b.hidden = true;
    b.addEventListener('click', () => preset(mix));
  }
  document.getElementById('reseed')!.addEventListener('click', () => {
    (document.getElementById('seed') as HTMLInputElement).value = String(Math.floor(Math.random() * 1e6));
    redraw();
  });
  for (const el of Array.from(document.querySelectorAll('input, select'))) el.addEventListener('change', redraw);
  w.pegasusSite = { classes, draw };
  preset(classes.includes('pegasus') ? { pegasus: 1 } : { [classes[0]!]: 1 });
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', startPage);
  else startPage();
}
