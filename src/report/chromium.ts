/**
 * Headless Chromium as a renderer: SVG → PNG screenshots and HTML → PDF printing.
 *
 * Why Chromium: it lays out HTML, SVG and print CSS exactly as a browser shows them, so the report
 * and the diagrams need no layout engine of our own; Debian ships it (`apt-get install chromium`).
 * Each call runs a fresh browser with its own throw-away profile folder, so concurrent calls (tests,
 * two helpers) never fight over a profile lock.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium executable: $PEGASUS_CHROMIUM, else the first of the usual names on PATH; null if none. */
export function findChromium(): string | null {
  const fromEnv = process.env['PEGASUS_CHROMIUM'];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of CANDIDATES) {
      const p = join(dir, name);
      if (dir !== '' && existsSync(p)) return p;
    }
  }
  return null;
}

function requireChromium(): string {
  const exe = findChromium();
  if (exe === null) {
    throw new UserError('headless Chromium was not found; install it (apt-get install chromium) or set PEGASUS_CHROMIUM to its path');
  }
  return exe;
}

/** Runs Chromium headless on `url` with extra flags; throws with its last output lines on failure. */
function runHeadless(flags: readonly string[], url: string, timeoutMs: number): void {
  const exe = requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'pegasus-chromium-'));
  try {
    const r = spawnSync(
      exe,
      [
        '--headless',
        '--no-sandbox', // NOTE: needed when running as root (containers, CI); the pages are our own files
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        ...flags,
        url,
      ],
      { encoding: 'utf8', timeout: timeoutMs },
    );
    if (r.error || r.status !== 0) {
      const tail = `${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
      throw new UserError(`chromium failed (${r.error?.message ?? `exit ${r.status}`}): ${tail}`);
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The width and height an SVG document declares (its root element's width/height attributes). */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\bwidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\bheight="([\d.]+)"/.exec(root)?.[1]);
  if (!(width > 0 && height > 0)) throw new Error('svgSize: the <svg> element has no numeric width and height');
  return { width: Math.ceil(width), height: Math.ceil(height) };
}

/**
 * Screenshots an SVG file into a PNG of the SVG's own size.
 *
 * @example svgFileToPng('docs/arch-generator.svg', 'docs/arch-generator.png', 1100, 1500);
 */
export function svgFileToPng(svgPath: string, pngPath: string, width: number, height: number, timeoutMs = 120_000): void {
  runHeadless(
    [`--screenshot=${resolve(pngPath)}`, `--window-size=${width},${height}`, '--default-background-color=ffffffff'],
    pathToFileURL(resolve(svgPath)).href,
    timeoutMs,
  );
  if (!existsSync(pngPath) || statSync(pngPath).size === 0) throw new UserError(`chromium wrote no screenshot to ${pngPath}`);
}

/**
 * Prints an HTML file to PDF (A4 unless the page's CSS says otherwise), without Chromium's
 * date/URL header and footer.
 */
export function htmlFileToPdf(htmlPath: string, pdfPath: string, timeoutMs = 180_000): void {
  runHeadless(
    [
      `--print-to-pdf=${resolve(pdfPath)}`,
      '--no-pdf-header-footer',
      '--run-all-compositor-stages-before-draw',
      '--virtual-time-budget=10000',
    ],
    pathToFileURL(resolve(htmlPath)).href,
    timeoutMs,
  );
  if (!existsSync(pdfPath) || statSync(pdfPath).size === 0) throw new UserError(`chromium wrote no PDF to ${pdfPath}`);
}

/** Pages in a PDF file's bytes: its `/Type /Page` objects (not `/Pages`). */
export function countPdfPages(pdf: Uint8Array): number {
  const text = Buffer.from(pdf).toString('latin1');
  return (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}
