/**
 * Checkpoint files on disk (the format itself is in checkpoint.ts): atomic writes and verified reads.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { UserError } from '../errors.js';
import { type CheckpointContents, decodeCheckpoint, encodeCheckpoint, type LoadedCheckpoint, type LoadOptions } from './checkpoint.js';

/** writeSync may write less than asked; loop until everything is written. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}

/**
 * Writes a checkpoint atomically (temporary file, fsync, then rename), so a crash never leaves a
 * half-written file under the real name.
 * @example saveCheckpoint('runs/a/generator.pgc', { kind: 'generator', config, tensors: g.stateDict(), meta: { step } });
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  const { prefix, data } = encodeCheckpoint(contents);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, prefix);
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/**
 * Reads and verifies a checkpoint file. Throws a UserError naming the file and the problem when it
 * cannot be read, is not a pegasus checkpoint, is from another format version, is truncated or
 * corrupted, or is of the wrong kind (`expectKind`).
 */
export function loadCheckpoint(path: string, opts: LoadOptions = {}): LoadedCheckpoint {
  let file: Uint8Array;
  try {
    file = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  return decodeCheckpoint(file, path, opts);
}
