// The one compile pipeline. Every consumer (analyze, host training, contribution runs, device
// builds, `tinytrain compile`, the plan search) goes through these functions, so a config is
// parsed once and the codegen recipe exists once:
//
//   config text ──parseConfig──> ConfigSpec ─┬─ network: buildNetwork(spec.model), or
//                                             │  `model: { import }` resolved (resolveImport) and
//                                             │  lowered (importedNetwork), or
//   another front end ────────────────────────┘  a Network it built itself
//        -> update plan -> training graph -> schedule -> memory plan      compile()
//        -> C header + source, int8 weights, model hash                  generateProgram()

import { buildTrainingGraph } from './autodiff/training-graph.js';
import { generateModelC, type CodegenInput } from './codegen/emit-c.js';
import { parseConfig } from './config/parse.js';
import { resolveImportedSeries } from './config/series.js';
import type { ConfigSpec, LrDecay, ParseResult } from './config/spec.js';
import { fnv1a } from './hash.js';
import type { TrainingGraph } from './ir/graph.js';
import { buildNetwork, type Network } from './ir/network.js';
import { importedNetwork, keptHead, resolveImport } from './import/resolve.js';
import { ALL_LOWERINGS, planMemory, type MemoryPlan } from './memory/memory-plan.js';
import type { Lowerings, Schedule, ScheduleMode } from './schedule/schedule.js';
import { resolveUpdate, withWeightRounding, type UpdatePlan } from './sparse/scheme.js';
import { encodeQuantModel } from './weights/files.js';
import type { QuantModel } from './weights/model-weights.js';

export interface CompileOptions {
  /** Another update plan than the config's `train.update` (search candidates, comparisons). */
  update?: UpdatePlan;
  /** Op order: reordered (what devices run) or deferred updates (the conventional order). */
  mode?: ScheduleMode;
  /** Record the per-op memory timeline (views want it; diagnostics and codegen do not). */
  timeline?: boolean;
  /** The schedule's lowerings; default: what the config's `train.schedule` asks for (all on without a config). */
  lowerings?: Lowerings;
  /** A network built by another front end; default networkOf(spec). */
  network?: Network;
  /** The config file's path: `model: { import: ... }` is relative to its folder. */
  configPath?: string;
}

/** Everything a config compiles to; the input of analysis, codegen and training. */
export interface Compilation extends CodegenInput {
  spec: ConfigSpec;
  net: Network;
  update: UpdatePlan;
  graph: TrainingGraph;
  schedule: Schedule;
  memory: MemoryPlan;
}

/** Config text compiled: what the parser found, and the compilation when the text is a config. */
export interface ConfigCompilation {
  parsed: ParseResult;
  compilation?: Compilation;
}

/** The training step of a network under one update plan: graph, schedule and memory plan. */
export function compileTrainingStep(net: Network, update: UpdatePlan, opts: Pick<CompileOptions, 'mode' | 'timeline' | 'lowerings'> = {}): { graph: TrainingGraph; schedule: Schedule; memory: MemoryPlan } {
  const graph = buildTrainingGraph(net, update);
  const memory = planMemory(net, update, graph, opts.mode ?? 'reordered', { timeline: opts.timeline ?? false, lowerings: opts.lowerings ?? ALL_LOWERINGS });
  return { graph, schedule: memory.schedule, memory };
}

/**
 * Config text (parsed here, the only place that parses) or an already-read spec -> compilation.
 * Text that is not a config yet gives `compilation: undefined` and the parser's problems.
 */
export function compile(text: string, opts?: CompileOptions): ConfigCompilation;
export function compile(spec: ConfigSpec, opts?: CompileOptions): Compilation;
export function compile(input: string | ConfigSpec, opts: CompileOptions = {}): ConfigCompilation | Compilation {
  if (typeof input !== 'string') return compileSpec(input, opts);
  const parsed = parseConfig(input);
  const spec = parsed.spec;
  if (spec?.model.import) {
    // The import's problems (a missing or unsupported file, update entries past its convs) are
    // the config's problems; without the imported network there is nothing to compile.
    parsed.problems = [...parsed.problems, ...resolveImport(spec, opts.configPath)];
    if (!spec.model.imported) return { parsed };
    // Recordings fit the file's input [1, T, 1, C] (or not): known only now.
    parsed.problems.push(...resolveImportedSeries(spec));
  }
  return { parsed, compilation: spec ? compileSpec(spec, opts) : undefined };
}

/** The network a spec describes: its YAML layers, or the model it imports (resolved first). */
export function networkOf(spec: ConfigSpec): Network {
  const m = spec.model;
  if (m.import && !m.imported) throw new Error(`the import ${m.import.path} was not resolved (resolveImport) before compiling`);
  return m.imported ? importedNetwork(m.imported, m.classes, m.name) : buildNetwork(m);
}

function compileSpec(spec: ConfigSpec, opts: CompileOptions): Compilation {
  const net = opts.network ?? networkOf(spec);
  // Another plan (a search candidate, a comparison) trains with the config's weight rounding too.
  const update = withWeightRounding(opts.update ?? resolveUpdate(net, spec.train.update), spec.train.weightRounding);
  return { spec, net, update, ...compileTrainingStep(net, update, { ...opts, lowerings: opts.lowerings ?? loweringsOf(spec) }) };
}

/** The lowerings `train.schedule` asks for: all of them (`compact`) or none (`whole-tensors`). */
export function loweringsOf(spec: ConfigSpec): Lowerings {
  return spec.train.schedule === 'whole-tensors' ? {} : ALL_LOWERINGS;
}

export interface ProgramOptions {
  /** Defaults: the config's train.lr, train.qas, train.seed and train.lr_decay. */
  lr?: number;
  qas?: boolean;
  seed?: number;
  lrDecay?: LrDecay;
  /** The steps the program will run, which a cosine decay spans; default train.steps, else
   * data.train (the run's one pass: callers that know the split's real length pass it). */
  steps?: number;
}

/** The generated training program of a compilation with its int8 weights. */
export interface Program {
  header: string;
  source: string;
  /** The int8 model as a TTQ1 file (docs/file-formats.md). */
  weights: Buffer;
  /** FNV-1a of the weights and the update plan: the device reports it in HELLO. */
  modelHash: number;
  arenaBytes: number;
  /** Bytes of SRAM copies (trained weight slices and biases). */
  sramCopyBytes: number;
}

export function modelHash(weights: Uint8Array, update: UpdatePlan): number {
  return fnv1a(Buffer.concat([weights, Buffer.from(JSON.stringify(update))]));
}

export function generateProgram(c: Compilation, quant: QuantModel, opts: ProgramOptions = {}): Program {
  const weights = encodeQuantModel(c.net, quant);
  const hash = modelHash(weights, c.update);
  const train = c.spec.train;
  const head = keptHead(c.spec);
  const cosine = (opts.lrDecay ?? train.lrDecay) === 'cosine';
  const decaySteps = opts.steps ?? train.steps ?? c.spec.data?.train ?? 1;
  const model = generateModelC(c, quant, {
    lr: opts.lr ?? train.lr, qas: opts.qas ?? train.qas, seed: opts.seed ?? train.seed, modelHash: hash,
    ...(cosine ? { cosineDecaySteps: Math.max(1, decaySteps) } : {}), ...(head ? { head } : {}),
  });
  return { ...model, weights, modelHash: hash };
}
