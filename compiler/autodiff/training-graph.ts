// Compile-time autodiff: the int8 forward graph of a network, then its backward graph, pruned to
// what the sparse-update plan needs. Reverse-mode over the forward op list; how each forward op
// passes its gradient on is one entry of GRADIENT_RULES below.
//
// Pruning: a tensor gets a gradient only if it depends on a trained parameter, so backward stops
// at the earliest trained conv; a frozen weight gets no weight-gradient op and no saved input; a
// frozen bias no bias-gradient op. Each parameter gradient is followed by its update op (the
// scheduler decides whether updates run at once or after all of backward).

import { GraphBuilder, type Op, type TrainingGraph } from '../ir/graph.js';
import { elements, type Conv, type Network } from '../ir/network.js';
import type { UpdatePlan } from '../sparse/scheme.js';

interface Ctx {
  g: GraphBuilder;
  net: Network;
  plan: UpdatePlan;
  /** Gradient tensor id of a forward tensor, once some consumer has produced one. */
  grad: Map<number, number>;
  /** Forward tensors that need a gradient (depend on a trained parameter). */
  needsGrad: Set<number>;
  /** Per forward op: the extra tensors its backward reads (mask, saved input). */
  saved: Map<number, { mask?: number; savedInput?: number }>;
}

/** Adds a gradient contribution for forward tensor `t`, accumulating when one exists. */
function addGrad(ctx: Ctx, t: number, contribution: number, forwardOp: Op): void {
  const existing = ctx.grad.get(t);
  if (existing === undefined) { ctx.grad.set(t, contribution); return; }
  const sum = ctx.g.tensor(`d${ctx.g.tensors[t].name}+`, 'float32', ctx.g.tensors[t].shape, 'gradient');
  ctx.g.op({ type: 'grad_accumulate', phase: 'backward', name: `${forwardOp.name}.accumulate`, inputs: [existing, contribution], outputs: [sum], layer: forwardOp.layer, mayRunInPlace: true });
  ctx.grad.set(t, sum);
}

function convBackward(ctx: Ctx, op: Op, dy: number): void {
  const conv = ctx.net.convs[op.conv!];
  const u = ctx.plan.convs[conv.index];
  const { g } = ctx;
  const at = { conv: conv.index, layer: conv.layer };
  const saved = ctx.saved.get(op.id)!;
  const dz = g.feature(`d${conv.name}.z`, 'float32', conv.outShape, 'gradient');
  g.op({ type: 'clamp_backward', phase: 'backward', name: `${conv.name}.clamp_backward`, inputs: [dy, saved.mask!], outputs: [dz], ...at, mayRunInPlace: true });
  if (u.bias) {
    const db = g.tensor(`d${conv.name}.bias`, 'float32', [conv.cout], 'param-grad');
    g.op({ type: 'bias_grad', phase: 'backward', name: `${conv.name}.bias_grad`, inputs: [dz], outputs: [db], ...at });
    g.op({ type: 'sgd_bias', phase: 'update', name: `${conv.name}.sgd_bias`, inputs: [db], outputs: [], ...at });
  }
  const x = op.inputs[0];
  if (ctx.needsGrad.has(x)) {
    const dx = g.feature(`d${conv.name}.in`, 'float32', conv.inShape, 'gradient');
    g.op({ type: conv.depthwise ? 'dwconv_input_grad' : 'conv_input_grad', phase: 'backward', name: `${conv.name}.input_grad`, inputs: [dz], outputs: [dx], ...at });
    addGrad(ctx, x, dx, op);
  }
  if (u.k > 0) {
    const shape = conv.depthwise ? [u.k, conv.kh, conv.kw] : [conv.cout, conv.kh, conv.kw, u.k];
    const dw = g.tensor(`d${conv.name}.weight`, 'float32', shape, 'param-grad');
    g.op({ type: conv.depthwise ? 'dwconv_weight_grad' : 'conv_weight_grad', phase: 'backward', name: `${conv.name}.weight_grad`, inputs: [saved.savedInput!, dz], outputs: [dw], ...at, k: u.k });
    g.op({ type: 'sgd_weight', phase: 'update', name: `${conv.name}.sgd_weight`, inputs: [dw], outputs: [], ...at, k: u.k });
  }
}

/** "op -> how its gradient flows": one rule per forward op type. */
const GRADIENT_RULES: Partial<Record<Op['type'], (ctx: Ctx, op: Op, dy: number) => void>> = {
  conv2d: convBackward,
  dwconv2d: convBackward,
  add(ctx, op, dy) {
    // The add saturates to int8 too: mask, then the same gradient flows to both inputs.
    const g = ctx.g;
    const dz = g.tensor(`d${op.name}.z`, 'float32', g.tensors[dy].shape, 'gradient');
    g.op({ type: 'clamp_backward', phase: 'backward', name: `${op.name}.clamp_backward`, inputs: [dy, ctx.saved.get(op.id)!.mask!], outputs: [dz], layer: op.layer, mayRunInPlace: true });
    for (const x of op.inputs) if (ctx.needsGrad.has(x)) addGrad(ctx, x, dz, op);
  },
  avgpool(ctx, op, dy) {
    const x = op.inputs[0];
    if (!ctx.needsGrad.has(x)) return;
    const shape = ctx.g.tensors[x].shape;
    const dx = ctx.g.tensor(`d${ctx.g.tensors[x].name}`, 'float32', shape, 'gradient');
    // Every pixel's gradient is the same: a schedule whose consumer reads it broadcast keeps it pooled.
    const pooled = ctx.g.tensor(`d${ctx.g.tensors[x].name}.pooled`, 'float32', [shape[shape.length - 1]], 'gradient');
    const pixels = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    ctx.g.op({ type: 'avgpool_backward', phase: 'backward', name: 'pool.backward', inputs: [dy], outputs: [dx], pooled: { tensor: pooled, pixels } });
    addGrad(ctx, x, dx, op);
  },
  fc(ctx, op, dy) {
    const g = ctx.g;
    const c = ctx.net.classifier;
    const outputs: number[] = [];
    const x = op.inputs[0];
    let dx: number | undefined;
    if (ctx.needsGrad.has(x)) { dx = g.tensor('dfeatures', 'float32', [c.cin], 'gradient'); outputs.push(dx); }
    if (ctx.plan.classifier) {
      const dw = g.tensor('dclassifier.weight', 'float32', [c.classes, c.cin], 'param-grad');
      const db = g.tensor('dclassifier.bias', 'float32', [c.classes], 'param-grad');
      outputs.push(dw, db);
      g.op({ type: 'fc_backward', phase: 'backward', name: 'classifier.backward', inputs: [dy, x], outputs });
      g.op({ type: 'sgd_fc', phase: 'update', name: 'classifier.sgd', inputs: [dw, db], outputs: [] });
    } else if (dx !== undefined) {
      g.op({ type: 'fc_backward', phase: 'backward', name: 'classifier.backward', inputs: [dy, x], outputs });
    }
    if (dx !== undefined) addGrad(ctx, x, dx, op);
  },
};

export function buildTrainingGraph(net: Network, plan: UpdatePlan): TrainingGraph {
  const g = new GraphBuilder();
  const needsGrad = new Set<number>();
  const saved = new Map<number, { mask?: number; savedInput?: number }>();
  const trains = (conv: Conv): boolean => plan.convs[conv.index].bias || plan.convs[conv.index].k > 0;

  // ---- forward (int8), with what backward will need recorded on the way ----
  let x = g.feature('input', 'int8', net.input, 'input');
  const convOutput: number[] = [];
  const emitConv = (conv: Conv, x: number): number => {
    const u = plan.convs[conv.index];
    const at = { conv: conv.index, layer: conv.layer };
    let savedInput: number | undefined;
    if (u.k > 0 && u.k < conv.cin) {
      // Keep only the trained channel slice; the full input can then die with its last reader.
      savedInput = g.tensor(`${conv.name}.saved_in`, 'int8', [conv.inShape.h, conv.inShape.w, u.k], 'saved');
      g.op({ type: 'save_slice', phase: 'forward', name: `${conv.name}.save_slice`, inputs: [x], outputs: [savedInput], ...at, k: u.k });
    } else if (u.k > 0) {
      savedInput = x; // all channels train: the input itself lives on until the weight gradient
    }
    const y = g.feature(conv.name, 'int8', conv.outShape, 'activation');
    const outNeedsGrad = needsGrad.has(x) || trains(conv);
    const mask = outNeedsGrad ? g.feature(`${conv.name}.mask`, 'bit', conv.outShape, 'mask') : undefined;
    const op = g.op({
      type: conv.depthwise ? 'dwconv2d' : 'conv2d', phase: 'forward', name: conv.name, inputs: [x], outputs: mask === undefined ? [y] : [y, mask], ...at,
      // In place needs the output to fit where the input was (always so for "same" padding).
      ...(conv.depthwise && elements(conv.outShape) <= elements(conv.inShape) ? { mayRunInPlace: true, inPlaceWorkspaceBytes: conv.inShape.h * conv.inShape.w } : {}),
    });
    saved.set(op.id, { mask, savedInput });
    if (outNeedsGrad) needsGrad.add(y);
    convOutput[conv.index] = y;
    return y;
  };
  for (const block of net.blocks) {
    const blockIn = x;
    for (const conv of block.convs) x = emitConv(conv, x);
    if (block.residual) {
      // The add's other input: the block input itself, or an imported projection of it.
      let shortcut = blockIn;
      for (const conv of block.shortcut ?? []) shortcut = emitConv(conv, shortcut);
      const y = g.feature(`L${block.layer}.add`, 'int8', block.outShape, 'activation');
      const outNeedsGrad = needsGrad.has(x) || needsGrad.has(shortcut);
      const mask = outNeedsGrad ? g.feature(`L${block.layer}.add.mask`, 'bit', block.outShape, 'mask') : undefined;
      const op = g.op({ type: 'add', phase: 'forward', name: `L${block.layer}.add`, inputs: [shortcut, x], outputs: mask === undefined ? [y] : [y, mask], layer: block.layer, mayRunInPlace: true });
      saved.set(op.id, { mask });
      if (outNeedsGrad) needsGrad.add(y);
      x = y;
    }
  }
  const pooled = g.tensor('pool', 'int8', [net.featureShape.c], 'activation');
  g.op({ type: 'avgpool', phase: 'forward', name: 'pool', inputs: [x], outputs: [pooled] });
  if (needsGrad.has(x)) needsGrad.add(pooled);
  const logits = g.tensor('logits', 'float32', [net.classifier.classes], 'activation');
  g.op({ type: 'fc', phase: 'forward', name: 'classifier', inputs: [pooled], outputs: [logits] });
  const anyTraining = needsGrad.has(pooled) || plan.classifier;
  if (!anyTraining) return { tensors: g.tensors, ops: g.ops, convOutput, logits };
  needsGrad.add(logits);

  // ---- loss, then backward in reverse forward order ----
  const dlogits = g.tensor('dlogits', 'float32', [net.classifier.classes], 'gradient');
  g.op({ type: 'log_softmax_nll', phase: 'loss', name: 'loss', inputs: [logits], outputs: [dlogits] });
  const ctx: Ctx = { g, net, plan, grad: new Map([[logits, dlogits]]), needsGrad, saved };
  const forwardOps = g.ops.filter((o) => o.phase === 'forward' && o.type !== 'save_slice');
  for (let i = forwardOps.length - 1; i >= 0; i--) {
    const op = forwardOps[i];
    const dy = ctx.grad.get(op.outputs[0]);
    if (dy === undefined) continue; // nothing trained downstream needs this op's gradient
    GRADIENT_RULES[op.type]?.(ctx, op, dy);
  }
  return { tensors: g.tensors, ops: g.ops, convOutput, logits };
}
