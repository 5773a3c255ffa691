/**
 * Checkpoint files on disk (the format itself is in checkpoint.ts): atomic writes and verified reads.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { UserError } from '../errors.js';
import {
  CHECKPOINT_PREFIX_BYTES,
  type CheckpointContents,
  type CheckpointHeader,
  checkpointHeaderLength,
  decodeCheckpoint,
  decodeCheckpointHeader,
  encodeCheckpoint,
  type LoadedCheckpoint,
  type LoadOptions,
} from './checkpoint.js';

/** writeSync may write less than asked; loop until everything is written. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Writes a checkpoint to `path` (created or truncated) and flushes it to disk. */
function writeCheckpointFile(path: string, contents: CheckpointContents): void {
  const { prefix, data } = encodeCheckpoint(contents);
  const fd = openSync(path, 'w');
  try {
    writeAll(fd, prefix);
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a checkpoint atomically (temporary file, fsync, then rename), so a crash never leaves a
 * half-written file under the real name.
 * @example saveCheckpoint('runs/a/generator.pgc', { kind: 'generator', config, tensors: g.stateDict(), meta: { step } });
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  saveCheckpoints([{ path, contents }]);
}

/**
 * Writes several checkpoints that belong together (a run's training state and its EMA model):
 * every file is written and flushed under a temporary name first, then all are renamed into place
 * one after the other, so a crash while writing leaves the old set whole, and only a crash within
 * the few microseconds of the renames can leave the files at different steps (the earlier files in
 * the list are then the newer ones).
 */
export function saveCheckpoints(files: readonly { path: string; contents: CheckpointContents }[]): void {
  const temporaries: string[] = [];
  try {
    for (const f of files) {
      const tmp = `${f.path}.tmp-${process.pid}`;
      temporaries.push(tmp);
      writeCheckpointFile(tmp, f.contents);
    }
  } catch (e) {
    for (const tmp of temporaries) rmSync(tmp, { force: true });
    throw e;
  }
  files.forEach((f, i) => renameSync(temporaries[i]!, f.path));
}

/** NOTE: only regular files are read: reading a device such as /dev/zero whole would never end. */
function assertRegularFile(path: string): void {
  if (!statSync(path).isFile()) throw new UserError(`${path} is not a regular file; give a checkpoint file (.pgc)`);
}

/**
 * Reads and verifies a checkpoint file. Throws a UserError naming the file and the problem when it
 * cannot be read, is not a pegasus checkpoint, is from another format version, is truncated or
 * corrupted, or is of the wrong kind (`expectKind`).
 */
export function loadCheckpoint(path: string, opts: LoadOptions = {}): LoadedCheckpoint {
  let file: Uint8Array;
  try {
    assertRegularFile(path);
    file = readFileSync(path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  return decodeCheckpoint(file, path, opts);
}

/**
 * Reads only the header of a checkpoint file (kind, config, meta): a few kilobytes instead of the
 * whole file, and its data is not verified. For questions such as "at which update was it written?".
 */
export function loadCheckpointHeader(path: string, opts: LoadOptions = {}): CheckpointHeader {
  let fd: number;
  try {
    assertRegularFile(path);
    fd = openSync(path, 'r');
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  try {
    const readUpTo = (n: number): Uint8Array => {
      const bytes = new Uint8Array(n);
      let got = 0;
      for (let r = -1; got < n && r !== 0; got += r) r = readSync(fd, bytes, got, n - got, got);
      return bytes.subarray(0, got);
    };
    const prefix = readUpTo(CHECKPOINT_PREFIX_BYTES);
    return decodeCheckpointHeader(readUpTo(CHECKPOINT_PREFIX_BYTES + checkpointHeaderLength(prefix, path)), path, opts);
  } finally {
    closeSync(fd);
  }
}
