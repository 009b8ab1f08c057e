// A TinyTrain network (a YAML config's, 2-D or 1-D) with its int8 tensors -> an int8 .tflite
// written the way the TFLite converter writes int8 models, so any TFLite runtime runs it and
// TinyTrain imports it back: CONV_2D / DEPTHWISE_CONV_2D with per-channel int8 weights (axis 0 /
// axis 3) and int32 biases at scale s_in * s_w[o], the residual ADD, MEAN over H, W as the global
// pool (its output has a scale of its own, which AVERAGE_POOL_2D may not), the classifier as a
// 1x1 CONV_2D (per-class weight scales, as TinyTrain quantizes them; FULLY_CONNECTED is
// per-tensor), RESHAPE to [1, classes] and SOFTMAX (int8, scale 1/256, zero point -128).
//
// Padding: a conv whose padding is TFLite's SAME is written SAME, an unpadded one VALID. The
// config language's centred "same" (at stride 2 on an even input its odd pad row goes before,
// TFLite's after) is written SAME with the kernel grown by zero taps at its end, which moves
// SAME's window onto TinyTrain's with the same sums. Not a PAD + VALID conv: Arm NN 20.08's
// parser pads int8 with 0 instead of the zero point, so the oracle would disagree with every
// TFLite runtime; PAD + VALID stays for padding no SAME conv gives. A 1-D network (time on h,
// w = 1) is written with input [1, T, 1, C] and kernels [O, K, 1, C].

import { tfliteSamePadding, type Activation, type Conv, type Network, type Shape } from '../ir/network.js';
import { OP, opName, type TfliteModel, type TfliteOp, type TfliteQuant, type TfliteTensor, type TfliteType } from '../import/tflite.js';
import { writeTflite } from '../import/tflite-write.js';
import type { QParams, QuantModel } from '../weights/model-weights.js';
import { bytesOf } from '../weights/files.js';

export interface NetworkExport {
  net: Network;
  quant: QuantModel;
  /** The int8 quantization of the classifier's output (the logits), e.g. calibrated on data. */
  logits: QParams;
  description?: string;
}

/** TFLite's fixed int8 softmax output (the quantization spec). */
export const SOFTMAX_OUT: QParams = { scale: 1 / 256, zeroPoint: -128 };

const FUSED: Record<Activation, number> = { none: 0, relu: 1, relu6: 3 };
const SAME = 0, VALID = 1;

const perTensor = (q: QParams): TfliteQuant => ({ scale: [q.scale], zeroPoint: [q.zeroPoint], axis: 0 });
const perChannel = (scales: ArrayLike<number>, axis: number): TfliteQuant => ({ scale: Array.from(scales), zeroPoint: Array.from(scales, () => 0), axis });

/**
 * The zero taps to add after a kernel of k along one axis so that TFLite's SAME padding puts
 * `before` pad rows first and gives `out` outputs, as TinyTrain's padding does; undefined when
 * none does. (The config language centres its "same" padding: at stride 2 on an even input the
 * odd pad row goes before, where TFLite's SAME puts it after. One zero tap more moves SAME's
 * window to TinyTrain's, with the same sums: the extra tap reads a pad or input value times 0.)
 */
export function sameExtension(inSize: number, k: number, s: number, before: number, out: number): number | undefined {
  if (Math.ceil(inSize / s) !== out) return undefined;
  for (let e = 0; e <= 2 * s; e++) if (tfliteSamePadding(inSize, k + e, s)[0] === before) return e;
  return undefined;
}

/** Writes the network as an int8 .tflite. Throws an Error naming what cannot be written. */
export function networkToTflite(e: NetworkExport): Uint8Array {
  return writeTflite(networkTables(e));
}

/** The .tflite tables of the network (what writeTflite writes and readTflite reads). */
export function networkTables({ net, quant: q, logits, description }: NetworkExport): TfliteModel {
  const tensors: TfliteTensor[] = [];
  const ops: TfliteOp[] = [];
  const tensor = (name: string, shape: number[], type: TfliteType, quant?: TfliteQuant, data?: Uint8Array): number => {
    const index = tensors.length;
    tensors.push({ index, name, shape, type, ...(quant ? { quant } : {}), ...(data ? { data } : {}) });
    return index;
  };
  const op = (code: number, inputs: number[], outputs: number[], options: TfliteOp['options'] = {}): void => {
    ops.push({ index: ops.length, code, name: opName(code), inputs, outputs, options });
  };
  const nhwc = (s: Shape): number[] => [1, s.h, s.w, s.c];

  if (q.convs.length !== net.convs.length) throw new Error(`the int8 model has ${q.convs.length} convs; the network has ${net.convs.length}`);
  const input = tensor('input', nhwc(net.input), 'int8', perTensor(q.input));
  let x = input;
  let xq = q.input;

  const conv = (c: Conv): void => {
    const qc = q.convs[c.index];
    const p = c.pad;
    if (p.top < 0 || p.left < 0 || p.bottom < 0 || p.right < 0) throw new Error(`conv ${c.index} (${c.name}) has negative padding, which a .tflite conv cannot express`);
    const out = tensor(c.name, nhwc(c.outShape), 'int8', perTensor(qc.out));
    const eh = sameExtension(c.inShape.h, c.kh, c.sh, p.top, c.outShape.h);
    const ew = sameExtension(c.inShape.w, c.kw, c.sw, p.left, c.outShape.w);
    let padding = VALID, kh = c.kh, kw = c.kw;
    if (eh !== undefined && ew !== undefined && (p.top || p.bottom || p.left || p.right)) {
      padding = SAME; kh += eh; kw += ew;
    } else if (p.top || p.bottom || p.left || p.right) {
      // Padding no SAME conv gives: an explicit PAD (the zero point), then a VALID conv.
      const paddings = tensor(`${c.name}/paddings`, [4, 2], 'int32', undefined, bytesOf(Int32Array.from([0, 0, p.top, p.bottom, p.left, p.right, 0, 0])));
      const padded = tensor(`${c.name}/pad`, [1, c.inShape.h + p.top + p.bottom, c.inShape.w + p.left + p.right, c.cin], 'int8', perTensor(xq));
      op(OP.PAD, [x, paddings], [padded]);
      x = padded;
    }
    // The file's kernel [kh, kw] holds TinyTrain's [c.kh, c.kw] taps at its top left, zeros after.
    const per = c.depthwise ? 1 : c.cin;
    const w = new Int8Array(c.cout * kh * kw * per);
    for (let o = 0; o < c.cout; o++) {
      for (let i = 0; i < c.kh; i++) {
        for (let j = 0; j < c.kw; j++) {
          for (let ch = 0; ch < per; ch++) {
            const v = c.depthwise ? qc.w[o * c.taps + i * c.kw + j] : qc.w[((o * c.kh + i) * c.kw + j) * per + ch];
            // depthwise: TinyTrain [c][kh][kw] -> TFLite [1][kh][kw][c]; conv: OHWI both
            w[c.depthwise ? (i * kw + j) * c.cout + o : ((o * kh + i) * kw + j) * per + ch] = v;
          }
        }
      }
    }
    const filter = c.depthwise
      ? tensor(`${c.name}/weights`, [1, kh, kw, c.cout], 'int8', perChannel(qc.sw, 3), bytesOf(w))
      : tensor(`${c.name}/weights`, [c.cout, kh, kw, c.cin], 'int8', perChannel(qc.sw, 0), bytesOf(w));
    const bias = tensor(`${c.name}/bias`, [c.cout], 'int32', perChannel(Array.from(qc.sw, (s) => xq.scale * s), 0), bytesOf(qc.b));
    const common = { padding, stride_w: c.sw, stride_h: c.sh, fused_activation_function: FUSED[c.act], dilation_w_factor: 1, dilation_h_factor: 1 };
    op(c.depthwise ? OP.DEPTHWISE_CONV_2D : OP.CONV_2D, [x, filter, bias], [out], c.depthwise ? { ...common, depth_multiplier: 1 } : common);
    x = out;
    xq = qc.out;
  };

  net.blocks.forEach((block, b) => {
    const blockIn = x;
    for (const c of block.convs) conv(c);
    if (!block.residual) return;
    if (block.shortcut?.length) throw new Error(`block ${b} has a projection shortcut; writing one is not supported yet`);
    const addQ = q.adds[b];
    if (!addQ) throw new Error(`block ${b} is residual but the int8 model has no quantization for its add`);
    const out = tensor(`L${block.layer}.add`, nhwc(block.outShape), 'int8', perTensor(addQ));
    op(OP.ADD, [blockIn, x], [out], { fused_activation_function: FUSED[block.addAct ?? 'none'] });
    x = out;
    xq = addQ;
  });

  // Global average pool: MEAN over H, W, kept as [1, 1, 1, C] for the 1x1 conv classifier.
  const { cin, classes } = net.classifier;
  const axes = tensor('pool/axes', [2], 'int32', undefined, bytesOf(Int32Array.from([1, 2])));
  const pooled = tensor('pool', [1, 1, 1, cin], 'int8', perTensor(q.pool));
  op(OP.MEAN, [x, axes], [pooled], { keep_dims: 1 });

  const fcw = tensor('classifier/weights', [classes, 1, 1, cin], 'int8', perChannel(q.fc.sw, 0), bytesOf(q.fc.w));
  const fcb = tensor('classifier/bias', [classes], 'int32', perChannel(Array.from(q.fc.sw, (s) => q.pool.scale * s), 0), bytesOf(q.fc.b));
  const logitsT = tensor('classifier', [1, 1, 1, classes], 'int8', perTensor(logits));
  op(OP.CONV_2D, [pooled, fcw, fcb], [logitsT], { padding: VALID, stride_w: 1, stride_h: 1, fused_activation_function: 0, dilation_w_factor: 1, dilation_h_factor: 1 });

  const shape = tensor('logits/shape', [2], 'int32', undefined, bytesOf(Int32Array.from([1, classes])));
  const flat = tensor('logits', [1, classes], 'int8', perTensor(logits));
  op(OP.RESHAPE, [logitsT, shape], [flat], { new_shape: [1, classes] });
  const probs = tensor('probabilities', [1, classes], 'int8', perTensor(SOFTMAX_OUT));
  op(OP.SOFTMAX, [flat], [probs], { beta: 1 });

  return { version: 3, description: description ?? `TinyTrain ${net.name}`, tensors, ops, inputs: [input], outputs: [probs], subgraphCount: 1 };
}
