// pegasus diagram: the traced graph and its SVG show every layer with the right shapes and
// parameters, conditioning where it enters, residual shortcuts and skip connections.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { add, avgPool2d, concat, randn, relu, Rng, type Tensor } from '../../src/engine/index.js';
import { Conv2d, Module } from '../../src/nn/index.js';
import { blockModules, drawDiagram, subjectFromPreset, type DiagramSubject } from '../../src/diagram/index.js';
import { findChromium } from '../../src/report/chromium.js';
import { UNet, UNET_TINY } from '../../src/models/diffusion/index.js';
import { pegasus } from '../helpers/cli.js';
import { requiresChromium } from '../helpers/requires.js';

interface SvgNode {
  id: string;
  role: string;
  title: string;
  path: string;
  shape: string;
  params: number;
  residual: string | null;
}

/** Reads the nodes and edges back out of the SVG text (their data-* attributes). */
function parseSvg(svg: string): { nodes: SvgNode[]; edges: { from: string; to: string; label: string }[]; total: number } {
  const unesc = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const attr = (tag: string, name: string) => {
    const m = new RegExp(`\\b${name}="([^"]*)"`).exec(tag);
    return m ? unesc(m[1]!) : null;
  };
  const nodes = [...svg.matchAll(/<g class="node [^"]*"[^>]*>/g)].map(([tag]) => ({
    id: attr(tag, 'data-id')!,
    role: attr(tag, 'data-role')!,
    title: attr(tag, 'data-title')!,
    path: attr(tag, 'data-path')!,
    shape: attr(tag, 'data-shape')!,
    params: Number(attr(tag, 'data-params')),
    residual: attr(tag, 'data-residual'),
  }));
  const edges: { from: string; to: string; label: string }[] = [];
  for (const [tag] of svg.matchAll(/<g class="edge [^"]*"[^>]*>/g)) {
    const label = attr(tag, 'data-label')!;
    const many = attr(tag, 'data-edges');
    if (many !== null) for (const pair of many.split(' ')) edges.push({ from: pair.split('>')[0]!, to: pair.split('>')[1]!, label });
    else edges.push({ from: attr(tag, 'data-from')!, to: attr(tag, 'data-to')!, label });
  }
  const total = Number(/data-total="(\d+)"/.exec(svg)?.[1]);
  return { nodes, edges, total };
}

test('the tiny cGAN generator: every block with its output shape, parameters, and the class embedding entering each GBlock', () => {
  const subject = subjectFromPreset('cgan-generator', 'tiny'); // G blocks 8, 8, 4; zDim 8; 2 classes
  const { svg } = drawDiagram(subject);
  const { nodes, edges, total } = parseSvg(svg);
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  const expected: [string, string][] = [
    ['embed', '[N, 8]'],
    ['linear', '[N, 128]'],
    ['blocks.0', '[N, 8, 8, 8]'],
    ['blocks.1', '[N, 8, 16, 16]'],
    ['blocks.2', '[N, 4, 32, 32]'],
    ['bnOut', '[N, 4, 32, 32]'],
    ['convOut', '[N, 3, 32, 32]'],
  ];
  for (const [path, shape] of expected) assert.equal(byPath.get(path)?.shape, shape, `${path} output shape`);
  // Every parameterised module of the model is a drawn block, with its own parameter count.
  for (const [path, m] of blockModules(subject.module)) assert.equal(byPath.get(path)?.params, m.numParameters(), path);
  assert.equal(total, subject.module.numParameters());
  assert.equal(nodes.filter((n) => n.title === 'GBlock').length, 3);
  for (const n of nodes.filter((n) => n.title === 'GBlock')) assert.match(n.residual ?? '', /conv1×1 \d+→\d+ → up2×/);

  const id = (path: string) => byPath.get(path)!.id;
  const edge = (from: string, to: string) => edges.find((e) => e.from === from && e.to === to);
  assert.equal(edge('in:z', id('linear'))?.label, '[N, 8]');
  assert.equal(edge(id('linear'), id('blocks.0'))?.label, '[N, 8, 4, 4]'); // the reshape is silent
  assert.equal(edge(id('blocks.2'), id('bnOut'))?.label, '[N, 4, 32, 32]');
  assert.equal(edge(id('convOut'), 'out')?.label, 'tanh → [N, 3, 32, 32]');
  assert.ok(edge('in:class y', id('embed')));
  for (const b of ['blocks.0', 'blocks.1', 'blocks.2'])
    assert.equal(edge(id('embed'), id(b))?.label, '[N, 8]', `class embedding into ${b}`);
  assert.equal(byPath.get('embed')?.role, 'condition');
  assert.equal(byPath.get('blocks.0')?.role, 'main');
});

/** A model written for the test: two convs, a residual block, and a skip by concatenation. */
class SkipNet extends Module {
  readonly a: Conv2d;
  readonly b: Conv2d;
  readonly res: ResidualConv;
  readonly c: Conv2d;
  constructor(rng: Rng) {
    super();
    this.a = new Conv2d(3, 4, 3, { padding: 1, rng });
    this.b = new Conv2d(4, 6, 3, { stride: 2, padding: 1, rng });
    this.res = new ResidualConv(6, rng);
    this.c = new Conv2d(10, 2, 1, { rng });
  }
  forward(x: Tensor): Tensor {
    const h1 = this.a.forward(x);
    const h2 = this.res.forward(this.b.forward(relu(h1)));
    // the skip: h1 pooled to h2's size, concatenated with it
    return this.c.forward(concat([h2, relu(avgPool2d(h1, 2))], 1));
  }
}
class ResidualConv extends Module {
  readonly conv: Conv2d;
  constructor(ch: number, rng: Rng) {
    super();
    this.conv = new Conv2d(ch, ch, 3, { padding: 1, rng });
  }
  forward(x: Tensor): Tensor {
    return add(x, this.conv.forward(relu(x)));
  }
}
test('a hand-written model: layer shapes, a residual shortcut and a skip connection are found from the graph', () => {
  const rng = new Rng(0);
  const net = new SkipNet(rng);
  const x = randn([2, 3, 16, 16], rng);
  const subject: DiagramSubject = {
    title: 'skip net',
    module: net,
    inputs: [{ name: 'x', role: 'main', value: x }],
    call: (m) => (m as SkipNet).forward(x),
  };
  const { nodes, edges, total } = parseSvg(drawDiagram(subject).svg);
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  assert.deepEqual(
    ['a', 'b', 'res', 'c'].map((p) => [byPath.get(p)?.title, byPath.get(p)?.shape]),
    [
      ['conv3×3 3→4', '[N, 4, 16, 16]'],
      ['conv3×3/2 4→6', '[N, 6, 8, 8]'],
      ['ResidualConv', '[N, 6, 8, 8]'],
      ['conv1×1 10→2', '[N, 2, 8, 8]'],
    ],
  );
  assert.equal(byPath.get('res')?.residual, 'identity');
  assert.equal(byPath.get('a')?.residual, null);
  assert.equal(total, net.numParameters());
  const id = (p: string) => byPath.get(p)!.id;
  const labelOf = (from: string, to: string) => edges.find((e) => e.from === from && e.to === to)?.label;
  assert.equal(labelOf(id('a'), id('b')), 'relu → [N, 4, 16, 16]');
  assert.equal(labelOf(id('res'), id('c')), 'concat → [N, 10, 8, 8]');
  // the skip from a to c, with the ops on its way
  assert.equal(labelOf(id('a'), id('c')), 'avgpool → relu → concat → [N, 10, 8, 8]');
  assert.equal(labelOf(id('c'), 'out'), '[N, 2, 8, 8]');
});

test('the tiny U-Net: decoder blocks receive encoder activations through skips; noise level and class are conditioning', () => {
  const { graph } = drawDiagram(subjectFromPreset('diffusion', 'tiny'));
  const node = (path: string) => graph.nodes.find((n) => n.subtitle === path)!;
  const skipsInto = (path: string) =>
    graph.edges
      .filter((e) => e.to === node(path).id && e.label.startsWith('concat'))
      .map((e) => graph.nodes.find((n) => n.id === e.from)!.subtitle);
  // tiny: channels 8, mult 1,2, one block a level: skips [convIn, enc0, down0, enc1] popped in reverse
  assert.deepEqual(skipsInto('decoder.0').sort(), ['encoder.1', 'mid2'].sort());
  assert.deepEqual(skipsInto('decoder.1').sort(), ['decoder.0', 'downsample.0'].sort());
  assert.deepEqual(skipsInto('decoder.3').sort(), ['convIn', 'decoder.2'].sort());
  assert.equal(node('mapNoise1').role, 'condition');
  assert.equal(node('classEmbedding').role, 'condition');
  assert.ok(graph.edges.some((e) => e.from === 'in:noise level' && e.to === node('mapNoise1').id));
  assert.equal(node('encoder.0').details.length, 1);
  assert.match(node('encoder.0').details[0]!, /^ResBlock = GN/);
});

test('the trace runs in eval mode (a U-Net with dropout needs no rng) and leaves the training flag as it was', () => {
  const rng = new Rng(0);
  const net = new UNet({ ...UNET_TINY, dropout: 0.1 }, rng);
  const x = randn([2, 3, 32, 32], rng);
  const cNoise = Float32Array.of(0, 0.5);
  const y = Int32Array.of(0, 1);
  const subject: DiagramSubject = {
    title: 'U-Net with dropout',
    module: net,
    inputs: [
      { name: 'x', role: 'main', value: x },
      { name: 'noise', role: 'condition', value: cNoise },
      { name: 'y', role: 'condition', value: y },
    ],
    call: (m) => (m as UNet).forward(x, cNoise, y),
  };
  assert.equal(net.training, true);
  const { graph } = drawDiagram(subject);
  assert.equal(net.training, true);
  assert.equal(graph.totalParams, net.numParameters());
  assert.equal(graph.nodes.find((n) => n.id === 'out')?.outShape, '[N, 3, 32, 32]');
});

// without Chromium the PNG part is left out (and in CI that is a failure of its own)
requiresChromium();
test('pegasus diagram: validates its flags and writes the SVG (and a PNG when Chromium is there)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-diagram-'));
  try {
    const none = pegasus(['diagram']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /--model .* or --checkpoint FILE/);
    const badOut = pegasus(['diagram', '--model', 'classifier', '--out', join(dir, 'a.png')]);
    assert.notEqual(badOut.status, 0);
    assert.match(badOut.stderr, /ending in \.svg/);
    const badModel = pegasus(['diagram', '--model', 'vae']);
    assert.notEqual(badModel.status, 0);
    const badPreset = pegasus(['diagram', '--model', 'cgan-generator', '--preset', 'huge', '--no-png']);
    assert.equal(badPreset.status, 1);
    assert.match(badPreset.stderr, /unknown GAN preset "huge"/);
    const missing = pegasus(['diagram', '--checkpoint', join(dir, 'nope.pgc')]);
    assert.equal(missing.status, 1);

    const svgPath = join(dir, 'd.svg');
    const withPng = findChromium() !== null;
    const r = pegasus(['diagram', '--model', 'cgan-discriminator', '--preset', 'tiny', '--out', svgPath, ...(withPng ? [] : ['--no-png'])]);
    assert.equal(r.status, 0, r.stderr);
    const svg = readFileSync(svgPath, 'utf8');
    const { nodes } = parseSvg(svg);
    assert.deepEqual(
      nodes.filter((n) => n.title === 'DBlock').map((n) => n.shape),
      ['[N, 4, 16, 16]', '[N, 8, 8, 8]'],
    );
    // the ReLU that conv1 applies itself ({ relu: true }) is drawn like an unfused one
    assert.match(svg, />relu → SN-conv3×3 4→8 → relu → SN-conv3×3 8→8 → avgpool</);
    assert.deepEqual(
      nodes.filter((n) => n.title === 'DBlock').map((n) => n.residual),
      ['avgpool → SN-conv1×1 3→4', 'avgpool → SN-conv1×1 4→8'],
    );
    if (withPng) {
      const png = readFileSync(join(dir, 'd.png'));
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      assert.ok(png.length > 5000);
    } else assert.ok(!existsSync(join(dir, 'd.png')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
