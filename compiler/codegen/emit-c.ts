// Memory plan -> one C file and header per model: a single static arena of exactly the planned
// size, every tensor a constant offset into it, the op list as straight-line kernel calls,
// const weights for flash and SRAM copies only for trained slices.
//
// API of the generated code (tt_model.h): tt_init(), tt_input_buffer(), tt_train_step(),
// tt_infer(). With -DTT_DEBUG_BOUNDS, every op is checked at run time to write only inside
// the tensors the plan gave it (a shadow copy of the arena is compared after each op).

import type { Op, Tensor, TrainingGraph } from '../ir/graph.js';
import { isPointwise, type Activation, type Conv, type Network } from '../ir/network.js';
import type { MemoryPlan } from '../memory/memory-plan.js';
import { trainedSliceBytes, trainedWeightSramBytes, weightCopyBytes } from '../sparse/costs.js';
import { weightUpdateNames } from './weight-update.js';
import type { UpdatePlan } from '../sparse/scheme.js';
import type { QParams, QuantModel } from '../weights/model-weights.js';
import { cComment, cString } from './text.js';
import { chunkedBackwardLines } from './emit-chunked.js';
import { streamLines } from './emit-stream.js';

export interface CodegenOptions {
  lr: number;
  qas: boolean;
  seed: number;
  /** A hash of the model and plan, reported by the device in its HELLO. */
  modelHash: number;
  /** train.lr_decay: cosine, over this many steps (the run's); absent = lr held constant. */
  cosineDecaySteps?: number;
  /** An imported model's own output (its classifier's int8 logits, then its softmax), emitted as
   * tt_output(); absent for config models and for a replaced classifier. */
  head?: { logits: QParams; softmax?: { beta: number; out: QParams } };
  /** 'fast' (default): the kernels of tt_fast.h where a layer's shape has one, with the
   * requantization precomputed here; 'reference': only the reference loops of tt_kernels.h
   * (same results bit for bit; kept to test that and to measure the difference). */
  kernels?: 'fast' | 'reference';
}

/** [lo, hi] of an int8 output after an activation, as tt_act_range computes it in C. */
function activationRange(act: Activation, q: QParams): [number, number] {
  if (act === 'none') return [-128, 127];
  const lo = Math.max(-128, q.zeroPoint);
  if (act === 'relu') return [lo, 127];
  const six = Math.fround(6 / Math.fround(q.scale));
  const t = Math.trunc(six), f = six - t;
  const rounded = f > 0.5 || (f === 0.5 && t % 2 !== 0) ? t + 1 : t; // half to even, as tt_round_even_i32
  return [lo, Math.min(127, q.zeroPoint + rounded)];
}

// The compilation's memory plan decides the op list: the reordered schedule (fused gradient and
// update, what devices run) or the deferred-updates one (whole gradients first, then updates:
// the conventional order, kept for comparison and for tests that inspect gradients). In the
// latter, builds with -DTT_EXPORT_GRADIENTS call tt_export_gradient(name, values, n) for every
// parameter gradient before it is applied.

export interface GeneratedModel {
  header: string;
  source: string;
  arenaBytes: number;
  /** Bytes of SRAM copies (trained weight slices and biases). */
  sramCopyBytes: number;
}

/** The kernels' name for each activation (tt_quant.act). */
const ACT_C: Record<Activation, string> = { none: 'TT_ACT_NONE', relu: 'TT_ACT_RELU', relu6: 'TT_ACT_RELU6' };

const fmtF = (v: number): string => {
  if (!Number.isFinite(v)) return '0.0f';
  const s = Math.fround(v).toPrecision(9);
  return /[.e]/.test(s) ? `${s}f` : `${s}.0f`;
};

/** A layer's requantization as the reference kernels compute it in float at run time, computed
 * here once: m[o] = (s_x * s_w[o]) / s_y in float32 arithmetic (Math.fround after each
 * operation gives the same float as C's float multiply and divide) and the clamp range of
 * tt_act_range. Undefined when a multiplier is not finite (the layer keeps the reference loop). */
export function requantOf(sx: number, sw: ArrayLike<number>, out: QParams, act: Activation): { m: number[]; lo: number; hi: number } | undefined {
  const fsx = Math.fround(sx), fsy = Math.fround(out.scale);
  const m = Array.from(sw, (w) => Math.fround(Math.fround(fsx * Math.fround(w)) / fsy));
  if (!m.every(Number.isFinite)) return undefined;
  const [lo, hi] = activationRange(act, out);
  return { m, lo, hi };
}

/** The declarations some code refers to: a layer whose ops all take fast kernels no longer
 * needs its tt_quant (nor, when it is frozen, its weight scales), a pointwise conv's geometry is
 * used only when its weights train, and an unused static const is a -Werror warning. Comments
 * and non-const declarations always stay. */
function usedDeclarations(decl: string[], code: string): string[] {
  const nameOf = (d: string): string | undefined => /^static const [\w ]+? (\w+)(?:\[| =)/.exec(d)?.[1];
  let kept = decl;
  for (;;) {
    const text = code + '\n' + kept.join('\n');
    const next = kept.filter((d) => {
      const n = nameOf(d);
      return n === undefined || new RegExp(`\\b${n}\\b`).test(text.replace(d, ''));
    });
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

/** Where generateModelC puts the declarations once it knows which the code uses. */
const DECLARATIONS = '/*@TT_DECLARATIONS@*/';

/** TT_CONV_FAST_MAX_PATCH of tt_fast.h: the largest kh*kw*cin tt_conv2d_s8_fast gathers. */
const CONV_FAST_MAX_PATCH = 64;

function cArray(type: string, name: string, values: ArrayLike<number>, qualifiers: string, format: (v: number) => string = String): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i += 24) {
    parts.push('    ' + Array.from({ length: Math.min(24, values.length - i) }, (_, j) => format(values[i + j])).join(', '));
  }
  return `${qualifiers}${type} ${name}[${Math.max(1, values.length)}] = {\n${parts.join(',\n') || '    0'}\n};`;
}

/** What codegen reads of a compilation (compiler/compile.ts builds it). */
export interface CodegenInput { net: Network; update: UpdatePlan; graph: TrainingGraph; memory: MemoryPlan }

/** The seed of one trained parameter's rounding stream: the config's seed mixed with its conv number. */
function rngSeed(seed: number, stream: number): number {
  return (seed ^ Math.imul(0x9e3779b9, stream + 1)) >>> 0;
}

/** The C text of a compilation; callers want compile.ts generateProgram (weights, model hash). */
export function generateModelC(c: CodegenInput, q: QuantModel, opts: CodegenOptions): GeneratedModel {
  const { net, update, graph, memory } = c;
  const { schedule, arena } = memory;
  const tensors = graph.tensors;
  const off = (t: number): number => arena.offsets[schedule.bufferOf[t]];
  const ptr = (t: number): string => {
    const tensor = tensors[t];
    const type = tensor.dtype === 'int8' ? 'int8_t' : tensor.dtype === 'bit' ? 'uint8_t' : tensor.dtype === 'int32' ? 'int32_t' : 'float';
    return `((${type} *)(tt_arena.bytes + ${off(t)}))`;
  };
  const elems = (t: number): number => tensors[t].shape.reduce((a, b) => a * b, 1);

  // Quantization parameters of every int8 tensor.
  const qOf = new Map<number, QParams>();
  qOf.set(0, q.input);
  for (const op of graph.ops) {
    if (op.type === 'conv2d' || op.type === 'dwconv2d') qOf.set(op.outputs[0], q.convs[op.conv!].out);
    if (op.type === 'add') qOf.set(op.outputs[0], q.adds[net.blocks.findIndex((b) => b.layer === op.layer)]!);
    if (op.type === 'avgpool') qOf.set(op.outputs[0], q.pool);
  }
  for (const op of graph.ops) if (op.type === 'save_slice') qOf.set(op.outputs[0], qOf.get(op.inputs[0])!);
  const qp = (t: number): QParams => {
    const v = qOf.get(t);
    if (!v) throw new Error(`codegen: no quantization parameters for tensor ${tensors[t].name}`);
    return v;
  };
  // The clamp of an add's fused activation (imported blocks), on the whole tensor or a streamed row.
  const addClamp = (add: Op): [number, number] | undefined => {
    const act = net.blocks.find((bl) => bl.layer === add.layer)?.addAct ?? 'none';
    return act === 'none' ? undefined : activationRange(act, qp(add.outputs[0]));
  };

  const decl: string[] = [];
  const init: string[] = [];
  let sramCopyBytes = 0;
  // train.weight_rounding: residual gives every trained int8 weight a residual byte beside it.
  const residual = update.residual === true;
  const updates = weightUpdateNames(residual);
  // The trained tensors (the SRAM copies) in a fixed order: conv order, weight slice before
  // bias, then the classifier; the order of a TTP1 file (docs/file-formats.md).
  const trained: string[] = [];
  const cname = (conv: Conv): string => `c${conv.index}`;
  const fast = (opts.kernels ?? 'fast') === 'fast';
  /** Convs with a precomputed requantization (cN_rq), i.e. that may take a fast kernel. */
  const hasRq = new Set<number>();
  for (const conv of net.convs) {
    const n = cname(conv);
    const qc = q.convs[conv.index];
    const u = update.convs[conv.index];
    const inQ = qp(graph.ops.find((o) => (o.type === 'conv2d' || o.type === 'dwconv2d') && o.conv === conv.index)!.inputs[0]);
    decl.push(`/* conv ${conv.index} ${cComment(conv.name)}: ${conv.inShape.h}x${conv.inShape.w}x${conv.cin} -> ${conv.outShape.h}x${conv.outShape.w}x${conv.cout}, k${conv.kh}x${conv.kw} s${conv.sh}x${conv.sw} pad ${conv.pad.top},${conv.pad.left},${conv.pad.bottom},${conv.pad.right}${conv.depthwise ? ', depthwise' : ''}; ${u.k > 0 ? `weights ${u.k}/${conv.cin} + bias train` : u.bias ? 'bias trains' : 'frozen'} */`);
    decl.push(cArray('int8_t', `${n}_w`, qc.w, 'static const '));
    decl.push(cArray('float', `${n}_sw`, qc.sw, 'static const ', fmtF));
    decl.push(cArray('int32_t', `${n}_b`, qc.b, 'static const '));
    decl.push(`static const tt_conv_geom ${n}_g = { ${conv.kh}, ${conv.kw}, ${conv.sh}, ${conv.sw}, ${conv.pad.top}, ${conv.pad.left}, ${conv.pad.bottom}, ${conv.pad.right} };`);
    decl.push(`static const tt_quant ${n}_q = { ${fmtF(inQ.scale)}, ${inQ.zeroPoint}, ${fmtF(qc.out.scale)}, ${qc.out.zeroPoint}, ${n}_sw, ${ACT_C[conv.act]} };`);
    const rq = fast ? requantOf(inQ.scale, qc.sw, qc.out, conv.act) : undefined;
    if (rq) {
      decl.push(cArray('float', `${n}_m`, rq.m, 'static const ', fmtF));
      decl.push(`static const tt_rq ${n}_rq = { ${n}_m, ${inQ.zeroPoint}, ${qc.out.zeroPoint}, ${rq.lo}, ${rq.hi} }; /* m = s_x * s_w / s_y; z_x, z_y, clamp */`);
      hasRq.add(conv.index);
    }
    if (u.k > 0) {
      // Each trained weight has its own stochastic-rounding stream, so the order in which the
      // schedule updates different weights (chunked or not) never changes a draw.
      decl.push(`static uint32_t ${n}_rng;`);
      init.push(`    tt_rng_seed(&${n}_rng, ${rngSeed(opts.seed, conv.index)}u);`);
      const bytes = trainedSliceBytes(conv, u.k);
      decl.push(`static int8_t ${n}_w_sram[${bytes}];`);
      init.push(conv.depthwise
        ? `    memcpy(${n}_w_sram, ${n}_w, ${bytes});`
        : `    tt_copy_weight_slice_s8(${n}_w, ${conv.cout}, ${conv.taps}, ${conv.cin}, ${u.k}, ${n}_w_sram);`);
      if (residual) {
        decl.push(`static int8_t ${n}_w_res[${bytes}]; /* rounding residual of ${n}_w_sram, 1/256 step */`);
        init.push(`    memset(${n}_w_res, 0, sizeof ${n}_w_res);`);
      }
      sramCopyBytes += trainedWeightSramBytes(conv, u.k, residual);
      trained.push(`{ ${conv.index}, 0, ${bytes}u, ${n}_w_sram }`);
    }
    if (u.bias) {
      decl.push(`static int32_t ${n}_b_sram[${conv.cout}];`);
      init.push(`    memcpy(${n}_b_sram, ${n}_b, sizeof ${n}_b_sram);`);
      sramCopyBytes += 4 * conv.cout;
      trained.push(`{ ${conv.index}, 1, ${4 * conv.cout}u, ${n}_b_sram }`);
    }
  }
  const cls = net.classifier;
  decl.push(`/* classifier ${cls.cin} -> ${cls.classes}${update.classifier ? ', trains' : ', frozen'} */`);
  decl.push(cArray('int8_t', 'fc_w', q.fc.w, 'static const '));
  decl.push(cArray('float', 'fc_sw', q.fc.sw, 'static const ', fmtF));
  decl.push(cArray('int32_t', 'fc_b', q.fc.b, 'static const '));
  if (update.classifier) {
    decl.push(`static int8_t fc_w_sram[${cls.weightCount}];`, `static int32_t fc_b_sram[${cls.classes}];`);
    decl.push('static uint32_t tt_rng_fc;');
    init.push('    memcpy(fc_w_sram, fc_w, sizeof fc_w_sram);', '    memcpy(fc_b_sram, fc_b, sizeof fc_b_sram);', `    tt_rng_seed(&tt_rng_fc, ${rngSeed(opts.seed, net.convs.length)}u);`);
    if (residual) {
      decl.push(`static int8_t fc_w_res[${cls.weightCount}]; /* rounding residual of fc_w_sram, 1/256 step */`);
      init.push('    memset(fc_w_res, 0, sizeof fc_w_res);');
    }
    sramCopyBytes += weightCopyBytes(cls.weightCount, residual) + 4 * cls.classes;
    trained.push(`{ -1, 0, ${cls.weightCount}u, fc_w_sram }`, `{ -1, 1, ${4 * cls.classes}u, fc_b_sram }`);
  }

  const wArgs = (conv: Conv): string => {
    const u = update.convs[conv.index];
    const n = cname(conv);
    return `${n}_w, ${u.k > 0 ? `${n}_w_sram` : '0'}, ${u.k}, ${n}_b, ${u.bias ? `${n}_b_sram` : '0'}`;
  };
  const ws = (op: Op, type = 'float'): string => {
    const b = schedule.workspaceOf.get(op.id);
    if (b === undefined) throw new Error(`codegen: ${op.name} has no workspace`);
    return `((${type} *)(tt_arena.bytes + ${arena.offsets[b]}))`;
  };
  /** The arguments every weight-gradient kernel starts with: the saved int8 input (its channel
   *  stride, size and quantization) and the output gradient. */
  const savedInputAndGrad = (op: Op, cv: Conv): string => {
    const [saved, dz] = op.inputs;
    const qx = qp(saved);
    return `${ptr(saved)}, ${tensors[saved].shape[2]}, ${cv.inShape.h}, ${cv.inShape.w}, ${fmtF(qx.scale)}, ${qx.zeroPoint}, ${ptr(dz)}`;
  };
  // A decaying lr is the step's tt_step_lr, which tt_train_step sets first; a constant one is a literal.
  const cosine = opts.cosineDecaySteps !== undefined;
  const lr = cosine ? 'tt_step_lr' : fmtF(opts.lr);
  const qas = opts.qas ? 1 : 0;
  const lines = (op: Op, forInference: boolean): string[] => {
    const conv = op.conv !== undefined ? net.convs[op.conv] : undefined;
    const [x] = op.inputs;
    const [y, mask] = op.outputs;
    const maskArg = !forInference && mask !== undefined ? ptr(mask) : '0';
    switch (op.type) {
      case 'save_slice':
        return [`tt_slice_channels_s8(${ptr(x)}, ${conv!.inShape.h * conv!.inShape.w}, ${conv!.cin}, ${op.k}, ${ptr(y)});`];
      case 'conv2d': {
        const cv = conv!;
        const rq = hasRq.has(cv.index);
        if (rq && isPointwise(cv)) return [`tt_pwconv_s8_fast(${ptr(x)}, ${cv.inShape.h * cv.inShape.w}, ${cv.cin}, ${wArgs(cv)}, ${cv.cout}, &${cname(cv)}_rq, ${ptr(y)}, ${maskArg});`];
        // the patch kernel covers small patches (the stem) of layers whose weights stay in flash
        if (rq && cv.taps * cv.cin <= CONV_FAST_MAX_PATCH && update.convs[cv.index].k === 0) return [`tt_conv2d_s8_fast(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wArgs(cv)}, ${cv.cout}, &${cname(cv)}_g, &${cname(cv)}_rq, ${ptr(y)}, ${maskArg});`];
        if (isPointwise(cv)) return [`tt_pwconv_s8(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wArgs(cv)}, ${cv.cout}, &${cname(cv)}_q, ${ptr(y)}, ${maskArg});`];
        return [`tt_conv2d_s8(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wArgs(cv)}, ${cv.cout}, &${cname(cv)}_g, &${cname(cv)}_q, ${ptr(y)}, ${maskArg});`];
      }
      case 'dwconv2d': {
        const cv = conv!;
        if (hasRq.has(cv.index)) {
          if (schedule.inPlace.has(op.id)) return [`tt_dwconv_s8_inplace_fast(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wArgs(cv)}, &${cname(cv)}_g, &${cname(cv)}_rq, ${ws(op, 'int8_t')}, ${maskArg});`];
          return [`tt_dwconv_s8_fast(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wArgs(cv)}, &${cname(cv)}_g, &${cname(cv)}_rq, ${ptr(y)}, ${maskArg});`];
        }
        if (schedule.inPlace.has(op.id)) return [`tt_dwconv_s8_inplace(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wArgs(cv)}, &${cname(cv)}_g, &${cname(cv)}_q, ${ws(op, 'int8_t')}, ${maskArg});`];
        return [`tt_dwconv_s8(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wArgs(cv)}, &${cname(cv)}_g, &${cname(cv)}_q, ${ptr(y)}, ${maskArg});`];
      }
      case 'add': {
        const [a, b] = op.inputs;
        const qa = qp(a), qb = qp(b), qy = qp(y);
        const add = `tt_add_s8${fast ? '_fast' : ''}(${ptr(a)}, ${fmtF(qa.scale)}, ${qa.zeroPoint}, ${ptr(b)}, ${fmtF(qb.scale)}, ${qb.zeroPoint}, ${elems(y)}, ${fmtF(qy.scale)}, ${qy.zeroPoint}, ${ptr(y)}, ${maskArg});`;
        const range = addClamp(op);
        if (!range) return [add];
        return [add, `tt_clamp_s8(${ptr(y)}, ${elems(y)}, ${range[0]}, ${range[1]}, ${maskArg});`];
      }
      case 'avgpool': {
        const s = tensors[x].shape;
        const qx = qp(x), qy = qp(y);
        const mean = net.poolRounding ? `, ${net.poolRounding === 'half-even' ? 1 : 0}` : '';
        return [`tt_avgpool_s8${net.poolRounding ? '_mean' : ''}(${ptr(x)}, ${s[0]}, ${s[1]}, ${s[2]}, ${fmtF(qx.scale)}, ${qx.zeroPoint}, ${fmtF(qy.scale)}, ${qy.zeroPoint}${mean}, ${ptr(y)});`];
      }
      case 'fc': {
        const qx = qp(x);
        const trains = update.classifier;
        return [`tt_fc_s8(${ptr(x)}, ${cls.cin}, ${fmtF(qx.scale)}, ${qx.zeroPoint}, fc_w, ${trains ? 'fc_w_sram' : '0'}, ${trains ? cls.cin : 0}, fc_sw, fc_b, ${trains ? 'fc_b_sram' : '0'}, ${cls.classes}, ${ptr(y)});`];
      }
      case 'log_softmax_nll':
        return [`loss = tt_log_softmax_nll(${ptr(x)}, ${cls.classes}, label, ${ptr(y)}, &predicted);`];
      case 'fc_backward_sgd': {
        const [dl, fx] = op.inputs;
        const qx = qp(fx);
        return [`${updates.kernel('tt_fc_s8_bwd_sgd')}(${ptr(fx)}, ${cls.cin}, ${fmtF(qx.scale)}, ${qx.zeroPoint}, ${updates.target('fc')}, fc_sw, fc_b_sram, ${cls.classes}, ${ptr(dl)}, ${y !== undefined ? ptr(y) : '0'}, ${lr}, ${qas}, &tt_rng_fc, ${ws(op)});`];
      }
      case 'fc_backward': {
        // Outputs: [dx]?, then [dW, db] when the classifier trains (unfused schedule).
        const [dl, fx] = op.inputs;
        const qx = qp(fx);
        const grads = op.outputs.filter((t) => tensors[t].kind === 'param-grad');
        const dx = op.outputs.find((t) => tensors[t].kind === 'gradient');
        const trains = update.classifier;
        const call = `tt_fc_s8_bwd(${ptr(fx)}, ${cls.cin}, ${fmtF(qx.scale)}, ${qx.zeroPoint}, ${trains ? 'fc_w_sram' : 'fc_w'}, 0, ${grads.length ? cls.cin : 0}, fc_sw, ${cls.classes}, ${ptr(dl)}, ${dx !== undefined ? ptr(dx) : '0'}, ${grads.length ? ptr(grads[0]) : '0'}, ${grads.length ? ptr(grads[1]) : '0'});`;
        return [call, ...grads.map(exportGrad)];
      }
      case 'avgpool_backward': {
        if (y === op.pooled?.tensor) return [`tt_avgpool_bwd_pooled_f32(${ptr(x)}, ${op.pooled.pixels}, ${elems(y)}, ${ptr(y)});`];
        const s = tensors[y].shape;
        return [`tt_avgpool_bwd_f32(${ptr(x)}, ${s[0]}, ${s[1]}, ${s[2]}, ${ptr(y)});`];
      }
      case 'clamp_backward':
        // fast: the chunk kernel over one 'pixel' of all the elements (channel chunk 0..n), which is
        // tt_mask_apply_f32 element for element (bit i for element i), without a branch per element
        if (fast) return [`tt_mask_apply_chunk_f32_fast(${ptr(x)}, ${ptr(op.inputs[1])}, 1, ${elems(x)}, 0, ${elems(x)}, ${ptr(y)});`];
        return [`tt_mask_apply_f32(${ptr(x)}, ${ptr(op.inputs[1])}, ${elems(x)}, ${ptr(y)});`];
      case 'bias_grad_sgd': {
        const cv = conv!;
        const sx = qp(forwardInput(cv)).scale;
        return [`tt_bias_grad_sgd_s32${fast ? '_fast' : ''}(${ptr(x)}, ${cv.outShape.h * cv.outShape.w}, ${cv.cout}, ${cname(cv)}_b_sram, ${fmtF(sx)}, ${cname(cv)}_sw, ${lr}, ${qas});`];
      }
      case 'conv_input_grad': {
        const cv = conv!;
        const u = update.convs[cv.index];
        const wsrc = `${cname(cv)}_w, ${u.k > 0 ? `${cname(cv)}_w_sram` : '0'}, ${u.k}, ${cname(cv)}_sw`;
        if (isPointwise(cv)) return [`tt_pwconv_s8_bwd_input${fast ? '_fast' : ''}(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wsrc}, ${cv.cout}, ${ptr(y)});`];
        return [`tt_conv2d_s8_bwd_input(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${wsrc}, ${cv.cout}, &${cname(cv)}_g, ${ptr(y)});`];
      }
      case 'dwconv_input_grad': {
        const cv = conv!;
        const u = update.convs[cv.index];
        return [`tt_dwconv_s8_bwd_input${fast ? '_fast' : ''}(${ptr(x)}, ${cv.inShape.h}, ${cv.inShape.w}, ${cv.cin}, ${cname(cv)}_w, ${u.k > 0 ? `${cname(cv)}_w_sram` : '0'}, ${u.k}, ${cname(cv)}_sw, &${cname(cv)}_g, ${ptr(y)});`];
      }
      case 'conv_weight_grad_sgd':
      case 'dwconv_weight_grad_sgd': {
        const cv = conv!;
        const args = savedInputAndGrad(op, cv);
        if (op.type === 'dwconv_weight_grad_sgd') {
          return [`${updates.kernel('tt_dwconv_s8_weight_grad_sgd')}(${args}, ${cv.cin}, &${cname(cv)}_g, ${op.k}, ${updates.target(cname(cv))}, ${cname(cv)}_sw, ${lr}, ${qas}, &${cname(cv)}_rng, ${ws(op)});`];
        }
        return [`${updates.convWeightGrad(fast)}(${args}, ${cv.cout}, &${cname(cv)}_g, ${op.k}, ${updates.target(cname(cv))}, ${cname(cv)}_sw, ${lr}, ${qas}, &${cname(cv)}_rng, ${ws(op)});`];
      }
      case 'bias_grad': {
        const cv = conv!;
        return [`tt_bias_grad_f32(${ptr(x)}, ${cv.outShape.h * cv.outShape.w}, ${cv.cout}, ${ptr(y)});`, exportGrad(y)];
      }
      case 'conv_weight_grad':
      case 'dwconv_weight_grad': {
        const cv = conv!;
        const args = savedInputAndGrad(op, cv);
        if (op.type === 'dwconv_weight_grad') return [`tt_dwconv_s8_bwd_weight(${args}, ${cv.cin}, &${cname(cv)}_g, ${op.k}, ${ptr(y)});`, exportGrad(y)];
        if (isPointwise(cv)) return [`tt_pwconv_s8_bwd_weight(${args}, ${cv.cout}, ${op.k}, ${ptr(y)});`, exportGrad(y)];
        return [`tt_conv2d_s8_bwd_weight(${args}, ${cv.cout}, &${cname(cv)}_g, ${op.k}, ${ptr(y)});`, exportGrad(y)];
      }
      case 'sgd_bias': {
        const cv = conv!;
        return [`tt_sgd_bias_s32(${cname(cv)}_b_sram, ${ptr(x)}, ${cv.cout}, ${fmtF(qp(forwardInput(cv)).scale)}, ${cname(cv)}_sw, ${lr}, ${qas});`];
      }
      case 'sgd_weight': {
        const cv = conv!;
        const per = cv.depthwise ? cv.taps : cv.taps * op.k!;
        const rows = cv.depthwise ? op.k! : cv.cout;
        return [`${updates.kernel('tt_sgd_s8')}(${updates.target(cname(cv))}, ${ptr(x)}, ${rows}, ${per}, ${cname(cv)}_sw, ${lr}, ${qas}, &${cname(cv)}_rng);`];
      }
      case 'sgd_fc': {
        const [dw, db] = op.inputs;
        const fcIn = graph.ops.find((o) => o.type === 'fc')!.inputs[0];
        return [`${updates.kernel('tt_sgd_s8')}(${updates.target('fc')}, ${ptr(dw)}, ${cls.classes}, ${cls.cin}, fc_sw, ${lr}, ${qas}, &tt_rng_fc);`,
          `tt_sgd_bias_s32(fc_b_sram, ${ptr(db)}, ${cls.classes}, ${fmtF(qp(fcIn).scale)}, fc_sw, ${lr}, ${qas});`];
      }
      case 'grad_accumulate': {
        const [a, b] = op.inputs;
        if (schedule.inPlace.has(op.id)) return [`tt_accumulate_f32(${ptr(y)}, ${ptr(b)}, ${elems(y)});`];
        return [`memcpy(${ptr(y)}, ${ptr(a)}, ${4 * elems(y)});`, `tt_accumulate_f32(${ptr(y)}, ${ptr(b)}, ${elems(y)});`];
      }
      case 'stream_forward':
        return streamLines(op, {
          net, tensors, qp, fmtF, offsetOf: off, addClamp, fast: (i) => hasRq.has(i), fastAdd: fast,
          ringOffsets: schedule.ringsOf.get(op.id)!.map((b) => arena.offsets[b]),
        });
      case 'mbconv_backward_chunked': {
        const chunks = schedule.chunkBuffersOf.get(op.id)!;
        const quant = (v: QParams): { scale: string; zeroPoint: number } => ({ scale: fmtF(v.scale), zeroPoint: v.zeroPoint });
        return chunkedBackwardLines(op, {
          net, update, ptr, ws, lr, qas, fast, updates,
          at: (offset) => `((float *)(tt_arena.bytes + ${offset}))`,
          inputQuant: (i) => quant(qp(forwardInput(net.convs[i]))),
          savedQuant: (t) => quant(qp(t)),
          channelsOf: (t) => tensors[t].shape[2],
          chunkOffsets: { dwOut: arena.offsets[chunks.dwOut], dwIn: arena.offsets[chunks.dwIn] },
        });
      }
      default:
        throw new Error(`codegen: the schedule has an op the generator does not know: ${op.type} (${op.name})`);
    }
  };
  function exportGrad(t: number): string {
    return `TT_EXPORT_GRADIENT(${cString(tensors[t].name)}, ${ptr(t)}, ${elems(t)});`;
  }
  function forwardInput(cv: Conv): number {
    return graph.ops.find((o) => (o.type === 'conv2d' || o.type === 'dwconv2d') && o.conv === cv.index)!.inputs[0];
  }

  // Which arena ranges each op may write: its outputs, its workspace, and an in-place input.
  const writes = (op: Op): [number, number][] => {
    const ranges: [number, number][] = [];
    const add = (bufferId: number): void => { ranges.push([arena.offsets[bufferId], schedule.buffers[bufferId].bytes]); };
    for (const t of op.outputs) add(schedule.bufferOf[t]);
    const w = schedule.workspaceOf.get(op.id);
    if (w !== undefined) add(w);
    const chunks = schedule.chunkBuffersOf.get(op.id);
    if (chunks) { add(chunks.dwOut); add(chunks.dwIn); }
    for (const ring of schedule.ringsOf.get(op.id) ?? []) add(ring);
    return ranges;
  };
  const checked = (op: Op, index: number, body: string[]): string[] => {
    const r = writes(op);
    return [
      `    /* ${index}: ${cComment(op.name)} (${op.phase}) */`,
      `    TT_CHECK_BEGIN();`,
      ...body.map((l) => `    ${l}`),
      `    { static const uint32_t w[][2] = { ${r.map(([o, n]) => `{ ${o}u, ${n}u }`).join(', ') || '{ 0u, 0u }'} }; TT_CHECK_END(${cString(op.name)}, w, ${r.length}); }`,
    ];
  };

  const trainBody: string[] = [...(cosine ? [`    tt_step_lr = tt_lr_cosine(${fmtF(opts.lr)}, tt_steps_run++, TT_LR_STEPS);`] : []), '    TT_PROFILE_START();'];
  schedule.ops.forEach((op, i) => trainBody.push(...checked(op, i, lines(op, false)), `    TT_PROFILE_OP(${i});`));
  const inferBody: string[] = [];
  schedule.ops.filter((o) => o.phase === 'forward' && o.type !== 'save_slice').forEach((op) => inferBody.push(...checked(op, schedule.ops.indexOf(op), lines(op, true))));


  const inputT = 0;
  const hasLoss = schedule.ops.some((o) => o.type === 'log_softmax_nll');
  // A streamed schedule reads the input row by row from a row source and has no input tensor.
  const streamed = schedule.ops.some((o) => o.type === 'stream_forward' && !o.inputs.includes(inputT));
  const rowBytes = net.input.w * net.input.c;
  const stepBody = hasLoss ? trainBody.join('\n') : `${trainBody.join('\n')}\n    /* nothing trains: the step is inference */\n    loss = tt_log_softmax_nll(${ptr(graph.logits)}, ${cls.classes}, label, 0, &predicted);`;
  const inferEnd = `    tt_log_softmax_nll(${ptr(graph.logits)}, ${cls.classes}, 0, 0, &predicted);
    if (logits) memcpy(logits, ${ptr(graph.logits)}, sizeof(float) * ${cls.classes});
    return predicted;`;
  const entryPoints = streamed ? `int8_t *tt_input_buffer(void) { return 0; }

static void tt_rows_from_memory(void *ctx, int row, int8_t *dst, int bytes) {
    memcpy(dst, (const int8_t *)ctx + (size_t)row * (size_t)bytes, (size_t)bytes);
}

void tt_train_step_rows(tt_row_source src, void *src_ctx, int label, tt_step_stats *out) {
    float loss = 0.0f;
    int predicted = 0;
${stepBody}
    if (out) { out->loss = loss; out->predicted = predicted; out->correct = predicted == label; }
}

void tt_train_step(const int8_t *input, int label, tt_step_stats *out) {
    tt_train_step_rows(tt_rows_from_memory, (void *)input, label, out);
}

int tt_infer_rows(tt_row_source src, void *src_ctx, float *logits) {
    int predicted = 0;
${inferBody.join('\n')}
${inferEnd}
}

int tt_infer(const int8_t *input, float *logits) {
    return tt_infer_rows(tt_rows_from_memory, (void *)input, logits);
}
` : `int8_t *tt_input_buffer(void) { return ${ptr(inputT)}; }

void tt_train_step(const int8_t *input, int label, tt_step_stats *out) {
    float loss = 0.0f;
    int predicted = 0;
    if (input != ${ptr(inputT)}) memcpy(${ptr(inputT)}, input, ${elems(inputT)});
${stepBody}
    if (out) { out->loss = loss; out->predicted = predicted; out->correct = predicted == label; }
}

int tt_infer(const int8_t *input, float *logits) {
    int predicted = 0;
    if (input != ${ptr(inputT)}) memcpy(${ptr(inputT)}, input, ${elems(inputT)});
${inferBody.join('\n')}
${inferEnd}
}

static void tt_read_rows(tt_row_source src, void *src_ctx) {
    int r;
    for (r = 0; r < ${net.input.h}; r++) src(src_ctx, r, ${ptr(inputT)} + r * ${rowBytes}, ${rowBytes});
}

void tt_train_step_rows(tt_row_source src, void *src_ctx, int label, tt_step_stats *out) {
    tt_read_rows(src, src_ctx);
    tt_train_step(${ptr(inputT)}, label, out);
}

int tt_infer_rows(tt_row_source src, void *src_ctx, float *logits) {
    tt_read_rows(src, src_ctx);
    return tt_infer(${ptr(inputT)}, logits);
}
`;
  const header = `/* Generated by TinyTrain from the ${cComment(net.name)} config: do not edit. */
#ifndef TT_MODEL_H
#define TT_MODEL_H

#include <stdint.h>

#define TT_MODEL_NAME ${cString(net.name)}
#define TT_MODEL_HASH 0x${opts.modelHash.toString(16).padStart(8, '0')}u
#define TT_INPUT_H ${net.input.h}
#define TT_INPUT_W ${net.input.w}
#define TT_INPUT_C ${net.input.c}
#define TT_INPUT_SCALE ${fmtF(q.input.scale)}
#define TT_INPUT_ZERO_POINT ${q.input.zeroPoint}
#define TT_CLASSES ${cls.classes}
#define TT_ARENA_BYTES ${arena.arenaBytes}u
/* Ops of tt_train_step, in schedule order (the indices of the profile). */
#define TT_OPS ${schedule.ops.length}
#define TT_SRAM_COPY_BYTES ${sramCopyBytes}u
/* 1: the frozen prefix streams, so the input is read row by row and never whole in the arena. */
#define TT_INPUT_STREAMED ${streamed ? 1 : 0}

typedef struct {
    float loss;
    int predicted;
    int correct;
} tt_step_stats;

/* Copies the trained weight slices and biases from flash into SRAM; call once. */
void tt_init(void);
/* The trained tensors (the SRAM copies) in a fixed order: by conv (-1 = the classifier), each
 * conv's weight slice (kind 0, int8) before its bias (kind 1, int32). A run saves them
 * (a TTP1 file, docs/file-formats.md) for tinytrain export. */
typedef struct { int16_t conv; uint8_t kind; uint32_t bytes; const void *data; } tt_trained_tensor;
#define TT_TRAINED_COUNT ${trained.length}
extern const tt_trained_tensor tt_trained[];
/* The input tensor inside the arena: receive a sample straight into it to save a copy.
 * NULL when TT_INPUT_STREAMED: the input then never lives in the arena; pass it from anywhere
 * else (host memory, flash) or hand over a row source. */
int8_t *tt_input_buffer(void);
/* One training step at batch 1 on an int8 input (TT_INPUT_H x W x C, HWC). */
void tt_train_step(const int8_t *input, int label, tt_step_stats *out);
/* Inference only; returns the predicted class. logits (nullable) receives TT_CLASSES floats. */
int tt_infer(const int8_t *input, float *logits);

#ifdef TT_PROFILE
/* Built with -DTT_PROFILE, tt_train_step adds the time of each op i (tt_profile_clock() units,
 * which the program provides: the board counter, or ns on the host) to tt_profile_counts[i]. */
uint64_t tt_profile_clock(void);
extern uint64_t tt_profile_counts[TT_OPS];
#endif
${opts.head ? `
/* The imported model's own int8 output from tt_infer's logits (${opts.head.softmax ? 'its classifier output, then its softmax' : 'its classifier output'}). */
#define TT_HAS_OUTPUT 1
void tt_output(const float *logits, int8_t *out);
` : ''}
/* The same, reading the input through a row source: src(ctx, row, dst, TT_INPUT_W * TT_INPUT_C)
 * fills one input row; rows are asked for in ascending order, each once. */
typedef void (*tt_row_source)(void *ctx, int row, int8_t *dst, int bytes);
void tt_train_step_rows(tt_row_source src, void *src_ctx, int label, tt_step_stats *out);
int tt_infer_rows(tt_row_source src, void *src_ctx, float *logits);

#endif
`;

  const body = `/* Generated by TinyTrain from the ${cComment(net.name)} config: do not edit.
 * Arena ${arena.arenaBytes} B (planned peak ${memory.peakSramBytes} B incl. ${sramCopyBytes} B of SRAM copies), ${schedule.ops.length} ops.
 * Learning rate ${opts.lr}${cosine ? `, cosine decay to 0 over ${opts.cosineDecaySteps} steps` : ''}, QAS ${opts.qas ? 'on' : 'off'}. */
#include <string.h>
#include "tt_kernels.h"
#include "tt_fused.h"
#include "tt_chunked.h"
#include "tt_stream.h"
#include "tt_fast.h"
#include "tt_model.h"

/* One static arena; the union aligns it for floats. */
static union { uint8_t bytes[TT_ARENA_BYTES]; float align_f; uint32_t align_u; } tt_arena;
${cosine ? `
/* train.lr_decay: cosine: each tt_train_step runs at the lr of its step number (tt_init restarts
 * the count); after TT_LR_STEPS steps the lr is 0. */
#define TT_LR_STEPS ${opts.cosineDecaySteps}u
static uint32_t tt_steps_run;
static float tt_step_lr;
` : ''}
#ifdef TT_DEBUG_BOUNDS
#include <stdio.h>
#include <stdlib.h>
static uint8_t tt_shadow[TT_ARENA_BYTES];
#define TT_CHECK_BEGIN() memcpy(tt_shadow, tt_arena.bytes, TT_ARENA_BYTES)
static void tt_check_end(const char *op, const uint32_t (*w)[2], int n) {
    uint32_t i;
    for (i = 0; i < TT_ARENA_BYTES; i++) {
        int j, allowed = 0;
        if (tt_shadow[i] == tt_arena.bytes[i]) continue;
        for (j = 0; j < n; j++) if (i >= w[j][0] && i < w[j][0] + w[j][1]) { allowed = 1; break; }
        if (!allowed) { fprintf(stderr, "tinytrain: op %s wrote arena byte %u outside its planned tensors\\n", op, (unsigned)i); abort(); }
    }
}
#define TT_CHECK_END(op, w, n) tt_check_end(op, w, n)
#else
#define TT_CHECK_BEGIN() ((void)0)
#define TT_CHECK_END(op, w, n) ((void)(w))
#endif

#ifdef TT_PROFILE
uint64_t tt_profile_counts[TT_OPS];
static uint64_t tt_profile_t;
#define TT_PROFILE_START() (tt_profile_t = tt_profile_clock())
#define TT_PROFILE_OP(i) do { uint64_t t_ = tt_profile_clock(); tt_profile_counts[i] += t_ - tt_profile_t; tt_profile_t = t_; } while (0)
#else
#define TT_PROFILE_START() ((void)0)
#define TT_PROFILE_OP(i) ((void)0)
#endif

#ifdef TT_EXPORT_GRADIENTS
void tt_export_gradient(const char *name, const float *values, int n);
#define TT_EXPORT_GRADIENT(name, values, n) tt_export_gradient(name, values, n)
#else
#define TT_EXPORT_GRADIENT(name, values, n) ((void)0)
#endif

${DECLARATIONS}

void tt_init(void) {
${cosine ? '    tt_steps_run = 0;\n' : ''}${init.join('\n')}
}

const tt_trained_tensor tt_trained[${Math.max(1, trained.length)}] = {
${trained.length ? trained.map((t) => `    ${t}`).join(',\n') : '    { 0, 0, 0u, 0 }'}
};

${entryPoints}${opts.head ? outputFunction(opts.head, cls.classes) : ''}`;
  // the declarations the rest of the file refers to (entry points, stream tables, tt_trained)
  const source = body.replace(DECLARATIONS, () => usedDeclarations(decl, body).join('\n'));
  return { header, source, arenaBytes: arena.arenaBytes, sramCopyBytes };
}

function outputFunction(head: NonNullable<CodegenOptions['head']>, classes: number): string {
  const l = head.logits;
  const sm = head.softmax;
  return `
void tt_output(const float *logits, int8_t *out) {
${sm ? `    int8_t q[${classes}];
    tt_quantize_s8(logits, ${classes}, ${fmtF(l.scale)}, ${l.zeroPoint}, q);
    tt_softmax_s8(q, ${classes}, ${fmtF(l.scale)}, ${l.zeroPoint}, ${fmtF(sm.beta)}, ${fmtF(sm.out.scale)}, ${sm.out.zeroPoint}, out);` : `    tt_quantize_s8(logits, ${classes}, ${fmtF(l.scale)}, ${l.zeroPoint}, out);`}
}
`;
}

export type { Tensor };
