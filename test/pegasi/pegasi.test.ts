// Winged-horse composites: where a wing goes, how it is drawn, that a recipe redraws its image, and
// `pegasus data pegasi` on a fixture whose horses are flat side-on shapes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { Rng } from '../../src/engine/index.js';
import { drawComposite, sampleRecipe, type PegasusRecipe } from '../../src/pegasi/composite.js';
import { PEGASI_FILE, PEGASUS_LABEL, drawRecipe, loadPegasi, pegasiSources } from '../../src/pegasi/dataset.js';
import { findBack } from '../../src/pegasi/horseBack.js';
import { outlineOf, renderWing, type WingShape } from '../../src/pegasi/wing.js';
import { pegasus, useCliWorkspace } from '../helpers/cli.js';
import { drawHorsesInto, horseImage } from '../helpers/horseFixture.js';

const shape: WingShape = {
  rootX: 14,
  rootY: 16,
  tailSign: 1,
  length: 12,
  lean: 30,
  bow: 0.1,
  feathers: 6,
  featherLength: 0.55,
  featherWidth: 0.22,
  fanRoot: 110,
  fanTip: 20,
};

function centroidX(alpha: Float32Array): number {
  let s = 0;
  let w = 0;
  alpha.forEach((a, p) => {
    s += a * (p % 32);
    w += a;
  });
  return s / w;
}

describe('composites', () => {
  test('the back of a side-on horse: which way it faces, the top of its back; riders and empty frames refused', () => {
    const left = findBack(horseImage(true));
    assert.ok(left.ok);
    assert.equal(left.back.tailSign, 1); // head on the left, tail on the right
    assert.equal(left.back.backTop, 15);
    const right = findBack(horseImage(false));
    assert.ok(right.ok);
    assert.equal(right.back.tailSign, -1);
    const rider = findBack(horseImage(true, 0, true));
    assert.deepEqual(rider, { ok: false, reason: 'something on the back (a rider?)' });
    assert.equal(findBack(new Uint8Array(3072).fill(100)).ok, false);
  });

  test('a wing covers its root, rises above it, sweeps toward the tail, and mirrors with the tail side', () => {
    const w = renderWing(shape);
    assert.ok(w.alpha.every((a) => a >= 0 && a <= 1));
    assert.ok(w.alpha[16 * 32 + 14]! > 0, 'the root is covered');
    let above = 0;
    w.alpha.forEach((a, p) => (above += Math.floor(p / 32) < 16 ? a : 0));
    assert.ok(above > 20, `most of the wing is above its root (${above.toFixed(1)} px)`);
    assert.ok(centroidX(w.alpha) > 14.5, 'the wing leans toward the tail (+x)');
    const m = renderWing({ ...shape, rootX: 32 - 14, tailSign: -1 });
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) assert.ok(Math.abs(m.alpha[y * 32 + x]! - w.alpha[y * 32 + (31 - x)]!) < 1e-6, `mirror at ${x},${y}`);
    }
    const outline = outlineOf(w.alpha);
    outline.forEach((o, p) => assert.ok(o === 0 || w.alpha[p]! < 0.5));
    assert.ok(outline.some((o) => o > 0));
  });

  test('a recipe redraws its composite bit for bit; pixels change only on and around the wings', () => {
    const horse = horseImage(true);
    const r = findBack(horse);
    assert.ok(r.ok);
    const recipe = sampleRecipe(new Rng(3), 0, horse, r.back, { bird: [], airplane: [] });
    const again = sampleRecipe(new Rng(3), 0, horse, r.back, { bird: [], airplane: [] });
    assert.deepEqual(again, recipe);
    const a = drawComposite(horse, r.back.mask.data, recipe);
    assert.deepEqual(drawComposite(horse, r.back.mask.data, JSON.parse(JSON.stringify(recipe)) as PegasusRecipe), a);
    const near = renderWing(recipe.near);
    const far = recipe.far === null ? null : renderWing(recipe.far);
    const touched = (p: number) => {
      const around = (alpha: Float32Array) => alpha[p]! > 0 || outlineOf(alpha)[p]! > 0;
      return around(near.alpha) || (far !== null && around(far.alpha));
    };
    let changed = 0;
    for (let p = 0; p < 1024; p++) {
      const diff = [0, 1, 2].some((c) => a[c * 1024 + p] !== horse[c * 1024 + p]);
      if (diff) {
        changed++;
        assert.ok(touched(p), `pixel ${p} changed away from the wing`);
      }
    }
    assert.ok(changed > 30, `${changed} pixels carry the wing`);
  });
});

describe('pegasus data pegasi', () => {
  const ws = useCliWorkspace(3, 'pegasi');
  before(() => drawHorsesInto(ws.fx));

  test('writes composites, recipes, a manifest and a preview; recipes redraw the records; refuses to overwrite', () => {
    const out = join(ws.tmp, 'pegasi');
    const r = pegasus(['data', 'pegasi', '--n', '24', '--out', out, ...ws.data]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /of \d+ train horses are side-on/);
    for (const f of ['pegasi.bin', 'recipes.jsonl', 'manifest.json', 'preview.png']) assert.ok(existsSync(join(out, f)), f);
    const set = loadPegasi(out);
    assert.equal(set.manifest.count, 24);
    assert.equal(set.recipes.length, 24);
    const bytes = readFileSync(join(out, PEGASI_FILE));
    for (let i = 0; i < 24; i++) assert.equal(bytes[i * 3073], PEGASUS_LABEL);
    const src = pegasiSources(ws.fx.dir, 'train', ws.fx.recordsPerFile);
    assert.deepEqual(src.usable, set.manifest.horses);
    set.recipes.forEach((recipe, i) => {
      assert.ok(set.manifest.horses.includes(recipe.horse));
      assert.deepEqual(drawRecipe(src, recipe), set.images.subarray(i * 3072, (i + 1) * 3072), `record ${i}`);
    });
    const again = pegasus(['data', 'pegasi', '--n', '4', '--out', out, ...ws.data]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /already exists; choose another --out/);
  });

  test('a damaged folder is refused by name', () => {
    const out = join(ws.tmp, 'cut');
    assert.equal(pegasus(['data', 'pegasi', '--n', '4', '--out', out, ...ws.data]).status, 0);
    truncateSync(join(out, PEGASI_FILE), 3073 * 3 + 5);
    assert.throws(() => loadPegasi(out), /pegasi\.bin holds 9224 bytes, expected 4 records/);
    assert.throws(() => loadPegasi(join(ws.tmp, 'none')), /holds no pegasi\.bin; make one with: pegasus data pegasi/);
  });
});
