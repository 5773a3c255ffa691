/**
 * `pegasus export` and `pegasus import`: model files in formats other tools read — ONNX (the
 * generator or a classifier as a graph; src/export/onnx.ts) and safetensors (any model's tensors;
 * src/nn/safetensors.ts) — and safetensors back.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from '@commander-js/extra-typings';
import { writeFileAtomic } from '../atomicWrite.js';
import { UserError } from '../errors.js';
import { loadCheckpoint, saveCheckpoint } from '../nn/index.js';
import { decodeSafetensors, encodeSafetensors } from '../nn/safetensors.js';
import { assertOutFile, type OutputKind } from '../outPath.js';
import { exportOnnx } from '../export/onnx.js';

/** A safetensors file starts with its header length and then the header's `{`. */
const SAFETENSORS_OUTPUT: OutputKind = { name: 'a safetensors file', matches: (h) => h.length > 8 && h[8] === 0x7b };
/** An ONNX file is a protocol buffer whose first field is ir_version (field 1, varint: byte 0x08). */
const ONNX_OUTPUT: OutputKind = { name: 'an ONNX model', matches: (h) => h[0] === 0x08 };
const PGC_OUTPUT: OutputKind = { name: 'a pegasus checkpoint', matches: (h) => h.toString('latin1').startsWith('PEGASUS') };

export function exportCommand() {
  return new Command('export')
    .description(
      'Write a model file (.pgc) in a format other tools read: ONNX (the cGAN generator or a classifier as a graph, for onnxruntime, ' +
        'Netron, PyTorch) or safetensors (any model: its tensors plus the config as metadata).',
    )
    .requiredOption('--checkpoint <file>', 'the model file, e.g. models/cgan-pegasus/generator-ema.pgc')
    .addOption(
      new Option('--format <format>', 'the file format (default: from the --out extension)').choices(['onnx', 'safetensors'] as const),
    )
    .requiredOption('--out <file>', 'the file to write, e.g. pegasus.onnx or pegasus.safetensors')
    .option('--force', 'replace --out even when it is a file of another kind', false)
    .action((o) => {
      const format = o.format ?? (/\.onnx$/i.test(o.out) ? 'onnx' : /\.safetensors$/i.test(o.out) ? 'safetensors' : undefined);
      if (format === undefined) throw new UserError(`--out ${o.out}: name a .onnx or .safetensors file, or give --format onnx|safetensors`);
      assertOutFile(o.out, '--out', format === 'onnx' ? ONNX_OUTPUT : SAFETENSORS_OUTPUT, o.force);
      if (format === 'onnx') {
        const { bytes, summary } = exportOnnx(o.checkpoint);
        writeFileAtomic(o.out, bytes);
        console.error(`wrote ${o.out}: ONNX opset 13, ${summary}`);
        return;
      }
      const ck = loadCheckpoint(o.checkpoint);
      const metadata = {
        'pegasus.kind': ck.kind,
        'pegasus.config': JSON.stringify(ck.config),
        'pegasus.meta': JSON.stringify(ck.meta),
      };
      writeFileAtomic(o.out, encodeSafetensors(ck.tensors, metadata));
      console.error(`wrote ${o.out}: ${Object.keys(ck.tensors).length} tensors of a "${ck.kind}" file, its config in the metadata`);
    });
}

export function importCommand() {
  return new Command('import')
    .description('Read a safetensors file that pegasus export wrote back into a model file (.pgc).')
    .requiredOption('--safetensors <file>', 'the file to read')
    .requiredOption('--out <file>', 'the model file to write, e.g. generator-ema.pgc')
    .action((o) => {
      assertOutFile(o.out, '--out', PGC_OUTPUT);
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(o.safetensors);
      } catch (err) {
        throw new UserError(`--safetensors ${o.safetensors}: cannot read it (${(err as Error).message})`);
      }
      const { tensors, metadata } = decodeSafetensors(bytes, o.safetensors);
      const kind = metadata['pegasus.kind'];
      const config = metadata['pegasus.config'];
      if (kind === undefined || config === undefined) {
        throw new UserError(
          `${o.safetensors} carries no pegasus.kind and pegasus.config metadata; pegasus imports the files its export wrote`,
        );
      }
      saveCheckpoint(o.out, { kind, config: JSON.parse(config), tensors, meta: JSON.parse(metadata['pegasus.meta'] ?? 'null') });
      console.error(`wrote ${o.out}: a "${kind}" file of ${Object.keys(tensors).length} tensors`);
    });
}
