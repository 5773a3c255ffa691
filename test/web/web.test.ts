// `pegasus serve` on a tiny GAN, a tiny untrained classifier and a CIFAR-10 fixture folder:
// the JSON API (images match `pegasus sample`, bad input gets a 400 with a reason, neighbours are
// the true nearest training images), the CLI, and the page end to end in headless Chromium.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadCifar10 } from '../../src/data/index.js';
import { Rng } from '../../src/engine/index.js';
import { decodePng, filled, floatToUint8, readPng, writePng } from '../../src/image/index.js';
import { defaultClassifierConfig, ResNet9, saveClassifier } from '../../src/models/classifier/index.js';
import { loadGenerator, sampleImages } from '../../src/sample/sampler.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { trainRun } from '../../src/train/gan.js';
import { UserError } from '../../src/errors.js';
import { findChromium } from '../../src/report/chromium.js';
import { startCompute, type Compute } from '../../src/web/compute.js';
import { buildServer, hostAllowed } from '../../src/web/server.js';
import { writeCifarFixture, type Fixture } from '../helpers/cifarFixture.js';
import { cli, pegasus, repo } from '../helpers/cli.js';
import { requiresChromium } from '../helpers/requires.js';

interface Rendered {
  settings: { weights: Record<string, number>; seed: number };
  png: string;
  scores: { probs: Record<string, number>; top: string; match: number | null };
  command: string | null;
}

const pngBytes = (dataUrl: string) => Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');

describe('pegasus serve', () => {
  let fx: Fixture;
  let tmp: string;
  let generator: string;
  let classifier: string;
  let app: FastifyInstance;
  let offApp: FastifyInstance; // no training data, no generate folder
  let compute: Compute;

  before(async () => {
    fx = writeCifarFixture(2); // 20 records per file: 100 training images
    tmp = mkdtempSync(join(tmpdir(), 'pegasus-web-'));
    await trainRun({
      runDir: join(tmp, 'gan'),
      dataDir: fx.dir,
      recordsPerFile: fx.recordsPerFile,
      config: resolveRunConfig('cgan', 'tiny', { steps: 1 }),
      resume: false,
      handleSignals: false,
      progress: false,
    });
    generator = join(tmp, 'gan', 'generator-ema.pgc');
    classifier = join(tmp, 'classifier.pgc');
    saveClassifier(classifier, new ResNet9({ ...defaultClassifierConfig, widths: [4, 4, 8, 8] }, new Rng(1)).eval(), {
      epoch: 0,
      testAccuracy: null,
    });
    compute = await startCompute({
      generator,
      classifier,
      index: { dataDir: fx.dir, recordsPerFile: fx.recordsPerFile, classifier, cacheDir: join(tmp, 'cache') },
    });
    // an output folder shaped like `pegasus generate`'s: two images, and one entry pointing outside
    const out = join(tmp, 'out');
    writePng(join(out, 'batch', '00.png'), filled(3, 32, 32, [200, 30, 30]));
    writePng(join(out, 'batch', '01.png'), filled(3, 32, 32, [30, 200, 30]));
    writePng(join(tmp, 'outside.png'), filled(3, 32, 32, [0, 0, 0]));
    const entries = [
      { file: 'batch/00.png', strategy: 'mix', scores: { pegasus: 0.9 } },
      { file: '../outside.png' },
      { file: 'batch/01.png', strategy: 'mix' },
    ];
    writeFileSync(join(out, 'pegasus.json'), JSON.stringify({ best: entries[0], batch: entries }));
    app = buildServer({ compute, savedFolder: out, runsFolder: tmp });
    offApp = buildServer({
      compute: await startCompute({ generator, classifier, offReason: 'no CIFAR-10 data found' }),
      savedFolder: join(tmp, 'nowhere'),
      runsFolder: join(tmp, 'nowhere'),
    });
    assert.equal((await compute.settled()).state, 'ready');
  });
  after(async () => {
    await app.close();
    await offApp.close();
    fx.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const render = async (items: unknown[]) => app.inject({ method: 'POST', url: '/api/render', payload: { items } });

  test('status names the classes read from the checkpoint', async () => {
    const r = await app.inject('/api/status');
    assert.equal(r.statusCode, 200);
    const s = r.json();
    assert.deepEqual(s.model.classes, ['bird', 'horse']);
    assert.equal(s.limits.maxImages, 32);
    assert.equal(s.neighbours.state, 'ready');
    assert.equal(s.neighbours.count, 100);
  });

  test('rendered images are the images `pegasus sample --n 1 --seed s` draws, with scores and the best marked', async () => {
    const items = [0, 1, 2, 3].map((seed) => ({ weights: { horse: 0.7, bird: 0.3 }, seed }));
    const r = await render(items);
    assert.equal(r.statusCode, 200, r.body);
    const { images, best } = r.json() as { images: Rendered[]; best: number };
    assert.equal(images.length, 4);
    const g = loadGenerator(generator);
    for (const [i, im] of images.entries()) {
      const png = decodePng(pngBytes(im.png));
      assert.deepEqual([png.width, png.height, png.channels], [32, 32, 3]);
      const expected = floatToUint8(
        Float32Array.from(
          sampleImages(
            g,
            [
              { name: 'horse', weight: 0.7 },
              { name: 'bird', weight: 0.3 },
            ],
            1,
            i,
          ).data,
        ),
      );
      let worst = 0;
      for (let j = 0; j < expected.length; j++) worst = Math.max(worst, Math.abs(expected[j]! - png.data[j]!));
      assert.ok(worst <= 1, `seed ${i}: differs from pegasus sample by ${worst}/255`);
      assert.match(im.command!, new RegExp(`--class bird:0.3,horse:0.7 --seed ${i} --n 1`));
      const total = Object.values(im.scores.probs).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-4, `probabilities sum to ${total}`);
      assert.equal(Object.keys(im.scores.probs).length, 10);
      assert.ok(Math.abs(im.scores.match! - (im.scores.probs['horse']! + im.scores.probs['bird']!)) < 1e-6);
    }
    const matches = images.map((im) => im.scores.match!);
    assert.equal(best, matches.indexOf(Math.max(...matches)));
    // the same settings give the same image; another mixture gives another one
    const again = (await render([items[2]])).json().images[0] as Rendered;
    assert.equal(again.png, images[2]!.png);
    const other = (await render([{ weights: { horse: -1, bird: 2 }, seed: 2 }])).json().images[0] as Rendered;
    assert.notEqual(other.png, images[2]!.png);
  });

  test('blended noise: t = 0 is the first seed, t = 1 the second', async () => {
    const w = { horse: 1 };
    const r = await render([
      { weights: w, seed: 5 },
      { weights: w, seed: 6 },
      { weights: w, seed: 5, blend: { seed: 6, t: 0 } },
      { weights: w, seed: 5, blend: { seed: 6, t: 1 } },
      { weights: w, seed: 5, blend: { seed: 6, t: 0.5 } },
    ]);
    const [a, b, t0, t1, mid] = (r.json().images as Rendered[]).map((im) => decodePng(pngBytes(im.png)).data);
    const maxDiff = (x: Uint8Array, y: Uint8Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
    assert.equal(maxDiff(a!, t0!), 0);
    assert.ok(maxDiff(b!, t1!) <= 1);
    assert.ok(maxDiff(a!, mid!) > 1 && maxDiff(b!, mid!) > 1);
    assert.equal((r.json().images as Rendered[])[4]!.command, null);
  });

  test('a wing region redraws the image inside its ellipse, reproducibly; its classes count as asked for', async () => {
    const plain = { weights: { horse: 1 }, seed: 7 };
    const winged = { ...plain, region: { weights: { bird: 1 }, cy: 8, cx: 16, ry: 6, rx: 9 } };
    const r = await render([plain, winged, winged]);
    assert.equal(r.statusCode, 200, r.body);
    const images = r.json().images as Rendered[];
    const [a, b, c] = images.map((im) => decodePng(pngBytes(im.png)).data);
    assert.deepEqual(b, c);
    // rows 0–15 hold the ellipse (centre row 8): the change is larger there than below
    const change = (r0: number, r1: number) => {
      let d = 0;
      for (let ch = 0; ch < 3; ch++)
        for (let y = r0; y < r1; y++) for (let x = 0; x < 32; x++) d += Math.abs(a![ch * 1024 + y * 32 + x]! - b![ch * 1024 + y * 32 + x]!);
      return d;
    };
    assert.ok(change(0, 16) > 0, 'the region changes the image');
    assert.ok(change(0, 16) > change(16, 32), `top ${change(0, 16)} vs bottom ${change(16, 32)}`);
    assert.equal(images[1]!.command, null);
    assert.ok(Math.abs(images[1]!.scores.match! - (images[1]!.scores.probs['horse']! + images[1]!.scores.probs['bird']!)) < 1e-6);
  });

  test('bad requests get a 400 whose message names the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ items: [{ weights: { unicorn: 1 }, seed: 0 }] }, /weights has an unknown class "unicorn" \(this model knows bird, horse\)/],
      [{ items: [{ weights: { horse: 9 }, seed: 0 }] }, /weights\/horse must be <= 4/],
      [{ items: [{ weights: { horse: '1' }, seed: 0 }] }, /weights\/horse must be number/],
      [{ items: [{ weights: {}, seed: 1.5 }] }, /seed must be integer/],
      [{ items: [{ weights: {}, seed: -1 }] }, /seed must be >= 0/],
      [{ items: [{ weights: {}, seed: 2 ** 32 }] }, /seed must be <= 4294967295/],
      [{ items: [{ weights: {} }] }, /must have required property 'seed'/],
      [{ items: [{ weights: {}, seed: 0, blend: { seed: 1, t: 2 } }] }, /blend\/t must be <= 1/],
      [{ items: [{ weights: {}, seed: 0, region: { weights: { bird: 1 }, cy: 8, cx: 16, ry: 0, rx: 9 } }] }, /region\/ry must be >= 1/],
      [
        { items: [{ weights: {}, seed: 0, region: { weights: { unicorn: 1 }, cy: 8, cx: 16, ry: 6, rx: 9 } }] },
        /region\/weights has an unknown class "unicorn"/,
      ],
      [{ items: [{ weights: {}, seed: 0, region: { weights: {}, cy: 8 } }] }, /region must have required property 'cx'/],
      [{ items: [] }, /items must NOT have fewer than 1 items/],
      [{ items: Array.from({ length: 33 }, () => ({ weights: {}, seed: 0 })) }, /items must NOT have more than 32 items/],
      [{ items: [{ weights: {}, seed: 0 }], n: 3 }, /unknown field "n"/],
    ];
    for (const [payload, pattern] of cases) {
      const r = await app.inject({ method: 'POST', url: '/api/render', payload: payload as object });
      assert.equal(r.statusCode, 400, JSON.stringify(payload).slice(0, 80));
      assert.match(r.json().message, pattern);
    }
    const k = await app.inject({ method: 'POST', url: '/api/neighbours', payload: { settings: { weights: {}, seed: 0 }, k: 17 } });
    assert.equal(k.statusCode, 400);
    assert.match(k.json().message, /body\/k must be <= 16/);
    const notJson = await app.inject({
      method: 'POST',
      url: '/api/render',
      headers: { 'content-type': 'application/json' },
      payload: '{items',
    });
    assert.equal(notJson.statusCode, 400);
  });

  test('neighbours are the nearest training images by pixels (checked by brute force) and by features', async () => {
    const settings = { weights: { bird: 1 }, seed: 7 };
    const r = await app.inject({ method: 'POST', url: '/api/neighbours', payload: { settings, k: 5 } });
    assert.equal(r.statusCode, 200, r.body);
    const { image, neighbours } = r.json() as {
      image: Rendered;
      neighbours: { pixel: { index: number; label: string; distance: number; png: string }[]; feature: { distance: number }[] };
    };
    assert.equal(neighbours.pixel.length, 5);
    assert.equal(neighbours.feature.length, 5);
    // brute force over the 100 fixture training images, from the float image
    const g = loadGenerator(generator);
    const x = sampleImages(g, [{ name: 'bird', weight: 1 }], 1, 7).data;
    const train = loadCifar10({ dir: fx.dir, split: 'train', recordsPerFile: fx.recordsPerFile });
    const d = Array.from({ length: train.count }, (_, j) => {
      let s = 0;
      for (let c = 0; c < 3072; c++) s += (x[c]! - (train.images[j * 3072 + c]! / 127.5 - 1)) ** 2;
      return [Math.sqrt(s), j] as const;
    }).sort((p, q) => p[0] - q[0]);
    neighbours.pixel.forEach((n, t) => {
      assert.ok(Math.abs(n.distance - d[t]![0]) < 1e-3 * d[t]![0], `neighbour ${t}: ${n.distance} vs ${d[t]![0]}`);
      assert.equal(n.label, train.classNames[train.labels[n.index]!]);
      assert.deepEqual(decodePng(pngBytes(n.png)).data, train.images.subarray(n.index * 3072, (n.index + 1) * 3072));
    });
    for (let t = 1; t < 5; t++) assert.ok(neighbours.feature[t]!.distance >= neighbours.feature[t - 1]!.distance);
    assert.equal(image.settings.seed, 7);
  });

  test('the compute worker turns requests away (busy) instead of queueing without bound', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        compute.render([{ weights: {}, seed: 0 }]).then(
          () => 'ok',
          (e: Error) => e.message,
        ),
      ),
    );
    assert.equal(results.filter((r) => r === 'ok').length, 16);
    assert.match(results[16]!, /the server is busy \(16 requests waiting\)/);
    assert.equal((await compute.render([{ weights: {}, seed: 0 }])).images.length, 1);
  });

  test('without training data the neighbour search says why (503) and the rest works', async () => {
    const r = await offApp.inject({ method: 'POST', url: '/api/neighbours', payload: { settings: { weights: { horse: 1 }, seed: 0 } } });
    assert.equal(r.statusCode, 503);
    assert.match(r.json().message, /nearest training images are off: no CIFAR-10 data found/);
    assert.equal((await offApp.inject('/api/status')).json().neighbours.state, 'off');
    assert.equal(
      (await offApp.inject({ method: 'POST', url: '/api/render', payload: { items: [{ weights: {}, seed: 0 }] } })).statusCode,
      200,
    );
  });

  test("pegasus generate's chosen images are listed from its folder (only PNGs inside it)", async () => {
    const r = (await app.inject('/api/saved')).json() as { images: { file: string; png: string; entry: { strategy?: string } }[] };
    assert.deepEqual(
      r.images.map((im) => im.file),
      ['batch/00.png', 'batch/01.png'],
    );
    assert.equal(r.images[0]!.entry.strategy, 'mix');
    assert.deepEqual(Array.from(decodePng(pngBytes(r.images[1]!.png)).data.subarray(0, 3)), [30, 30, 30]);
    assert.deepEqual((await offApp.inject('/api/saved')).json().images, []);
  });

  test('/api/saved does not follow a symbolic link out of its folder', async () => {
    const out = join(tmp, 'out-links');
    writePng(join(out, 'batch', '00.png'), filled(3, 32, 32, [200, 30, 30]));
    symlinkSync(join(tmp, 'outside.png'), join(out, 'host.png'));
    symlinkSync(join(out, 'batch', '00.png'), join(out, 'inside.png'));
    writeFileSync(
      join(out, 'pegasus.json'),
      JSON.stringify({ batch: [{ file: 'batch/00.png' }, { file: 'host.png' }, { file: 'inside.png' }] }),
    );
    const linked = buildServer({ compute: await startCompute({ generator, classifier, offReason: 'test' }), savedFolder: out });
    try {
      const r = (await linked.inject('/api/saved')).json() as { images: { file: string }[] };
      assert.deepEqual(
        r.images.map((im) => im.file),
        ['batch/00.png', 'inside.png'],
      );
    } finally {
      await linked.close();
    }
  });

  test('requests naming another host are refused (DNS rebinding); localhost and the --host given are served', async () => {
    const status = (host: string) => app.inject({ url: '/api/status', headers: { host } }).then((r) => r.statusCode);
    assert.equal(await status('evil.example:8080'), 403);
    assert.match(
      (await app.inject({ url: '/', headers: { host: 'evil.example' } })).json().message,
      /Host "evil.example" is not this server/,
    );
    for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'localhost']) assert.equal(await status(host), 200, host);
    assert.equal(hostAllowed('studio.lan:8080', 'studio.lan'), true);
    assert.equal(hostAllowed('192.168.1.5:8080', '0.0.0.0'), true);
    assert.equal(hostAllowed('192.168.1.5:8080', '127.0.0.1'), false);
    assert.equal(hostAllowed('attacker.example:8080', '0.0.0.0'), false);
    assert.equal(hostAllowed(undefined), false);
  });

  test('requests of clients that went away are dropped before the worker draws them', async () => {
    const own = buildServer({ compute: await startCompute({ generator, classifier, offReason: 'test' }) });
    try {
      const address = await own.listen({ port: 0, host: '127.0.0.1' });
      const { port } = new URL(address);
      const body = JSON.stringify({ items: Array.from({ length: 32 }, (_, i) => ({ weights: { horse: 1 }, seed: i })) });
      const post = () =>
        request({ host: '127.0.0.1', port, method: 'POST', path: '/api/render', headers: { 'content-type': 'application/json' } });
      // 16 heavy requests fill the queue; their clients hang up while most still wait
      const gone = Array.from({ length: 16 }, () => {
        const req = post();
        req.on('error', () => {});
        req.end(body);
        return req;
      });
      await new Promise((r) => setTimeout(r, 150));
      for (const req of gone) req.destroy();
      await new Promise((r) => setTimeout(r, 150));
      // 16 new requests: without the cancellation the stale ones would hold the queue (503 busy)
      const codes = await Promise.all(
        Array.from({ length: 16 }, () =>
          fetch(`${address}/api/render`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status),
        ),
      );
      assert.ok(codes.filter((c) => c === 200).length >= 15, `answered ${codes.join(',')}`);
    } finally {
      await own.close();
    }
  });

  test('the run folders are listed with their step, losses and newest sample grid', async () => {
    const r = (await app.inject('/api/runs')).json() as {
      runs: {
        name: string;
        model: string;
        step: number;
        steps: number;
        training: boolean;
        lossesSvg: string;
        latestSample: { png: string };
      }[];
    };
    assert.deepEqual(
      r.runs.map((x) => [x.name, x.model, x.step, x.steps, x.training]),
      [['gan', 'cgan', 1, 1, false]],
    );
    assert.match(r.runs[0]!.lossesSvg, /^<svg/);
    assert.equal(decodePng(pngBytes(r.runs[0]!.latestSample.png)).channels, 3);
    assert.deepEqual((await offApp.inject('/api/runs')).json().runs, []);
  });

  test('the page, its script and stylesheet are served; nothing else from disk', async () => {
    const page = await app.inject('/');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /<script src="\/app.js"/);
    assert.match((await app.inject('/app.js')).headers['content-type'] as string, /javascript/);
    assert.match((await app.inject('/style.css')).headers['content-type'] as string, /text\/css/);
    assert.equal((await app.inject('/server.ts')).statusCode, 404);
    assert.equal((await app.inject('/../package.json')).statusCode, 404);
  });

  test('CLI: bad flags exit with one line; the server starts, answers and stops on SIGTERM', async () => {
    // the server boots in its own process while the bad-flag runs go on
    const child = spawn(
      process.execPath,
      [...cli, 'serve', '--port', '0', '--checkpoint', generator, '--classifier', classifier, '--no-neighbours'],
      { cwd: repo, env: { ...process.env, PEGASUS_DATA: '' } },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let out = '';
      const url = new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /pegasus serve: (http:\/\/\S+?)\/ /.exec(out);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`serve exited (${code}) before printing its URL: ${out}`)));
      });
      for (const [args, pattern] of [
        [['serve', '--port', '70000'], /--port.*0–65535/],
        [['serve', '--checkpoint', generator, '--classifier', classifier, '--data', join(tmp, 'nowhere')], /--data .*no such folder/],
      ] as const) {
        const r = pegasus([...args]);
        assert.notEqual(r.status, 0, args.join(' '));
        assert.match(r.stderr, pattern);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
      // a checkpoint of the wrong kind fails in the worker and comes back as the user's error
      await assert.rejects(
        startCompute({ generator: classifier, classifier }),
        (e: Error) => e instanceof UserError && /holds a "classifier" checkpoint, not a GAN generator/.test(e.message),
      );
      const status = (await (await fetch(`${await url}/api/status`)).json()) as {
        model: { classes: string[] };
        neighbours: { state: string };
      };
      assert.deepEqual(status.model.classes, ['bird', 'horse']);
      assert.equal(status.neighbours.state, 'off');
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // never leave a server behind a failed assertion
    }
  });

  describe('in headless Chromium', { skip: requiresChromium() }, () => {
    let browser: Browser;
    let page: Page;
    let url: string;
    before(async () => {
      url = await app.listen({ port: 0, host: '127.0.0.1' });
      browser = await chromium.launch({ executablePath: findChromium()!, args: ['--no-sandbox'] });
      page = await browser.newPage({ acceptDownloads: true });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${url}/`);
      await page.locator('#gallery .card img').nth(15).waitFor();
      assert.deepEqual(errors, []);
    });
    after(async () => {
      await browser?.close();
    });

    test('the page loads: a slider per class, 16 scored images, the best highlighted, a strip', async () => {
      assert.deepEqual(
        await page.locator('#sliders input[type=range]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).dataset['class'])),
        ['bird', 'horse'],
      );
      assert.equal(await page.locator('#gallery .card').count(), 16);
      assert.equal(await page.locator('#gallery .card.best').count(), 1);
      assert.match((await page.locator('#timing').textContent()) ?? '', /16 images in \d+ ms/);
      await page.locator('#strip .card').nth(7).waitFor();
      assert.match((await page.locator('#model').textContent()) ?? '', /ready \(100 training images\)/);
    });

    test('moving a slider changes the image (negative weights too)', async () => {
      const first = page.locator('#gallery .card img').first();
      const before = await first.getAttribute('src');
      await page.locator('#w-horse').fill('-1.5');
      await page.waitForFunction((src) => document.querySelector('#gallery .card img')?.getAttribute('src') !== src, before);
      assert.notEqual(await first.getAttribute('src'), before);
      assert.equal(await page.locator('#w-horse + output').textContent(), '-1.50');
    });

    test('clicking an image shows its nearest training images, scores and exact settings', async () => {
      await page.locator('#gallery .card').nth(3).click();
      await page.locator('#neighbours-pixel img').nth(5).waitFor();
      assert.equal(await page.locator('#neighbours-feature img').count(), 6);
      assert.equal(await page.locator('#scores .bar').count(), 10);
      const settings = JSON.parse((await page.locator('#settings').textContent())!) as { seed: number; weights: Record<string, number> };
      assert.equal(settings.seed, 3);
      assert.equal(settings.weights['horse'], -1.5);
      assert.match((await page.locator('#command').textContent()) ?? '', /pegasus sample .*--seed 3 --n 1/);
    });

    test('export downloads an enlarged PNG and the settings JSON; favourites export too', async () => {
      const [png] = await Promise.all([page.waitForEvent('download'), page.locator('#download-png').click()]);
      const pngPath = join(tmp, 'download.png');
      await png.saveAs(pngPath);
      assert.match(png.suggestedFilename(), /^pegasus-.*seed3\.png$/);
      assert.deepEqual([...readFileSync(pngPath).subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
      const img = readPng(pngPath);
      assert.deepEqual([img.width, img.height], [256, 256]);
      const [json] = await Promise.all([page.waitForEvent('download'), page.locator('#download-json').click()]);
      const jsonPath = join(tmp, 'settings.json');
      await json.saveAs(jsonPath);
      const saved = JSON.parse(readFileSync(jsonPath, 'utf8')) as { seed: number; checkpoint: string };
      assert.equal(saved.seed, 3);
      assert.equal(saved.checkpoint, generator);

      // the settings JSON opens again into the same image
      const original = await page.locator('#detail-image').getAttribute('src');
      await page.locator('#open-settings').setInputFiles(jsonPath);
      await page.waitForFunction(() => /opened from/.test(document.querySelector('#timing')?.textContent ?? ''));
      assert.equal(await page.locator('#gallery .card').count(), 1);
      assert.equal(await page.locator('#gallery .card img').getAttribute('src'), original);

      await page.locator('#favourite').click();
      assert.equal(await page.locator('#favourites img').count(), 1);
      const [sheet] = await Promise.all([page.waitForEvent('download'), page.locator('#export-favourites-png').click()]);
      await sheet.saveAs(join(tmp, 'favourites.png'));
      assert.deepEqual([readPng(join(tmp, 'favourites.png')).width, readPng(join(tmp, 'favourites.png')).height], [128, 128]);
    });

    test('the training runs are shown with their losses and newest grid', async () => {
      await page.locator('#runs-section').waitFor({ state: 'visible' });
      assert.match((await page.locator('#runs .run p').first().textContent())!, /^gan: cgan, step 1 of 1$/);
      assert.equal(await page.locator('#runs .run img').count(), 2);
    });

    test("pegasus generate's images are shown; clicking one shows its entry", async () => {
      assert.equal(await page.locator('#saved .card').count(), 2);
      await page.locator('#saved .card').first().click();
      assert.equal(JSON.parse((await page.locator('#settings').textContent())!).scores.pegasus, 0.9);
      assert.equal(await page.locator('#favourite').isDisabled(), true);
    });

    test('choosing wings redraws the gallery with a region; the settings record it', async () => {
      await page.locator('#reset').click();
      await page.locator('#gallery .card').nth(15).waitFor();
      const first = page.locator('#gallery .card img').first();
      const before = await first.getAttribute('src');
      assert.deepEqual(await page.locator('#wings option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value)), [
        '',
        'bird',
        'horse',
      ]);
      await page.locator('#wings').selectOption('bird');
      await page.waitForFunction((src) => document.querySelector('#gallery .card img')?.getAttribute('src') !== src, before);
      await page.locator('#gallery .card').first().click();
      const settings = JSON.parse((await page.locator('#settings').textContent())!) as { region?: { weights: Record<string, number> } };
      assert.deepEqual(settings.region?.weights, { bird: 1 });
      assert.match((await page.locator('#command').textContent()) ?? '', /a region/);
    });
  });
});
