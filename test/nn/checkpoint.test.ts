// Checkpoint round trip, and refusal of damaged or mismatched files with clear messages.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Rng, tensor } from '../../src/engine/index.js';
import {
  Adam,
  BatchNorm2d,
  Conv2d,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  loadCheckpointHeader,
  saveCheckpoint,
} from '../../src/nn/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pegasus-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeSample(name: string): string {
  const path = join(dir, name);
  const rng = new Rng(1);
  const conv = new Conv2d(3, 4, 3, { rng });
  saveCheckpoint(path, {
    kind: 'test-model',
    config: { channels: [3, 4], note: 'ünïcode' },
    tensors: { ...conv.stateDict(), extra64: tensor([1.5, 2.5], [2], { dtype: 'float64' }) },
    meta: { step: 42, rng: rng.state() },
  });
  return path;
}

test('round trip keeps kind, config, meta, names, shapes, dtypes and values', () => {
  const rng = new Rng(1);
  const conv = new Conv2d(3, 4, 3, { rng });
  const path = writeSample('a.pgc');
  const ck = loadCheckpoint(path, { expectKind: 'test-model' });
  assert.equal(ck.kind, 'test-model');
  assert.deepEqual(ck.config, { channels: [3, 4], note: 'ünïcode' });
  assert.equal((ck.meta as { step: number }).step, 42);
  assert.deepEqual(Object.keys(ck.tensors), ['weight', 'bias', 'extra64']);
  assert.deepEqual(ck.tensors['weight']!.shape, [4, 3, 3, 3]);
  assert.deepEqual(Array.from(ck.tensors['weight']!.data), Array.from(conv.weight.data));
  assert.equal(ck.tensors['extra64']!.dtype, 'float64');
  assert.deepEqual(ck.tensors['extra64']!.toArray(), [1.5, 2.5]);
  // Loads into a fresh module; no temporary file is left behind.
  const fresh = new Conv2d(3, 4, 3, { rng: new Rng(9) });
  const { extra64: _, ...weights } = ck.tensors;
  fresh.loadStateDict(weights);
  assert.deepEqual(Array.from(fresh.bias!.data), Array.from(conv.bias!.data));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp')),
    [],
  );
});

test('optimiser state survives a checkpoint', () => {
  const rng = new Rng(2);
  const bn = new BatchNorm2d(3);
  const opt = new Adam(bn.parameters(), { lr: 0.1 });
  for (const p of bn.parameters()) p.grad = tensor([1, 2, 3], [3]);
  opt.step();
  const s = opt.stateDict();
  const path = join(dir, 'opt.pgc');
  saveCheckpoint(path, {
    kind: 'opt',
    config: null,
    tensors: { m0: s.m[0]!, v0: s.v[0]!, m1: s.m[1]!, v1: s.v[1]! },
    meta: { steps: s.steps },
  });
  const ck = loadCheckpoint(path);
  const opt2 = new Adam(new BatchNorm2d(3).parameters(), { lr: 0.1 });
  const t = ck.tensors;
  opt2.loadStateDict({ steps: (ck.meta as { steps: number[] }).steps, m: [t['m0']!, t['m1']!], v: [t['v0']!, t['v1']!] });
  assert.deepEqual(Array.from(opt2.stateDict().v[1]!.data), Array.from(s.v[1]!.data));
  void rng;
});

test('a file that is not a checkpoint is refused', () => {
  const path = join(dir, 'not.pgc');
  writeFileSync(path, 'hello, this is text and not a checkpoint');
  assert.throws(() => loadCheckpoint(path), /not a pegasus checkpoint/);
  assert.throws(() => loadCheckpoint(join(dir, 'missing.pgc')), /cannot read checkpoint/);
});

test('a truncated checkpoint is refused', () => {
  const path = writeSample('trunc.pgc');
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 10));
  assert.throws(() => loadCheckpoint(path), /truncated checkpoint/);
  writeFileSync(path, bytes.subarray(0, 30));
  assert.throws(() => loadCheckpoint(path), /truncated checkpoint \(the header is cut off\)/);
});

test('the header alone can be read without the data, and is checked like the whole file', () => {
  const path = writeSample('header.pgc');
  const bytes = readFileSync(path);
  const whole = loadCheckpoint(path);
  const h = loadCheckpointHeader(path, { expectKind: 'test-model' });
  assert.deepEqual([h.kind, h.config, h.meta, h.version], [whole.kind, whole.config, whole.meta, whole.version]);
  // the data section is not read: a file cut inside it still gives its header
  writeFileSync(path, bytes.subarray(0, bytes.length - 100));
  assert.deepEqual(loadCheckpointHeader(path).meta, whole.meta);
  assert.throws(() => loadCheckpoint(path), /truncated checkpoint/);
  writeFileSync(path, bytes.subarray(0, 30));
  assert.throws(() => loadCheckpointHeader(path), /truncated checkpoint \(the header is cut off\)/);
  writeFileSync(path, bytes.subarray(0, 10));
  assert.throws(() => loadCheckpointHeader(path), /not a pegasus checkpoint/);
  assert.throws(
    () => loadCheckpointHeader(writeSample('kind2.pgc'), { expectKind: 'generator' }),
    /holds a "test-model" checkpoint, expected "generator"/,
  );
  assert.throws(() => loadCheckpointHeader(join(dir, 'missing.pgc')), /cannot read checkpoint/);
});

test('corrupted data or header is refused', () => {
  const path = writeSample('corrupt.pgc');
  const bytes = Buffer.from(readFileSync(path));
  bytes[bytes.length - 3]! ^= 0xff;
  writeFileSync(path, bytes);
  assert.throws(() => loadCheckpoint(path), /corrupted checkpoint \(data checksum mismatch\)/);
  const bytes2 = Buffer.from(readFileSync(writeSample('corrupt2.pgc')));
  bytes2[17] = 0x00; // inside the JSON header
  writeFileSync(path, bytes2);
  assert.throws(() => loadCheckpoint(path), /corrupted checkpoint/);
});

test('the wrong kind and a newer format version are refused', () => {
  const path = writeSample('kind.pgc');
  assert.throws(() => loadCheckpoint(path, { expectKind: 'generator' }), /holds a "test-model" checkpoint, expected "generator"/);
  const bytes = Buffer.from(readFileSync(path));
  bytes.writeUInt32LE(99, 8);
  writeFileSync(path, bytes);
  assert.throws(() => loadCheckpoint(path), /format version 99 is not supported/);
});

test('loading into a model of another shape names the mismatch', () => {
  const path = writeSample('shape.pgc');
  const { extra64: _, ...weights } = loadCheckpoint(path).tensors;
  const wider = new Conv2d(3, 8, 3, { rng: new Rng(1) });
  assert.throws(() => wider.loadStateDict(weights), /weight has shape \[4,3,3,3\] but the model expects \[8,3,3,3\]/);
});

test('encode/decode work on bytes alone (what a browser would use)', () => {
  const { prefix, data } = encodeCheckpoint({ kind: 'k', config: { a: 1 }, tensors: { t: tensor([1, 2, 3], [3]) } });
  const bytes = new Uint8Array(prefix.length + data.length);
  bytes.set(prefix);
  bytes.set(data, prefix.length);
  const ck = decodeCheckpoint(bytes, 'memory');
  assert.deepEqual(ck.tensors['t']!.toArray(), [1, 2, 3]);
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4), 'memory'), /memory: truncated checkpoint/);
});
