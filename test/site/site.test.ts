// `pegasus site`: the static page loads from the disk (file://, no server), draws with the bundled
// engine, and shows the same pixels as the library draws in Node for the same classes, seed and ψ.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { Rng, setBackend, getBackend } from '../../src/engine/index.js';
import { floatToUint8 } from '../../src/image/index.js';
import { Generator } from '../../src/models/cgan/index.js';
import { loadGenerator, sampleImages } from '../../src/sample/sampler.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { findChromium } from '../../src/report/chromium.js';
import { pegasus } from '../helpers/cli.js';
import { requiresChromium } from '../helpers/requires.js';

describe('static page', { skip: requiresChromium() }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pegasus-site-'));
  let browser: Browser;
  const g = join(tmp, 'g.pgc');
  const site = join(tmp, 'site');
  before(async () => {
    const config = resolveRunConfig('cgan', 'tiny', { classes: ['bird', 'horse', 'pegasus'], pegasi: tmp });
    saveEmaGenerator(g, config, new Generator(config.cgan, new Rng(6)).stateDict(), 9);
    browser = await chromium.launch({ executablePath: findChromium()!, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('pegasus site writes the page; opened from the disk it draws the pegasus class on load and the same pixels as Node', async () => {
    const r = pegasus(['site', '--checkpoint', g, '--out', site]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(site).sort(), ['generator.js', 'index.html', 'pegasus-site.js']);
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (q) => requests.push(q.url()));
    await page.goto(pathToFileURL(join(site, 'index.html')).href);
    await page.waitForFunction(() => /drawn here/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60_000 });
    assert.deepEqual(errors, []);
    assert.ok(
      requests.every((u) => u.startsWith('file:')),
      `only the page's own files are read: ${requests.join(', ')}`,
    );
    const sliders = await page.$$eval('#sliders input', (els) => els.map((e) => (e as HTMLInputElement).value));
    assert.deepEqual(sliders, ['0', '0', '1'], 'the page opens on the pegasus class');
    assert.equal(await page.isHidden('button[data-mix="horse:0.6,airplane:0.4"]'), true, 'a mix of classes the model lacks is hidden');

    // 0.3·bird + 0.7·horse, 4 images, seed 7, ψ 0.8: the canvas against the library's sampleImages
    const shown = await page.evaluate(() => {
      const site = (globalThis as unknown as { pegasusSite: { draw(r: object): { width: number; height: number } } }).pegasusSite;
      const { width, height } = site.draw({ weights: [0.3, 0.7, 0], n: 4, seed: 7, truncation: 0.8 });
      const data = (document.getElementById('canvas') as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, width, height).data;
      return { width, height, data: Array.from(data) };
    });
    assert.deepEqual([shown.width, shown.height], [64, 64]);
    // loaded as `pegasus site` loads it (standing statistics on the default backend), drawn on js as the page draws
    const loaded = loadGenerator(g);
    const before = getBackend().name;
    setBackend('js');
    let expected: Uint8Array;
    try {
      const images = sampleImages(
        loaded,
        [
          { name: 'bird', weight: 0.3 },
          { name: 'horse', weight: 0.7 },
        ],
        4,
        7,
        0.8,
      );
      expected = floatToUint8(images.data);
    } finally {
      setBackend(before);
    }
    let differ = 0;
    for (let i = 0; i < 4; i++) {
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < 32; y++) {
          for (let x = 0; x < 32; x++) {
            const px = shown.data[((Math.floor(i / 2) * 32 + y) * 64 + (i % 2) * 32 + x) * 4 + c]!;
            if (px !== expected[i * 3072 + c * 1024 + y * 32 + x]) differ++;
          }
        }
      }
    }
    assert.equal(differ, 0, `${differ} of ${4 * 3072} values differ from Node's`);
    await page.close();
  });

  test('refused in one line: a generator that is not class-conditional, an --out that is a file', () => {
    const bad = pegasus(['site', '--checkpoint', 'models/classifier/classifier.pgc', '--out', join(tmp, 'x')]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /not a GAN generator/);
    const file = pegasus(['site', '--checkpoint', g, '--out', join(site, 'index.html')]);
    assert.match(file.stderr, /is a file, not a folder/);
  });
});
