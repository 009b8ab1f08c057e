// text -> analysis: parse, build the network, resolve the update plan, derive the training graph,
// schedule it, plan the arena, and check the budgets. Never throws.

import type { ConfigSpec, Located, ParseResult, Problem } from './config/spec.js';
import { formatBytes } from './config/units.js';
import { compile, compileTrainingStep, loweringsOf, type Compilation } from './compile.js';
import type { TrainingGraph } from './ir/graph.js';
import type { Network } from './ir/network.js';
import { keepsHead } from './import/resolve.js';
import type { MemoryPlan } from './memory/memory-plan.js';
import { scheduleKey, type Lowerings, type ScheduleMode } from './schedule/schedule.js';
import { analyticMemory } from './sparse/analytic.js';
import { savedBytesPerConv } from './sparse/costs.js';
import { fullUpdate, type UpdatePlan } from './sparse/scheme.js';
import type { Analysis, ImportedSummary, LayerRow, LoweringSummary, PlanSummary } from './analysis.js';

export interface AnalyzeOptions {
  /** Include the per-op memory timeline (the webview wants it; diagnostics do not). */
  timeline?: boolean;
  /** Also plan no-reordering and full-update variants. */
  compare?: boolean;
  /** The config file's path: `model: { import: ... }` is relative to its folder. */
  configPath?: string;
}

export function summarize(m: MemoryPlan, timeline: boolean, graph: TrainingGraph): PlanSummary {
  return {
    peakSramBytes: m.peakSramBytes, arenaBytes: m.arenaBytes, staticBytes: m.staticBytes, lowerBoundBytes: m.lowerBoundBytes,
    peakAt: m.peakAt, liveAtPeak: m.liveAtPeak, ...(timeline ? { timeline: m.timeline } : {}),
    lowering: loweringSummary(m, graph),
    scheduleKey: scheduleKey(m.schedule),
  };
}

function loweringSummary(m: MemoryPlan, graph: TrainingGraph): LoweringSummary {
  const { schedule } = m;
  const streamOp = schedule.ops.find((o) => o.stream);
  const chunks = schedule.ops.filter((o) => o.chunked).map((o) => {
    const b = schedule.chunkBuffersOf.get(o.id)!;
    return { layer: o.layer!, op: o.name, chunk: o.chunked!.chunk, channels: o.chunked!.channels, bytes: schedule.buffers[b.dwOut].bytes + schedule.buffers[b.dwIn].bytes };
  });
  const lowering: LoweringSummary = { schedule: streamOp || chunks.length ? 'compact' : 'whole-tensors', chunks };
  if (streamOp) {
    const st = streamOp.stream!;
    const rings = st.rings.map((r, i) => {
      const buf = schedule.buffers[schedule.ringsOf.get(streamOp.id)![i]];
      return { name: graph.tensors[r.tensor].name, rows: r.rows, of: graph.tensors[r.tensor].shape[0], bytes: buf.bytes };
    });
    lowering.stream = {
      firstOp: st.ops[0].name, lastOp: st.ops[st.ops.length - 1].name, ops: st.ops.length, rowSteps: st.events.length,
      rings, ringBytes: rings.reduce((n, r) => n + r.bytes, 0),
      output: graph.tensors[st.output].name, outputBytes: graph.tensors[st.output].bytes,
    };
  }
  return lowering;
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  return analyzeConfig(text, options).analysis;
}

/** The analysis and, when the text is a config that compiles, its compilation (for callers that go on to codegen). */
export function analyzeConfig(text: string, options: AnalyzeOptions = {}): { analysis: Analysis; compilation?: Compilation } {
  let parsed: ParseResult | undefined;
  try {
    const r = compile(text, { timeline: !!options.timeline, configPath: options.configPath });
    parsed = r.parsed;
    const base = baseAnalysis(parsed);
    if (!r.compilation) return { analysis: base };
    return { analysis: analyzeCompilation(r.compilation, base, options), compilation: r.compilation };
  } catch (err) {
    const base = parsed ? baseAnalysis(parsed) : { ok: false, partial: false, layers: [], problems: [], source: { layers: [], layerLineEnds: [] } };
    base.problems = [...base.problems, internalProblem(err)];
    return { analysis: base };
  }
}

function baseAnalysis(parsed: ParseResult): Analysis {
  return { ok: false, partial: false, layers: [], problems: parsed.problems, source: parsed.source };
}

function analyzeCompilation(c: Compilation, base: Analysis, options: AnalyzeOptions): Analysis {
  const timeline = !!options.timeline;
  const { spec, net, update, memory } = c;
  const analytic = analyticMemory(net, update);
  const problems = [...base.problems];
  const partial = !spec.model.layersComplete;

  const peakBuffers = new Set(memory.liveAtPeak.map((t) => t.conv).filter((x) => x !== undefined));
  const analyticByConv = new Map(analytic.layers.map((l) => [l.conv, l]));
  const plannedSaved = savedBytesPerConv(c.graph);
  const streamedConvs = new Set(memory.schedule.ops.flatMap((o) => o.stream?.ops.map((s) => s.conv) ?? []).filter((x) => x !== undefined));
  const chunkOf = new Map(memory.schedule.ops.filter((o) => o.chunked).flatMap((o) => {
    const cb = o.chunked!;
    const v = { chunk: cb.chunk, channels: cb.channels };
    return [[cb.pw2, v], [cb.dw, v], [cb.pw1, v]] as [number, typeof v][];
  }));
  const layers: LayerRow[] = net.convs.map((cv) => {
    const u = update.convs[cv.index];
    const st = memory.static.perConv[cv.index];
    const an = analyticByConv.get(cv.index);
    return {
      index: cv.index, name: cv.name, layer: cv.layer, kind: cv.role,
      inShape: [cv.inShape.h, cv.inShape.w, cv.inShape.c], outShape: [cv.outShape.h, cv.outShape.w, cv.outShape.c],
      kernel: [cv.kh, cv.kw], stride: [cv.sh, cv.sw], macs: cv.macs, params: cv.weightCount + cv.biasCount,
      update: u.k > 0 ? 'weights' : u.bias ? 'bias' : 'frozen', k: u.k, cin: cv.cin, ratio: u.ratio,
      savedBytes: an ? Math.ceil(an.maskBits / 8) + an.savedInputBits / 8 : 0, plannedSavedBytes: plannedSaved.get(cv.index) ?? 0,
      trainedBytes: st.weightBytes + st.biasBytes,
      trainedWeightBytes: st.weightBytes, trainedBiasBytes: st.biasBytes,
      analyticKB: an ? (an.maskBits + an.savedInputBits + an.biasBits + an.weightBits) / 8 / 1024 : 0, onPeak: peakBuffers.has(cv.index),
      ...(streamedConvs.has(cv.index) ? { streamed: true } : {}),
      ...(chunkOf.has(cv.index) ? { backwardChunk: chunkOf.get(cv.index)! } : {}),
    };
  });
  const cls = net.classifier;
  const flashWeights = net.convs.reduce((n, cv) => n + cv.weightCount, 0) + cls.weightCount;
  const flashBiases = 4 * (net.convs.reduce((n, cv) => n + cv.biasCount, 0) + cls.biasCount);
  // Per-output-channel weight scales (float) and a scale + zero point per activation tensor.
  const flashScales = 4 * (net.convs.reduce((n, cv) => n + cv.cout, 0) + cls.classes) + 8 * (net.convs.length + 2);
  const flash = { weightBytes: flashWeights, biasBytes: flashBiases, scaleBytes: flashScales, totalBytes: flashWeights + flashBiases + flashScales };

  problems.push(...semanticWarnings(spec, net, update, base));
  if (!partial) problems.push(...budgetProblems(spec, memory, flash.totalBytes, base));

  const analysis: Analysis = {
    ...base,
    ok: !problems.some((p) => p.severity === 'error'),
    partial,
    model: { name: spec.model.name, input: spec.model.input, classes: spec.model.classes, convs: net.convs.length, params: net.params, macs: net.macs },
    board: { name: spec.target.board.name, cpu: spec.target.board.cpu, clockHz: spec.target.board.clockHz },
    budget: { sramBytes: spec.target.sramBytes, flashBytes: spec.target.flashBytes },
    layers,
    classifier: { cin: cls.cin, classes: cls.classes, params: cls.weightCount + cls.biasCount, macs: cls.macs, trains: update.classifier, trainedBytes: memory.static.classifierBytes },
    ...(spec.model.imported ? { imported: importedSummary(spec) } : {}),
    analytic: { extraKB: analytic.extraKB, activationKB: analytic.activationKB, paramKB: analytic.paramKB },
    plan: summarize(memory, !!options.timeline, c.graph),
    flash,
    train: {
      lr: spec.train.lr, qas: spec.train.qas, steps: spec.train.steps ?? spec.data?.train, biases: spec.train.update.biases, classifier: update.classifier, weightRounding: spec.train.weightRounding,
      weights: spec.train.update.weights.map((w) => ({ conv: w.conv, ratio: w.ratio, text: w.text, k: update.convs[w.conv]?.k ?? 0, range: w.range })),
    },
    problems,
  };
  if (options.compare) {
    // Each technique off in turn, the others as the config has them.
    const own = loweringsOf(spec);
    const variant = (lowerings: Lowerings, mode: ScheduleMode = 'reordered'): PlanSummary =>
      summarize(compileTrainingStep(net, update, { mode, timeline, lowerings }).memory, timeline, c.graph);
    const full = fullUpdate(net);
    const fullStep = compileTrainingStep(net, full, { timeline, lowerings: own });
    analysis.compare = {
      noStreaming: variant({ ...own, streamPrefix: false }),
      noChunking: variant({ ...own, chunkBackward: false }),
      noReorder: variant(own, 'deferred-updates'),
      fullUpdate: summarize(fullStep.memory, timeline, fullStep.graph),
      fullUpdateAnalyticKB: analyticMemory(net, full).extraKB,
    };
  }
  return analysis;
}

function importedSummary(spec: ConfigSpec): ImportedSummary {
  const m = spec.model.imported!;
  return {
    file: spec.model.import!.path, description: m.description,
    layers: m.layers.map((l) => ({ op: l.op, opName: l.opName, tensorName: l.tensorName, ...(l.conv !== undefined ? { conv: l.conv } : {}), outShape: l.outShape })),
    classifier: { kept: keepsHead(m, spec.model.classes), fileClasses: m.net.classifier.classes },
  };
}

function at(loc: Located | undefined, fallback: Located | undefined): Located {
  return loc ?? fallback ?? { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, offsets: [0, 0] };
}

function semanticWarnings(spec: ConfigSpec, net: Network, update: UpdatePlan, base: Analysis): Problem[] {
  const out: Problem[] = [];
  for (const w of spec.train.update.weights) {
    const conv = net.convs[w.conv];
    if (conv && update.convs[w.conv].k === 0) {
      out.push({ ...w, severity: 'warning', code: 'ratio-rounds-to-zero',
        message: `ratio ${w.text} of conv ${w.conv}'s ${conv.cin} ${conv.depthwise ? 'channels' : 'input channels'} rounds down to 0, so no weight trains; use at least 1/${conv.cin}.` });
    }
  }
  const trainsSomething = update.classifier || update.earliest < net.convs.length;
  if (!trainsSomething) {
    const where = at(base.source.update, base.source.train ?? base.source.model);
    out.push({ ...where, severity: 'warning', code: 'trains-nothing', message: 'This plan trains nothing: no bias, no weight and not the classifier. Set biases: n, add weights, or leave classifier: true.' });
  }
  return out;
}

function budgetProblems(spec: ConfigSpec, memory: MemoryPlan, flashBytes: number, base: Analysis): Problem[] {
  const out: Problem[] = [];
  const src = base.source;
  const sram = spec.target.sramBytes;
  if (memory.peakSramBytes > sram) {
    const over = memory.peakSramBytes - sram;
    const layerLoc = memory.peakAt.layer !== undefined ? src.layers[memory.peakAt.layer] : undefined;
    const largest = memory.liveAtPeak.slice(0, 4).map((t) => `${t.name} ${formatBytes(t.bytes)}`).join(', ');
    const message = `Training needs ${formatBytes(memory.peakSramBytes)} of SRAM at its peak, ${formatBytes(over)} more than the ${formatBytes(sram)} budget of ${spec.target.board.name}. The peak is at ${memory.peakAt.op} (${memory.peakAt.phase}); largest live tensors: ${largest}. Train fewer weights or smaller ratios, or fewer biases.`;
    const related = layerLoc ? [{ message: `peak SRAM at ${memory.peakAt.op}: ${largest}`, range: layerLoc.range }] : [];
    for (const loc of [src.target, src.sram].filter((l): l is Located => !!l)) {
      out.push({ ...loc, severity: 'error', code: 'budget-sram', message, related });
    }
  }
  if (flashBytes > spec.target.flashBytes) {
    const over = flashBytes - spec.target.flashBytes;
    const message = `The model's weights, biases and scales take ${formatBytes(flashBytes)} of flash, ${formatBytes(over)} more than the ${formatBytes(spec.target.flashBytes)} budget of ${spec.target.board.name}.`;
    for (const loc of [src.target, src.flash].filter((l): l is Located => !!l)) out.push({ ...loc, severity: 'error', code: 'budget-flash', message });
  }
  return out;
}

function internalProblem(err: unknown): Problem {
  return {
    message: `TinyTrain could not analyze this config (internal error: ${(err as Error)?.message ?? err}). Please report it.`,
    severity: 'error', code: 'internal', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, offsets: [0, 0],
  };
}
