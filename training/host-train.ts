// Training runs on the host: the generated int8 program (the device's code, built with gcc) or
// the fp32 reference, for the config's plan or another one.

import { join } from 'node:path';
import { compile, generateProgram } from '../compiler/compile.js';
import { encodeDataset } from '../compiler/weights/files.js';
import { stratified } from '../datasets/split.js';
import type { DoneLine, StepLine } from '../protocol/run-stream.js';
import type { LrDecay, WeightRounding } from '../compiler/config/spec.js';
import type { UpdatePlan } from '../compiler/sparse/scheme.js';
import { buildTrainer, fp32Tool, runJsonLines, type TrainerBuildOptions } from './host-programs.js';
import { runSteps, type Prepared } from './prepare.js';
import { hashOf, writeContentAddressed, writeFileAtomic } from './workspace.js';

/** A line of the generated trainer's output: the run stream's step and done lines. */
export type TrainLine = StepLine | DoneLine;
export type { DoneLine, StepLine };

export interface HostTrainOptions {
  steps?: number;
  /** Another plan than the config's (for comparisons); default the config's. */
  update?: UpdatePlan;
  qas?: boolean;
  lr?: number;
  /** Another lr decay than the config's train.lr_decay (for comparisons). */
  lrDecay?: LrDecay;
  numerics?: 'int8' | 'fp32';
  /** Another weight rounding than the config's train.weight_rounding (for comparisons; int8 only). */
  weightRounding?: WeightRounding;
  build?: TrainerBuildOptions;
  onLine?: (line: TrainLine) => void;
  signal?: AbortSignal;
  /** Evaluate on this many held-out samples, a stratified subset (default: all). */
  evalSamples?: number;
  /** Save the trained tensors here after training (a TTP1 file, the input of tinytrain export). */
  saveTrained?: string;
}

export interface HostTrainResult { accuracy: number; steps: number; losses: number[]; seconds: number; program: string; confusion?: number[][] }


/** Generates and builds the int8 trainer for a plan; returns the program path. */
export function buildHostTrainer(p: Prepared, opts: HostTrainOptions = {}): string {
  const spec = opts.weightRounding ? { ...p.spec, train: { ...p.spec.train, weightRounding: opts.weightRounding } } : p.spec;
  const c = opts.update || opts.weightRounding ? compile(spec, { update: opts.update }) : p.compilation;
  const model = generateProgram(c, p.quant, { lr: opts.lr, qas: opts.qas, lrDecay: opts.lrDecay, steps: runSteps(p, opts.steps) });
  const dir = join(p.dir, `host-${hashOf(model.source)}`);
  return buildTrainer(model, dir, opts.build);
}

function planFile(p: Prepared, update: UpdatePlan): string {
  const text = update.convs.map((u) => `${u.bias ? 1 : 0} ${u.k}`).join('\n') + `\nclassifier ${update.classifier ? 1 : 0}\n`;
  const path = join(p.dir, `plan-${hashOf(text)}.txt`);
  writeFileAtomic(path, text);
  return path;
}

/** The held-out file to evaluate on: all of it, or a stratified subset of `n` samples. */
export function evalFile(p: Prepared, n: number | undefined): string {
  if (n === undefined || n >= p.split.test.length) return p.files.testS8;
  return writeContentAddressed(p.dir, 'eval-int8', 'ttd', encodeDataset(p.spec.model.input, stratified(p.split.test, n), p.quant.input));
}

export async function trainOnHost(p: Prepared, opts: HostTrainOptions = {}): Promise<HostTrainResult> {
  const steps = runSteps(p, opts.steps);
  const losses: number[] = [];
  let program: string;
  let args: string[];
  if (opts.numerics === 'fp32') {
    if (p.net.blocks.some((b) => b.shortcut?.length)) throw new Error(`fp32 training of a network with shortcut convs (${p.spec.model.import?.path ?? p.spec.model.name}) is not supported yet; the int8 path trains it`);
    program = fp32Tool(p.dir);
    args = ['finetune', p.files.floatModel, p.files.trainF32, p.files.testF32, String(steps), String(opts.lr ?? p.spec.train.lr), planFile(p, opts.update ?? p.compilation.update), opts.lrDecay ?? p.spec.train.lrDecay];
  } else {
    program = buildHostTrainer(p, opts);
    args = [p.files.trainS8, evalFile(p, opts.evalSamples), String(steps), ...(opts.saveTrained ? ['--save', opts.saveTrained] : [])];
  }
  const t0 = performance.now();
  const r = await runJsonLines(program, args, (l) => {
    if (typeof l.step === 'number') losses.push(Number(l.loss));
    opts.onLine?.(l as unknown as TrainLine);
  }, opts.signal);
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`the host training program failed (exit ${r.code}): ${r.stderr.trim().slice(0, 2000)}`);
  const done = r.lines.find((l) => l.done === true);
  if (!done) throw new Error('the host training program ended without a result');
  return { accuracy: Number(done.accuracy), steps: Number(done.steps), losses, seconds, program, ...(Array.isArray(done.confusion) ? { confusion: done.confusion as number[][] } : {}) };
}
