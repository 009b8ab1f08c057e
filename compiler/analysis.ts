// The analysis of a config: what the extension, the CLI and the webviews show. Plain JSON, so it
// crosses the LSP and webview boundaries unchanged.

import type { Problem, Range, SourceMap, WeightRounding } from './config/spec.js';
import type { TensorKind } from './ir/graph.js';
import type { LiveTensor, TimelinePoint } from './memory/memory-plan.js';

export type UpdateMode = 'frozen' | 'bias' | 'weights';

export interface LayerRow {
  /** Conv number. */
  index: number;
  name: string;
  /** Index into model.layers of the config. */
  layer: number;
  kind: 'conv' | 'pw1' | 'dw' | 'pw2';
  inShape: [number, number, number];
  outShape: [number, number, number];
  /** [kh, kw] and [sh, sw] (1-D layers: [k, 1], [s, 1]). */
  kernel: [number, number];
  stride: [number, number];
  macs: number;
  params: number;
  update: UpdateMode;
  /** Trained input channels (depthwise: channels) and how many there are. */
  k: number;
  cin: number;
  ratio: number;
  /** Mask + saved input slice kept for backward, as the paper's analytic model counts them (bytes). */
  savedBytes: number;
  /** What the real training graph keeps for this conv: its mask and saved-slice tensors (a fully
   * trained conv keeps its input alive instead of a slice copy, so this can be less). */
  plannedSavedBytes: number;
  /** SRAM copies of the trained weight slice and bias (bytes): their sum, and each part. */
  trainedBytes: number;
  trainedWeightBytes: number;
  trainedBiasBytes: number;
  /** This conv's part of the paper's analytic extra memory, in KB. */
  analyticKB: number;
  /** A tensor of this conv is live at the peak. */
  onPeak: boolean;
  /** The conv runs in the streamed frozen prefix (forward only, a few rows at a time). */
  streamed?: boolean;
  /** The block's backward through this conv runs in chunks of its expanded channels. */
  backwardChunk?: { chunk: number; channels: number };
}

/** How the schedule was lowered onto memory: the streamed stage and the chunked backward. */
export interface LoweringSummary {
  schedule: 'compact' | 'whole-tensors';
  stream?: {
    firstOp: string;
    lastOp: string;
    /** Forward ops it runs, and the row computations they take. */
    ops: number;
    rowSteps: number;
    /** The rings (input image first unless the input is a whole tensor) and their sum. */
    rings: { name: string; rows: number; of: number; bytes: number }[];
    ringBytes: number;
    /** The tensor it writes whole for the rest of the step. */
    output: string;
    outputBytes: number;
  };
  chunks: { layer: number; op: string; chunk: number; channels: number; bytes: number }[];
}

/** A row's kernel as people write it: `3x3`, `5x1` (sep: the multiplication sign to use). */
export const kernelText = (r: Pick<LayerRow, 'kernel'>, sep = 'x'): string => `${r.kernel[0]}${sep}${r.kernel[1]}`;
/** A row's stride: `2` when both axes agree, else `2x1`. */
export const strideText = (r: Pick<LayerRow, 'stride'>, sep = 'x'): string => (r.stride[0] === r.stride[1] ? `${r.stride[0]}` : `${r.stride[0]}${sep}${r.stride[1]}`);

export interface ClassifierRow { cin: number; classes: number; params: number; macs: number; trains: boolean; trainedBytes: number }

export interface PlanSummary {
  peakSramBytes: number;
  arenaBytes: number;
  staticBytes: number;
  lowerBoundBytes: number;
  peakAt: { index: number; op: string; phase: string; layer?: number; conv?: number };
  liveAtPeak: LiveTensor[];
  timeline?: TimelinePoint[];
  lowering: LoweringSummary;
  /** scheduleKey() of the step's schedule (a stored profile of the same schedule carries it). */
  scheduleKey: string;
}

export interface ImportedSummary {
  file: string;
  description: string;
  /** The file's ops TinyTrain keeps, in order; tensorName is untrusted text from the file. */
  layers: { op: number; opName: string; tensorName: string; conv?: number; outShape: number[] }[];
  /** The file's classifier kept (its classes), or replaced by a new one for the config's. */
  classifier: { kept: boolean; fileClasses: number };
}

export interface Analysis {
  ok: boolean;
  /** True when a layer could not be read: figures cover the layers before it. */
  partial: boolean;
  model?: { name: string; input: [number, number, number]; classes: number; convs: number; params: number; macs: number };
  board?: { name: string; cpu: string; clockHz: number };
  budget?: { sramBytes: number; flashBytes: number };
  layers: LayerRow[];
  classifier?: ClassifierRow;
  analytic?: { extraKB: number; activationKB: number; paramKB: number };
  plan?: PlanSummary;
  /** The same network and plan without each technique, for comparison (when asked): no
   * streamed prefix, no chunked backward, no reordering, and a full update. */
  compare?: { noStreaming: PlanSummary; noChunking: PlanSummary; noReorder: PlanSummary; fullUpdate: PlanSummary; fullUpdateAnalyticKB: number };
  flash?: { weightBytes: number; biasBytes: number; scaleBytes: number; totalBytes: number };
  /** An imported model: its file and its ops as the file names them (hover on `import:`). */
  imported?: ImportedSummary;
  /** steps: what a run takes by default (train.steps, else data.train). */
  train?: { lr: number; qas: boolean; steps?: number; biases: number; classifier: boolean; weightRounding: WeightRounding; weights: { conv: number; ratio: number; text: string; k: number; range: Range }[] };
  problems: Problem[];
  source: SourceMap;
}

export type { Problem, Range, TensorKind };
