/**
 * Checkpoint files: named tensors plus a JSON header, in one self-describing binary file.
 *
 * Format (version 2), all integers little-endian:
 *
 *   offset 0   8 bytes   magic "PEGASUS\0"
 *   offset 8   uint32    format version (2; version 1 files, without headerCrc32, are still read)
 *   offset 12  uint32    header length H in bytes
 *   offset 16  H bytes   header: UTF-8 JSON
 *                          { "kind":   string            what the file holds, e.g. "generator"
 *                            "config": any JSON          the model/run config that built it
 *                            "meta":   any JSON          step counts, RNG state, optimiser layout …
 *                            "tensors": [ { "name", "dtype": "float32"|"float64", "shape": number[],
 *                                           "offset": byte offset into the data section,
 *                                           "bytes": byte length } ]
 *                            "dataBytes": length of the data section,
 *                            "crc32":  CRC-32 (IEEE) of the data section,
 *                            "headerCrc32": "hhhhhhhh"  the last key: CRC-32 of the header's own bytes
 *                                      with these 8 hex digits written as "00000000" }
 *   then zero padding up to a multiple of 8 bytes, then the data section: each tensor's values
 *   as raw little-endian floats, contiguous row-major, every tensor starting on an 8-byte boundary.
 *
 * Why: the header makes a file explain itself (what it is, which config built it, which shapes it
 * holds), so loading the wrong file fails with a message instead of garbage; the CRC catches
 * truncated or corrupted data and the header checksum an edited header (a class renamed, a size
 * changed); raw arrays load with one copy. Files are written to a temporary
 * name and renamed, so a crash never leaves a half-written checkpoint under the real name.
 *
 * This file encodes and decodes bytes only (no Node APIs, so browsers can read checkpoints);
 * checkpointFile.ts reads and writes files.
 */
import { type DType, shapeSize, type Tensor, tensor } from '../engine/index.js';
import { UserError } from '../errors.js';

export const CHECKPOINT_MAGIC = 'PEGASUS\0';
export const CHECKPOINT_VERSION = 2;
/** Format versions this code reads. */
const READABLE_VERSIONS = [1, 2];
/** How a version-2 header ends: its own checksum as the last key. */
const HEADER_CRC_TAIL = /,"headerCrc32":"([0-9a-f]{8})"\}$/;
const HEADER_CRC_PLACEHOLDER = '00000000';

export interface CheckpointContents {
  /** What the file holds ("generator", "gan-train", …); checked by `expectKind` on load. */
  readonly kind: string;
  /** The config that built the model (JSON-serialisable). */
  readonly config: unknown;
  readonly tensors: Readonly<Record<string, Tensor>>;
  /** Anything else JSON-serialisable (step, RNG state, …). */
  readonly meta?: unknown;
}

export interface LoadedCheckpoint {
  readonly kind: string;
  readonly config: unknown;
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly meta: unknown;
  readonly version: number;
}

export interface LoadOptions {
  /** Refuse files of any other kind. */
  readonly expectKind?: string;
}

interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  bytes: number;
}

interface Header {
  kind: string;
  config: unknown;
  meta: unknown;
  tensors: TensorEntry[];
  dataBytes: number;
  crc32: number;
}

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3 polynomial, as zlib and PNG use). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

function checkEndianness(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('checkpoints: only little-endian machines are supported');
  }
}

/** The header-and-padding bytes and the data section of a checkpoint (written one after the other). */
export function encodeCheckpoint(contents: CheckpointContents): { prefix: Uint8Array; data: Uint8Array } {
  checkEndianness();
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(contents.tensors)) {
    const bytes = t.data.byteLength;
    entries.push({ name, dtype: t.dtype, shape: [...t.shape], offset, bytes });
    offset = align8(offset + bytes);
  }
  const data = new Uint8Array(offset);
  Object.values(contents.tensors).forEach((t, i) => {
    const d = t.data;
    data.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), entries[i]!.offset);
  });
  const header: Header = {
    kind: contents.kind,
    config: contents.config ?? null,
    meta: contents.meta ?? null,
    tensors: entries,
    dataBytes: data.length,
    crc32: crc32(data),
  };
  const json = JSON.stringify(header);
  const unsigned = `${json.slice(0, -1)},"headerCrc32":"${HEADER_CRC_PLACEHOLDER}"}`;
  const headerCrc = crc32(new TextEncoder().encode(unsigned)).toString(16).padStart(8, '0');
  const headerBytes = new TextEncoder().encode(`${json.slice(0, -1)},"headerCrc32":"${headerCrc}"}`);
  const prefix = new Uint8Array(align8(16 + headerBytes.length));
  for (let i = 0; i < 8; i++) prefix[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  const view = new DataView(prefix.buffer);
  view.setUint32(8, CHECKPOINT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  prefix.set(headerBytes, 16);
  return { prefix, data };
}

/** What a checkpoint's header says (its kind, config and meta), without its tensors. */
export interface CheckpointHeader {
  readonly kind: string;
  readonly config: unknown;
  readonly meta: unknown;
  readonly version: number;
}

/** Bytes from the start of a checkpoint file that hold the length of its header (see the format above). */
export const CHECKPOINT_PREFIX_BYTES = 16;

/**
 * Decodes the header of a checkpoint from its first bytes (at least the 16-byte prefix and the
 * header; `file` may stop there: the data section is not read or verified).
 */
export function decodeCheckpointHeader(file: Uint8Array, source: string, opts: LoadOptions = {}): CheckpointHeader {
  const { header, version } = decodeHeader(file, source, opts);
  return { kind: header.kind, config: header.config, meta: header.meta, version };
}

/** The length of the header of a checkpoint whose first 16 bytes are `prefix` (after checking its magic and version). */
export function checkpointHeaderLength(prefix: Uint8Array, source: string): number {
  return decodeHeaderLength(prefix, source).headerLen;
}

function decodeHeaderLength(file: Uint8Array, source: string): { headerLen: number; version: number } {
  const bad = (why: string) => new UserError(`${source}: ${why}`);
  let magic = '';
  for (let i = 0; i < Math.min(8, file.length); i++) magic += String.fromCharCode(file[i]!);
  if (file.length < 16 || magic !== CHECKPOINT_MAGIC) throw bad('not a pegasus checkpoint (bad magic bytes)');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = view.getUint32(8, true);
  if (!READABLE_VERSIONS.includes(version)) {
    throw bad(`checkpoint format version ${version} is not supported (this pegasus reads versions ${READABLE_VERSIONS.join(' and ')})`);
  }
  return { headerLen: view.getUint32(12, true), version };
}

function decodeHeader(file: Uint8Array, source: string, opts: LoadOptions): { header: Header; headerLen: number; version: number } {
  checkEndianness();
  const bad = (why: string) => new UserError(`${source}: ${why}`);
  const { headerLen, version } = decodeHeaderLength(file, source);
  if (16 + headerLen > file.length) throw bad('truncated checkpoint (the header is cut off)');
  let header: Header;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(16, 16 + headerLen));
    header = JSON.parse(text) as Header;
  } catch {
    throw bad('corrupted checkpoint (the header is not valid JSON)');
  }
  if (version >= 2) {
    const m = HEADER_CRC_TAIL.exec(text);
    const unsigned = m === null ? '' : `${text.slice(0, m.index)},"headerCrc32":"${HEADER_CRC_PLACEHOLDER}"}`;
    if (m === null || crc32(new TextEncoder().encode(unsigned)) !== Number.parseInt(m[1]!, 16)) {
      throw bad('corrupted checkpoint (header checksum mismatch: the header was edited or damaged)');
    }
  }
  if (typeof header.kind !== 'string' || !Array.isArray(header.tensors) || typeof header.dataBytes !== 'number') {
    throw bad('corrupted checkpoint (the header lacks kind, tensors or dataBytes)');
  }
  if (opts.expectKind !== undefined && header.kind !== opts.expectKind) {
    throw bad(`holds a "${header.kind}" checkpoint, expected "${opts.expectKind}"`);
  }
  return { header, headerLen, version };
}

/**
 * Verifies and decodes checkpoint bytes; `source` (a path or URL) names the file in errors.
 * Throws a UserError when the bytes are not a pegasus checkpoint, are from another format version,
 * are truncated or corrupted, or hold the wrong kind.
 */
export function decodeCheckpoint(file: Uint8Array, source: string, opts: LoadOptions = {}): LoadedCheckpoint {
  const bad = (why: string) => new UserError(`${source}: ${why}`);
  const { header, headerLen, version } = decodeHeader(file, source, opts);
  const start = align8(16 + headerLen);
  if (file.length < start + header.dataBytes) {
    throw bad(`truncated checkpoint (${file.length} bytes, expected ${start + header.dataBytes})`);
  }
  // Copy the data section out so its typed arrays are aligned and independent of `file`.
  // NOTE: not file.slice(): on a Node Buffer that is a view, not a copy.
  const data = new Uint8Array(header.dataBytes);
  data.set(file.subarray(start, start + header.dataBytes));
  if (crc32(data) !== header.crc32) throw bad('corrupted checkpoint (data checksum mismatch)');

  const tensors: Record<string, Tensor> = {};
  for (const e of header.tensors) {
    const width = e.dtype === 'float64' ? 8 : e.dtype === 'float32' ? 4 : 0;
    if (width === 0 || e.bytes !== shapeSize(e.shape) * width || e.offset % 8 !== 0 || e.offset + e.bytes > data.length) {
      throw bad(`corrupted checkpoint (tensor ${e.name} has an inconsistent entry)`);
    }
    const values =
      e.dtype === 'float64' ? new Float64Array(data.buffer, e.offset, e.bytes / 8) : new Float32Array(data.buffer, e.offset, e.bytes / 4);
    tensors[e.name] = tensor(values, e.shape, { dtype: e.dtype });
  }
  return { kind: header.kind, config: header.config, tensors, meta: header.meta, version };
}
