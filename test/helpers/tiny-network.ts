// A small 1-D network (input [52, 3], a residual block, stride-2 convs on even lengths) with
// He-initialised int8 tensors, for tests that write it as a .tflite without pretraining it.
import { parseConfig } from '../../compiler/config/parse.js';
import type { NetworkExport } from '../../compiler/export/network-tflite.js';
import { buildNetwork } from '../../compiler/ir/network.js';
import { quantizeModel } from '../../compiler/quantize/quantize.js';
import { heInit } from '../../compiler/weights/model-weights.js';

export const TINY_1D = `model:
  name: har
  input: [52, 3]
  classes: 3
  layers:
    - conv:   { out: 8, kernel: 5, stride: 2 }
    - mbconv: { out: 8, kernel: 5, expand: 1 }
    - mbconv: { out: 12, kernel: 3, expand: 2, stride: 2 }
target: { board: stm32f405 }
train: { update: { biases: 0 } }
`;

export function tinyOneD(): NetworkExport {
  const net = buildNetwork(parseConfig(TINY_1D).spec!.model);
  const r: [number, number] = [-2, 3];
  const quant = quantizeModel(net, heInit(net, 3), { input: r, convOut: net.convs.map(() => r), addOut: net.blocks.map((b) => (b.residual ? r : undefined)), pool: r });
  return { net, quant, logits: { scale: 0.1, zeroPoint: 3 } };
}
