// Tensors, autograd bookkeeping, memory scopes, the random generator and backend selection.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import * as E from '../../src/engine/index.js';

test('Rng: xoshiro128** matches the reference C implementation for state {1,2,3,4}', () => {
  const rng = new E.Rng(0).setState({ s: [1, 2, 3, 4], spare: null });
  // Printed by Blackman & Vigna's xoshiro128starstar.c with s = {1, 2, 3, 4}.
  assert.deepEqual(
    Array.from({ length: 6 }, () => rng.nextUint32()),
    [11520, 0, 5927040, 70819200, 2031721883, 1637235492],
  );
});

test('Rng: deterministic per seed, restorable from its state, and well distributed', () => {
  const a = new E.Rng(42);
  const b = new E.Rng(42);
  const xs = Array.from({ length: 5 }, () => a.normal());
  assert.deepEqual(
    Array.from({ length: 5 }, () => b.normal()),
    xs,
  );
  assert.notDeepEqual(
    Array.from({ length: 5 }, () => new E.Rng(43).normal()),
    xs,
  );
  a.normal(); // leaves a Box–Muller spare in the state
  const saved = JSON.parse(JSON.stringify(a.state())) as E.RngState;
  const next = [a.normal(), a.uniform(), a.int(10)];
  const c = new E.Rng(0).setState(saved);
  assert.deepEqual([c.normal(), c.uniform(), c.int(10)], next);
  const n = 20000;
  const z = E.randn([n], new E.Rng(1)).toArray();
  const mean = z.reduce((s, v) => s + v, 0) / n;
  const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean}, variance ${variance}`);
  const u = E.rand([n], new E.Rng(2)).toArray();
  assert.ok(Math.min(...u) >= 0 && Math.max(...u) < 1);
});

test("truncatedRandn: inside [−ψ, ψ] with the truncated normal's variance; ψ = ∞ is randn", () => {
  const n = 20000;
  const t = E.truncatedRandn([n], new E.Rng(1), 1).toArray();
  assert.ok(Math.max(...t.map(Math.abs)) <= 1);
  // Var of N(0, 1) truncated to [−1, 1] = 1 − 2φ(1)/(2Φ(1) − 1) = 0.2911
  const variance = t.reduce((s, v) => s + v * v, 0) / n;
  assert.ok(Math.abs(variance - 0.2911) < 0.01, `variance ${variance}`);
  assert.deepEqual(E.truncatedRandn([50], new E.Rng(3), Infinity).toArray(), E.randn([50], new E.Rng(3)).toArray());
  assert.throws(() => E.truncatedRandn([2], new E.Rng(0), 0), /ψ must be positive/);
});

test('shape errors name the op and the shapes', () => {
  const a = E.zeros([2, 3]);
  assert.throws(() => E.matmul(a, E.zeros([4, 5])), /matmul: shapes \[2,3\] and \[4,5\] do not match/);
  assert.throws(() => E.add(a, E.zeros([4])), /add: shapes \[2,3\] and \[4\] cannot be broadcast/);
  assert.throws(() => E.reshape(a, [4, 2]), /reshape: cannot reshape \[2,3\] to \[4,2\]/);
  assert.throws(() => E.conv2d(E.zeros([1, 2, 5, 5]), E.zeros([3, 4, 3, 3])), /conv2d: input \[1,2,5,5\], weight \[3,4,3,3\]/);
  assert.throws(() => E.concat([a, E.zeros([2, 4])], 0), /concat: shapes \[2,3\] and \[2,4\] do not match/);
  assert.throws(() => E.add(a, E.zeros([2, 3], { dtype: 'float64' })), /add: dtypes float32 and float64 differ/);
  assert.throws(() => E.tensor([1, 2, 3], [2, 2]), /3 values do not fill shape \[2,2\]/);
});

test('backward accumulates into leaves, frees the graph, and refuses a second pass', () => {
  const x = E.tensor([1, 2], [2], { requiresGrad: true });
  const y = E.sum(E.mul(x, x));
  y.backward();
  assert.deepEqual(x.grad!.toArray(), [2, 4]);
  E.sum(E.mul(x, 3)).backward();
  assert.deepEqual(x.grad!.toArray(), [5, 7]);
  assert.throws(() => y.backward(), /graph was already freed/);
  assert.throws(() => E.mul(x, 2).backward(), /non-scalar output of shape \[2\]/);
  assert.throws(() => E.sum(E.zeros([2])).backward(), /does not require grad/);
});

test('noGrad records nothing; detach cuts the graph', () => {
  const x = E.tensor([1, 2], [2], { requiresGrad: true });
  const y = E.noGrad(() => E.mul(x, 2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  const z = E.mul(x, 2).detach();
  assert.equal(z.requiresGrad, false);
  assert.deepEqual(z.toArray(), [2, 4]);
});

test('tidy disposes what it created except its result and kept tensors', () => {
  const outside = E.ones([3]);
  let inner: E.Tensor | null = null;
  let kept: E.Tensor | null = null;
  const result = E.tidy(() => {
    inner = E.add(outside, 1);
    kept = E.keep(E.mul(outside, 5));
    return { sum: E.add(inner, 1), list: [E.mul(inner, 2)] };
  });
  assert.equal(inner!.isDisposed, true);
  assert.throws(() => inner!.data, /used after dispose/);
  assert.equal(kept!.isDisposed, false);
  assert.equal(outside.isDisposed, false);
  assert.deepEqual(result.sum.toArray(), [3, 3, 3]);
  assert.deepEqual(result.list[0]!.toArray(), [4, 4, 4]);
});

test('views share buffers safely: disposing one leaves the other intact', () => {
  const a = E.add(E.tensor([1, 2, 3, 4], [2, 2]), 0); // an op's output: a pooled buffer
  const b = E.reshape(a, [4]);
  a.dispose();
  assert.deepEqual(b.toArray(), [1, 2, 3, 4]);
  const before = E.memoryStats().pooledBytes;
  b.dispose();
  // the last reference returns the buffer to the pool, and the next allocation of its size reuses it
  assert.equal(E.memoryStats().pooledBytes, before + 16);
  const c = E.zeros([4]);
  assert.equal(E.memoryStats().pooledBytes, before);
  assert.deepEqual(c.toArray(), [0, 0, 0, 0]);
});

test('tensor() copies into a pooled array: a fresh array every step (a loader batch) reuses one buffer', () => {
  const fresh = (i: number) => new Float32Array(1000).fill(i);
  E.tensor(fresh(0), [10, 100]).dispose();
  const before = E.memoryStats().pooledBytes;
  for (let i = 1; i < 10; i++) {
    const t = E.tensor(fresh(i), [10, 100]);
    assert.equal(E.memoryStats().pooledBytes, before - 4000); // taken from the pool
    assert.equal(t.data[999], i);
    t.dispose();
  }
  assert.equal(E.memoryStats().pooledBytes, before);
});

function runWithEnv(env: Record<string, string>, code: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('PEGASUS_PROFILE times every kernel call and prints the table at exit; results are unchanged', () => {
  const code =
    "const e = await import('./src/engine/index.ts');" +
    'const a = e.tensor([1, 2, 3, 4, 5, 6], [2, 3]);' +
    'for (let i = 0; i < 3; i++) e.matmul(a, e.transpose(a)).dispose();' +
    "console.log('result=' + e.matmul(a, e.transpose(a)).toArray().join(','));";
  const on = runWithEnv({ PEGASUS_PROFILE: '1' }, code);
  assert.equal(on.status, 0, on.out);
  assert.match(on.out, /result=14,32,32,77/);
  assert.match(on.out, /pegasus profile: [\d.]+ s of wall time, [\d.]+% in backend kernels/);
  assert.match(on.out, /\ngemm +4 +\d+ +[\d.]+%/); // four products, each one gemm call
  assert.match(on.out, /\(outside kernels\)/);
  const off = runWithEnv({ PEGASUS_PROFILE: '' }, code);
  assert.match(off.out, /result=14,32,32,77/);
  assert.doesNotMatch(off.out, /pegasus profile/);
});

test('PEGASUS_BACKEND selects the backend; a bad value (or a bad PEGASUS_CONV_ALGORITHM) is refused', () => {
  const code = "const e = await import('./src/engine/index.ts'); console.log('backend=' + e.getBackend().name);";
  const js = runWithEnv({ PEGASUS_BACKEND: 'js' }, code);
  assert.equal(js.status, 0, js.out);
  assert.match(js.out, /backend=js/);
  assert.doesNotMatch(js.out, /native backend not available/);
  const bad = runWithEnv({ PEGASUS_BACKEND: 'gpu' }, code);
  assert.notEqual(bad.status, 0);
  assert.match(bad.out, /PEGASUS_BACKEND must be "native" or "js", got "gpu"/);
  const badAlgorithm = runWithEnv({ PEGASUS_CONV_ALGORITHM: 'fast' }, code);
  assert.notEqual(badAlgorithm.status, 0);
  assert.match(badAlgorithm.out, /PEGASUS_CONV_ALGORITHM must be "auto", "direct" or "winograd", got "fast"/);
  const status = E.nativeBackendStatus();
  const unset = runWithEnv({ PEGASUS_BACKEND: '' }, code);
  assert.equal(unset.status, 0, unset.out);
  if (status.available) {
    const nat = runWithEnv({ PEGASUS_BACKEND: 'native' }, code);
    assert.match(nat.out, /backend=native/);
  }
});
