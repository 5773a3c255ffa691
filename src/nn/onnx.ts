/**
 * Writing ONNX models (the Open Neural Network Exchange format, onnx.ai): a graph of standard
 * operators with the weights inside, which onnxruntime, Netron, PyTorch and many other tools open.
 *
 * The file is a protocol-buffer `onnx.ModelProto`. protobufjs encodes it from the subset of the
 * schema written below (field numbers as in onnx/onnx.proto); `OnnxGraph` collects nodes and
 * weights; the model files describe their own forward pass with it (src/models/cgan/onnx.ts,
 * src/models/classifier/onnx.ts). Opset 13 (IR version 7), which every current runtime reads.
 */
import protobuf from 'protobufjs';
import type { Tensor } from '../engine/index.js';

export const ONNX_OPSET = 13;
const IR_VERSION = 7;
/** TensorProto.DataType */
const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.AttributeType */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

const field = (type: string, id: number, rule?: 'repeated') => ({ type, id, ...(rule && { rule }) });
const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: field('int64', 1),
            opsetImport: field('OperatorSetIdProto', 8, 'repeated'),
            producerName: field('string', 2),
            producerVersion: field('string', 3),
            docString: field('string', 6),
            graph: field('GraphProto', 7),
            metadataProps: field('StringStringEntryProto', 14, 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: field('string', 1), version: field('int64', 2) } },
        StringStringEntryProto: { fields: { key: field('string', 1), value: field('string', 2) } },
        GraphProto: {
          fields: {
            node: field('NodeProto', 1, 'repeated'),
            name: field('string', 2),
            initializer: field('TensorProto', 5, 'repeated'),
            input: field('ValueInfoProto', 11, 'repeated'),
            output: field('ValueInfoProto', 12, 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: field('string', 1, 'repeated'),
            output: field('string', 2, 'repeated'),
            name: field('string', 3),
            opType: field('string', 4),
            attribute: field('AttributeProto', 5, 'repeated'),
          },
        },
        AttributeProto: {
          fields: {
            name: field('string', 1),
            type: field('int32', 20),
            f: field('float', 2),
            i: field('int64', 3),
            s: field('bytes', 4),
            ints: field('int64', 8, 'repeated'),
          },
        },
        TensorProto: {
          fields: {
            dims: field('int64', 1, 'repeated'),
            dataType: field('int32', 2),
            name: field('string', 8),
            rawData: field('bytes', 9),
          },
        },
        ValueInfoProto: { fields: { name: field('string', 1), type: field('TypeProto', 2) } },
        TypeProto: { fields: { tensorType: field('TensorTypeProto', 1) } },
        TensorTypeProto: { fields: { elemType: field('int32', 1), shape: field('TensorShapeProto', 2) } },
        TensorShapeProto: { fields: { dim: field('Dimension', 1, 'repeated') } },
        Dimension: { fields: { dimValue: field('int64', 1), dimParam: field('string', 2) } },
      },
    },
  },
});
const ModelProto = root.lookupType('onnx.ModelProto');

/** An attribute value: a number is a float unless `int` says otherwise; arrays are int lists. */
export type OnnxAttribute = number | string | readonly number[] | { readonly int: number };

/** A graph input or output: its name and shape (a string names a free dimension, e.g. 'N'). */
export interface OnnxValue {
  readonly name: string;
  readonly shape: readonly (number | string)[];
}

interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: object[];
}

/**
 * A graph being built: weights (`weight`, `ints`), operators (`op`, which returns its output's
 * name), and then `encode` to the file's bytes.
 * @example const g = new OnnxGraph('generator'); const y = g.op('Relu', [g.input('x', ['N', 3])]); g.output(y, ['N', 3]);
 */
export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly weights: object[] = [];
  private readonly weightNames = new Set<string>();
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private count = 0;

  constructor(readonly name: string) {}

  /** Declares a float input of the graph; returns its name. */
  input(name: string, shape: OnnxValue['shape']): string {
    this.inputs.push(valueInfo({ name, shape }));
    return name;
  }

  /** Declares `name` (an operator's output) a float output of the graph, under the name `as`. */
  output(name: string, shape: OnnxValue['shape'], as = name): void {
    const out = as === name ? name : this.op('Identity', [name], {}, as);
    this.outputs.push(valueInfo({ name: out, shape }));
  }

  /** A float32 weight (copied as it is now); returns its name. */
  weight(name: string, t: Tensor | { readonly data: Float32Array; readonly shape: readonly number[] }): string {
    const data = Float32Array.from(t.data);
    return this.addWeight(name, FLOAT, t.shape, new Uint8Array(data.buffer));
  }

  /** An int64 weight (e.g. a Reshape's target shape); returns its name. */
  ints(name: string, values: readonly number[]): string {
    return this.addWeight(name, INT64, [values.length], new Uint8Array(BigInt64Array.from(values, BigInt).buffer));
  }

  /** A float32 constant that several operators share: added the first time, its name after that. */
  constant(name: string, values: readonly number[], shape: readonly number[]): string {
    if (this.weightNames.has(name)) return name;
    return this.weight(name, { data: Float32Array.from(values), shape });
  }

  /** Appends an operator; returns the name of its (first) output. */
  op(opType: string, input: readonly string[], attrs: Readonly<Record<string, OnnxAttribute>> = {}, out?: string): string {
    const name = `${opType}_${this.count++}`;
    const output = out ?? name;
    const attribute = Object.entries(attrs).map(([k, v]) => attributeOf(k, v));
    this.nodes.push({ input: [...input], output: [output], name, opType, attribute });
    return output;
  }

  /** The .onnx file's bytes; `metadata` goes into the model's metadata_props. */
  encode(metadata: Readonly<Record<string, string>> = {}): Uint8Array {
    const model = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'pegasus',
      graph: { node: this.nodes, name: this.name, initializer: this.weights, input: this.inputs, output: this.outputs },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
    const err = ModelProto.verify(model);
    if (err !== null) throw new Error(`OnnxGraph.encode: ${err}`);
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }

  private addWeight(name: string, dataType: number, dims: readonly number[], bytes: Uint8Array): string {
    if (this.weightNames.has(name)) throw new Error(`OnnxGraph: weight "${name}" given twice`);
    this.weightNames.add(name);
    // NOTE: raw_data is little-endian; typed arrays are too on every platform Node supports.
    this.weights.push({ name, dataType, dims: [...dims], rawData: bytes });
    return name;
  }
}

function valueInfo(v: OnnxValue): object {
  const dim = v.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name: v.name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

function attributeOf(name: string, v: OnnxAttribute): object {
  if (typeof v === 'number') return { name, type: ATTR.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if ('int' in v) return { name, type: ATTR.INT, i: v.int };
  return { name, type: ATTR.INTS, ints: [...v] };
}

/**
 * The graph of a .onnx file, decoded (tests and `pegasus export` read back what they wrote).
 * @example decodeOnnx(bytes).graph.node.map((n) => n.opType)
 */
export function decodeOnnx(bytes: Uint8Array): {
  irVersion: number;
  graph: { node: { opType: string; input: string[]; output: string[] }[]; initializer: { name: string; dims: number[] }[] };
  metadataProps: { key: string; value: string }[];
} {
  const m = ModelProto.decode(bytes);
  return ModelProto.toObject(m, { longs: Number, defaults: true, arrays: true }) as ReturnType<typeof decodeOnnx>;
}
