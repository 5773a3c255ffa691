// safetensors: the bytes follow the format (checked with Python's numpy where it is installed, else
// by hand), tensors round-trip exactly, and `pegasus export` / `pegasus import` give back a model
// file that draws the same pixels.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Rng, tensor } from '../../src/engine/index.js';
import { readPng } from '../../src/image/index.js';
import { Generator } from '../../src/models/cgan/index.js';
import { loadCheckpoint } from '../../src/nn/index.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/nn/safetensors.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { pegasus } from '../helpers/cli.js';

describe('safetensors', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pegasus-safetensors-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the header, offsets and data follow the format; decoding gives the same tensors back', () => {
    const a = tensor([1.5, -2, 3.25, 4, 5, 6], [2, 3]);
    const b = tensor([0.1, 0.2], [2], { dtype: 'float64' });
    const bytes = encodeSafetensors({ 'layer.weight': a, bias: b }, { note: 'x' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0, 'the header is padded to 8 bytes');
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
      string,
      { dtype: string; shape: number[]; data_offsets: number[] }
    >;
    assert.deepEqual(header['bias'], { dtype: 'F64', shape: [2], data_offsets: [0, 16] });
    assert.deepEqual(header['layer.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [16, 40] });
    assert.deepEqual(header['__metadata__'], { note: 'x' });
    assert.equal(bytes.length, 8 + n + 40);
    const back = decodeSafetensors(bytes, 'mem');
    assert.deepEqual(Array.from(back.tensors['layer.weight']!.data), Array.from(a.data));
    assert.deepEqual(back.tensors['layer.weight']!.shape, [2, 3]);
    assert.equal(back.tensors['bias']!.dtype, 'float64');
    assert.deepEqual(back.metadata, { note: 'x' });
    assert.throws(() => decodeSafetensors(bytes.subarray(0, 20), 'cut.safetensors'), /cut\.safetensors: not a safetensors file/);
  });

  test('pegasus export writes a file numpy reads as the same arrays; import gives back a model that draws the same pixels', () => {
    const config = resolveRunConfig('cgan', 'tiny', {});
    const g = join(tmp, 'g.pgc');
    saveEmaGenerator(g, config, new Generator(config.cgan, new Rng(2)).stateDict(), 7);
    const st = join(tmp, 'g.safetensors');
    const r = pegasus(['export', '--checkpoint', g, '--out', st]);
    assert.equal(r.status, 0, r.stderr);
    const original = loadCheckpoint(g);
    // another reader: numpy, when this machine has it
    const py = spawnSync(
      'python3',
      [
        '-c',
        'import json,struct,sys,numpy as np\n' +
          'b=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",b[:8])[0]; h=json.loads(b[8:8+n]); d=b[8+n:]\n' +
          'e=h["embed.weight"]; a=np.frombuffer(d[e["data_offsets"][0]:e["data_offsets"][1]],dtype="<f4").reshape(e["shape"])\n' +
          'print(json.dumps({"shape":list(a.shape),"sum":float(a.astype(np.float64).sum()),"kind":h["__metadata__"]["pegasus.kind"]}))',
        st,
      ],
      { encoding: 'utf8' },
    );
    if (py.status === 0) {
      const seen = JSON.parse(py.stdout) as { shape: number[]; sum: number; kind: string };
      const emb = original.tensors['embed.weight']!;
      assert.deepEqual(seen.shape, emb.shape);
      assert.ok(Math.abs(seen.sum - Array.from(emb.data).reduce((s, v) => s + v, 0)) < 1e-6);
      assert.equal(seen.kind, 'generator');
    }
    const back = join(tmp, 'back.pgc');
    const imp = pegasus(['import', '--safetensors', st, '--out', back]);
    assert.equal(imp.status, 0, imp.stderr);
    for (const [file, png] of [
      [g, 'a.png'],
      [back, 'b.png'],
    ] as const) {
      assert.equal(pegasus(['sample', '--checkpoint', file, '--class', 'horse', '--n', '4', '--out', join(tmp, png)]).status, 0);
    }
    assert.deepEqual(readPng(join(tmp, 'a.png')).data, readPng(join(tmp, 'b.png')).data);
    assert.match(pegasus(['import', '--safetensors', join(tmp, 'a.png'), '--out', join(tmp, 'c.pgc')]).stderr, /not a safetensors file/);
    assert.ok(readFileSync(st).length > 0);
  });
});
