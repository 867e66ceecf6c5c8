// A bench-only exporter: a checkpoint of our U-Net as an ONNX graph (opset 17) with its weights, for the
// onnxruntime-web prediction peer. Never used by the product (the layer rules keep src/ from importing bench/
// and onnx packages). The graph is the inference network: NCHW float32 input [N, 1, H, W] -> class
// probabilities [N, classes, H, W] (softmax over axis 1). BatchNorm uses the moving statistics, dropout is the
// identity. Written with onnx-proto (protobufjs classes compiled from ONNX's own onnx.proto).
import onnxProto from 'onnx-proto';
import { layerList, type UNetConfig } from '../src/model/unet.ts';
import type { NamedArray } from '../src/model/safetensors.ts';
import { hwioToOihw } from './unet-jaxjs.ts';

const { onnx } = onnxProto;

/** Our [k,k,O,C] transposed-conv kernel as ONNX ConvTranspose's [C, O, k, k] (ONNX does not flip it either). */
function convTWeight(a: NamedArray): { dims: number[]; data: Float32Array } {
  const [kh, kw, O, C] = a.shape as [number, number, number, number];
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < kh * kw; i++) for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) out[(c * O + o) * kh * kw + i] = a.data[(i * O + o) * C + c]!;
  return { dims: [C, O, kh, kw], data: out };
}

/** The ONNX model's bytes for our U-Net `c` with parameters `weights` (every parameter of layerList). */
export function exportUNetOnnx(c: UNetConfig, weights: NamedArray[], batch: number | 'N' = 'N'): Uint8Array {
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const l of layerList(c)) for (const p of l.params) if (!byName.has(p.name)) throw new Error(`ONNX export: parameter ${p.name} missing`);
  const get = (n: string) => byName.get(n)!;
  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const init = (name: string, dims: number[], data: Float32Array) => {
    initializers.push(onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) }));
    return name;
  };
  const ints = (name: string, v: number[]) => onnx.AttributeProto.create({ name, ints: v, type: onnx.AttributeProto.AttributeType.INTS });
  const float = (name: string, v: number) => onnx.AttributeProto.create({ name, f: v, type: onnx.AttributeProto.AttributeType.FLOAT });
  const int = (name: string, v: number) => onnx.AttributeProto.create({ name, i: v, type: onnx.AttributeProto.AttributeType.INT });
  let counter = 0;
  const node = (opType: string, inputs: string[], attribute: InstanceType<typeof onnx.AttributeProto>[] = []) => {
    const out = `${opType.toLowerCase()}_${++counter}`;
    nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: [out], name: out, attribute }));
    return out;
  };
  const conv = (name: string, h: string, k: number) => {
    const w = hwioToOihw(get(`${name}.kernel`).data, get(`${name}.kernel`).shape);
    const p = (k - 1) >> 1;
    return node('Conv', [h, init(`${name}.kernel`, w.dims, w.data), init(`${name}.bias`, [w.dims[0]!], get(`${name}.bias`).data)], [ints('kernel_shape', [k, k]), ints('pads', [p, p, p, p])]);
  };
  const bn = (name: string, h: string) => {
    const ch = get(`${name}.gamma`).data.length;
    return node('BatchNormalization', [h, init(`${name}.gamma`, [ch], get(`${name}.gamma`).data), init(`${name}.beta`, [ch], get(`${name}.beta`).data), init(`${name}.moving_mean`, [ch], get(`${name}.moving_mean`).data), init(`${name}.moving_variance`, [ch], get(`${name}.moving_variance`).data)], [float('epsilon', 1e-3)]);
  };
  const block = (name: string, h: string) => node('Relu', [conv(`${name}.conv2`, bn(`${name}.bn`, node('Relu', [conv(`${name}.conv1`, h, 3)])), 3)]);
  const skips: string[] = [];
  let h = 'image';
  c.filters.forEach((_, i) => {
    h = block(`enc${i + 1}`, h);
    if (i < 4) {
      skips.push(h);
      h = node('MaxPool', [h], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]);
    }
  });
  h = block('bottom', h);
  for (let i = 0; i < 4; i++) {
    const name = `up${4 - i}`;
    const k = i === 0 ? 3 : 2;
    const w = convTWeight(get(`${name}.convT.kernel`));
    // y[2i + kh] += x[i] w[kh] (src/reference/conv.ts conv2dTransposeRef): ONNX gives 2(H-1) + k rows, so kernel 3 crops one at the end
    const crop = k - 2;
    h = node('ConvTranspose', [h, init(`${name}.convT.kernel`, w.dims, w.data), init(`${name}.convT.bias`, [w.dims[1]!], get(`${name}.convT.bias`).data)], [ints('kernel_shape', [k, k]), ints('strides', [2, 2]), ints('pads', [0, 0, crop, crop])]);
    h = node('LeakyRelu', [bn(`${name}.bn`, h)], [float('alpha', c.leakyAlpha)]);
    h = node('Concat', [h, skips[3 - i]!], [int('axis', 1)]);
    h = block(`dec${4 - i}`, h);
  }
  const logits = conv('head', h, 1);
  nodes.push(onnx.NodeProto.create({ opType: 'Softmax', input: [logits], output: ['probabilities'], name: 'softmax', attribute: [int('axis', 1)] }));
  const dim = (v: number | string) => (typeof v === 'number' ? onnx.TensorShapeProto.Dimension.create({ dimValue: v }) : onnx.TensorShapeProto.Dimension.create({ dimParam: v }));
  const valueInfo = (name: string, channels: number) =>
    onnx.ValueInfoProto.create({ name, type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: onnx.TensorProto.DataType.FLOAT, shape: onnx.TensorShapeProto.create({ dim: [dim(batch), dim(channels), dim(c.height), dim(c.width)] }) }) }) });
  const graph = onnx.GraphProto.create({ name: 'spineseg_unet', node: nodes, initializer: initializers, input: [valueInfo('image', c.inChannels)], output: [valueInfo('probabilities', c.classes)] });
  const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'spineseg bench/onnx-export.ts', opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })], graph });
  return onnx.ModelProto.encode(model).finish();
}
