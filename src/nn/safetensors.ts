/**
 * The safetensors format (Hugging Face): the tensor container PyTorch, JAX and many tools read.
 *
 *   8 bytes   uint64 little-endian N: the header's length
 *   N bytes   UTF-8 JSON: { "<name>": { "dtype": "F32" | "F64", "shape": [...], "data_offsets": [begin, end] },
 *                           "__metadata__": { "<key>": "<string>" } }   (padded with spaces to 8 bytes)
 *   the data: each tensor's values, little-endian, row-major, at [begin, end) after the header
 *
 * pegasus keeps what a .pgc header holds beside the tensors in `__metadata__` (`pegasus.kind`,
 * `pegasus.config`, `pegasus.meta`, as JSON strings), so a model exported this way can be imported
 * back. No Node APIs: bytes in, bytes out.
 */
import { shapeSize, tensor, type DType, type Tensor } from '../engine/index.js';
import { UserError } from '../errors.js';

const DTYPES: Record<DType, string> = { float32: 'F32', float64: 'F64' };
const WIDTH: Record<string, { dtype: DType; bytes: number }> = { F32: { dtype: 'float32', bytes: 4 }, F64: { dtype: 'float64', bytes: 8 } };

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * The safetensors bytes of `tensors`, with string metadata.
 * @example writeFileSync('g.safetensors', encodeSafetensors(g.stateDict(), { 'pegasus.kind': 'generator' }));
 */
export function encodeSafetensors(tensors: Readonly<Record<string, Tensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, Entry | Record<string, string>> = { __metadata__: { ...metadata } };
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = t.data.byteLength;
    header[name] = { dtype: DTYPES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const d = tensors[name]!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

/**
 * The tensors and metadata of safetensors bytes (F32 and F64 tensors). Throws a UserError naming
 * `source` for anything malformed or of another dtype.
 */
export function decodeSafetensors(file: Uint8Array, source: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new UserError(`${source}: ${why}`);
  if (file.length < 8) throw bad('not a safetensors file (shorter than its 8-byte header length)');
  const n = Number(new DataView(file.buffer, file.byteOffset, file.byteLength).getBigUint64(0, true));
  if (8 + n > file.length) throw bad('not a safetensors file (its header length runs past the end)');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch {
    throw bad('not a safetensors file (the header is not JSON)');
  }
  const data = file.subarray(8 + n);
  const tensors: Record<string, Tensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as Partial<Entry>;
    const w = typeof e.dtype === 'string' ? WIDTH[e.dtype] : undefined;
    if (w === undefined) throw bad(`tensor ${name} has dtype ${String(e.dtype)}; pegasus reads F32 and F64`);
    const [begin, end] = e.data_offsets ?? [NaN, NaN];
    if (!Array.isArray(e.shape) || !(begin >= 0) || !(end <= data.length) || end - begin !== shapeSize(e.shape) * w.bytes) {
      throw bad(`tensor ${name} has an inconsistent entry`);
    }
    // copied out, so the typed array is aligned and independent of `file` (NOTE: not slice(): on
    // a Node Buffer that is a view of a shared pool)
    const bytes = new Uint8Array(end - begin);
    bytes.set(data.subarray(begin, end));
    const values = w.dtype === 'float64' ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
    tensors[name] = tensor(values, e.shape, { dtype: w.dtype });
  }
  return { tensors, metadata };
}
