/**
 * `pegasus classifier train|eval`: the CIFAR-10 classifier that evaluation uses as its judge.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { loadCifar10, resolveDataDir } from '../data/index.js';
import { getBackend } from '../engine/index.js';
import { measureAccuracy, formatConfusion } from '../evaluate/classifier/accuracy.js';
import { defaultClassifierTrainConfig, defaultWingTrainConfig } from '../train/presets/classifier.js';
import { trainClassifier, trainWingDetector } from '../train/classifier.js';
import { loadPegasi } from '../pegasi/dataset.js';
import { defaultClassifierConfig, loadClassifier } from '../models/classifier/index.js';
import { intIn, recordsPerFileOption, parseSeed } from './parsers.js';
import { assertOutFile, assertOutFolder, JSON_OUTPUT } from '../outPath.js';
import { writeFileAtomic } from '../atomicWrite.js';
import { withPackageDefaults } from './defaults.js';

/** The committed classifier, relative to the repository root. */
export const DEFAULT_CLASSIFIER = 'models/classifier/classifier.pgc';
/** The committed wing detector (pegasus classifier wings), relative to the repository root. */
export const DEFAULT_DETECTOR = 'models/wing-detector/classifier.pgc';

/** Four comma-separated positive integers: the ResNet-9 widths. */
function widthList(value: string): [number, number, number, number] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isSafeInteger(n) || n < 1 || n > 1024)) {
    throw new InvalidArgumentError(`expected four integers from 1 to 1024 like 16,32,64,128, got "${value}".`);
  }
  return parts as [number, number, number, number];
}

function trainSub() {
  const d = defaultClassifierTrainConfig;
  return new Command('train')
    .description('Train the ResNet-9 classifier from scratch (Page 2018 recipe); writes classifier.pgc, accuracy.json and train-log.json.')
    .addOption(new Option('--epochs <n>', 'passes over the training set').argParser(intIn(1, 1000)).default(d.epochs))
    .addOption(new Option('--batch <n>', 'images per step').argParser(intIn(1, 4096)).default(d.batchSize))
    .addOption(new Option('--seed <n>', 'seed of initialisation, order and augmentation').argParser(parseSeed).default(d.seed))
    .addOption(
      new Option('--widths <list>', 'channels of prep and layers 1-3')
        .argParser(widthList)
        .default([...defaultClassifierConfig.widths] as [number, number, number, number], defaultClassifierConfig.widths.join(',')),
    )
    .addOption(new Option('--limit <n>', 'use only the first n training images (for quick trials)').argParser(intIn(1, 50_000)))
    .option('--data <dir>', 'CIFAR-10 folder (default: $PEGASUS_DATA or the cache)')
    .addOption(recordsPerFileOption())
    .option('--out <dir>', 'output folder', 'runs/classifier')
    .option('--resume', 'continue from <out>/last.pgc when it exists', false)
    .action(async (o) => {
      assertOutFolder(o.out, '--out');
      const dir = resolveDataDir(o.data);
      const recordsPerFile = o.recordsPerFile;
      let train = loadCifar10({ dir, split: 'train', recordsPerFile });
      const test = loadCifar10({ dir, split: 'test', recordsPerFile });
      if (o.limit !== undefined && o.limit < train.count) {
        const n = o.limit;
        train = {
          ...train,
          count: n,
          images: train.images.subarray(0, n * 3072),
          labels: train.labels.subarray(0, n),
          shape: [n, 3, 32, 32],
        };
      }
      const cfg = { ...d, epochs: o.epochs, batchSize: o.batch, seed: o.seed, model: { ...d.model, widths: o.widths } };
      console.log(
        `classifier: ResNet-9 widths ${o.widths.join(',')}, ${cfg.epochs} epochs of ${train.count} images, batch ${cfg.batchSize}, backend ${getBackend().name}`,
      );
      const bar = new cliProgress.SingleBar(
        { format: 'epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | {ips} img/s | eta {eta_formatted}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      const tty = process.stderr.isTTY;
      let started = -1;
      const result = await trainClassifier(cfg, train, test, o.out, {
        resume: o.resume,
        resumeCommand: `pegasus classifier train --resume --out ${o.out}${o.data === undefined ? '' : ` --data ${o.data}`}`,
        hooks: {
          onStep(epoch, s, steps, loss, ips) {
            if (!tty) {
              if (s % 50 === 0) console.log(`  epoch ${epoch + 1} step ${s}/${steps} loss ${loss.toFixed(3)} ${ips.toFixed(0)} img/s`);
              return;
            }
            const payload = { epoch: `${epoch + 1}/${cfg.epochs}`, loss: loss.toFixed(3), ips: ips.toFixed(0) };
            if (started !== epoch) {
              bar.start(steps, s, payload);
              started = epoch;
            } else bar.update(s, payload);
          },
          onEpoch(log) {
            if (tty) bar.stop();
            started = -1;
            console.log(
              `epoch ${log.epoch}/${cfg.epochs}: loss ${log.loss.toFixed(4)}, train acc ${(100 * log.trainAccuracy).toFixed(2)}%, ${log.seconds.toFixed(0)} s (${log.imagesPerSecond.toFixed(0)} img/s)`,
            );
          },
        },
      });
      if (tty) bar.stop();
      if (result.test === null) {
        process.exitCode = 130;
        return;
      }
      console.log(`test accuracy ${(100 * result.test.accuracy).toFixed(2)}% (flip TTA, ${result.test.count} images)`);
      console.log(formatConfusion(result.test));
      console.log(`wrote ${join(o.out, 'classifier.pgc')}, accuracy.json, train-log.json`);
    });
}

function evalSub() {
  return new Command('eval')
    .description('Measure a classifier checkpoint on the CIFAR-10 test set: accuracy and confusion matrix (printed and written as JSON).')
    .option('--checkpoint <file>', 'classifier checkpoint', DEFAULT_CLASSIFIER)
    .option('--data <dir>', 'CIFAR-10 folder (default: $PEGASUS_DATA or the cache)')
    .addOption(recordsPerFileOption())
    .option('--out <file>', 'where to write the JSON report', 'runs/classifier-eval/accuracy.json')
    .option('--no-tta', 'do not average over the mirror image')
    .action((given, cmd) => {
      const o = withPackageDefaults(cmd, given, ['checkpoint']);
      assertOutFile(o.out, '--out', JSON_OUTPUT, false, '');
      const { net } = loadClassifier(o.checkpoint);
      const test = loadCifar10({ dir: resolveDataDir(o.data), split: 'test', recordsPerFile: o.recordsPerFile });
      const t0 = performance.now();
      const r = measureAccuracy(net, test, { flipTta: o.tta });
      const secs = (performance.now() - t0) / 1000;
      console.log(
        `test accuracy ${(100 * r.accuracy).toFixed(2)}% on ${r.count} images${o.tta ? ' (flip TTA)' : ''}, ${secs.toFixed(1)} s`,
      );
      console.log(formatConfusion(r));
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileAtomic(o.out, JSON.stringify({ checkpoint: o.checkpoint, ...r }, null, 2) + '\n');
      console.log(`wrote ${o.out}`);
    });
}

function wingsSub() {
  const d = defaultWingTrainConfig;
  return new Command('wings')
    .description(
      'Train the wing detector from scratch: winged composites of test-split horses (pegasus data pegasi --split test) ' +
        'against the same horses without wings and the other test horses; held-out horses measure it.',
    )
    .requiredOption('--pegasi <dir>', 'composites made from the test split')
    .addOption(new Option('--epochs <n>', "passes over the detector's training images").argParser(intIn(1, 1000)).default(d.epochs))
    .addOption(
      new Option('--seed <n>', 'seed of the horse split, initialisation, order and augmentation').argParser(parseSeed).default(d.seed),
    )
    .option('--data <dir>', 'CIFAR-10 folder (default: $PEGASUS_DATA or the cache)')
    .addOption(recordsPerFileOption())
    .option('--out <dir>', 'output folder', 'runs/wing-detector')
    .option('--resume', 'continue from <out>/last.pgc when it exists', false)
    .action(async (o) => {
      assertOutFolder(o.out, '--out');
      const pegasi = loadPegasi(o.pegasi);
      const cfg = { ...d, epochs: o.epochs, seed: o.seed };
      const t0 = performance.now();
      const { heldOut } = await trainWingDetector(pegasi, resolveDataDir(o.data), o.out, {
        cfg,
        recordsPerFile: o.recordsPerFile,
        resume: o.resume,
        resumeCommand: `pegasus classifier wings --resume --pegasi ${o.pegasi} --out ${o.out}`,
        hooks: {
          onEpoch: (log) =>
            console.log(
              `epoch ${log.epoch}/${cfg.epochs}: loss ${log.loss.toFixed(4)}, train acc ${(100 * log.trainAccuracy).toFixed(2)}%, ${log.seconds.toFixed(0)} s`,
            ),
        },
      });
      if (heldOut === null) {
        process.exitCode = 130;
        return;
      }
      console.log(
        `held-out horses: ${(100 * heldOut.accuracy).toFixed(2)}% right on ${heldOut.count} images (${(100 * heldOut.perClass[1]!).toFixed(1)}% of winged called winged, ${(100 * heldOut.perClass[0]!).toFixed(1)}% of unwinged called unwinged), ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
      console.log(`wrote ${join(o.out, 'classifier.pgc')}, accuracy.json, train-log.json`);
    });
}

export function classifierCommand() {
  return new Command('classifier')
    .description('The CIFAR-10 classifier used by `pegasus evaluate` (trained from scratch).')
    .addCommand(trainSub())
    .addCommand(evalSub())
    .addCommand(wingsSub());
}
