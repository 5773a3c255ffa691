/**
 * dcgan_step_b64 of ../shared/bench/workloads.md, run as its own process by bench/index.ts:
 * one discriminator update on a real and a fake batch, then one generator update, batch 64,
 * exactly as torch_reference.py's `dcgan_step`. Prints one JSON line: the median step time, this
 * process's peak RSS, the convolutions and products of one step (for the oneDNN floor, floor.ts)
 * and the share of the step that is not fusable work (floor.ts fusionBound).
 *
 *   node --import tsx bench/dcgan-step.ts [threads]
 */
import { add, bceWithLogits, getBackend, keep, rand, randn, Rng, sub, mul, tidy } from '../src/engine/index.js';
import { setNumThreads } from '../src/engine/native/index.js';
import { Adam } from '../src/nn/index.js';
import { dcganAdam, dcganDefaults, DcganDiscriminator, DcganGenerator } from '../src/models/dcgan.js';
import { medianTime, stepTiming } from './timing.js';
import { fusionBound, recordOps } from './floor.js';

const threads = Number(process.argv[2] ?? '2');
setNumThreads(threads);
const batch = 64;
const rng = new Rng(0);
const G = new DcganGenerator(dcganDefaults, rng);
const D = new DcganDiscriminator(dcganDefaults, rng);
const optG = new Adam(G.parameters(), dcganAdam);
const optD = new Adam(D.parameters(), dcganAdam);
// real = rand·2 − 1, as torch_reference.py
const real = keep(tidy(() => sub(mul(rand([batch, 3, 32, 32], rng), 2), 1)));

function dcganStep(): void {
  tidy(() => {
    const fake = G.forward(randn([batch, dcganDefaults.zDim], rng));
    optD.zeroGrad();
    add(bceWithLogits(D.forward(real), 1), bceWithLogits(D.forward(fake.detach()), 0)).backward();
    optD.step();
    optG.zeroGrad();
    bceWithLogits(D.forward(fake), 1).backward();
    optG.step();
  });
}

const medianS = medianTime(dcganStep, stepTiming);
console.log(
  JSON.stringify({
    workload: 'dcgan_step_b64',
    backend: getBackend().name,
    median_s: medianS,
    maxrss_kib: process.resourceUsage().maxRSS,
    ops: recordOps(dcganStep),
    bound_fraction: fusionBound(dcganStep),
  }),
);
