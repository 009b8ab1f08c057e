// The typed model spec a config turns into, and the located problems found on the way.
// Positions are zero-based line/character (as LSP counts) plus document offsets.

import type { Board } from './boards.js';
import type { ImportedModel } from '../import/lower.js';

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }
export type Severity = 'error' | 'warning' | 'info';

export interface RelatedInfo { message: string; range: Range }

export interface Problem {
  message: string;
  severity: Severity;
  range: Range;
  /** [start, end) document offsets of `range`. */
  offsets: [number, number];
  /** A stable code, e.g. `unknown-key`, `budget-sram`, so clients can filter or quick-fix. */
  code: string;
  related?: RelatedInfo[];
}

export interface Located { range: Range; offsets: [number, number] }

/** Kernel and stride are [along H (time for a 1-D model), along W]: a single number k in the
 * config means [k, k] for an image model and [k, 1] for a 1-D model. */
export interface ConvLayerSpec extends Located {
  kind: 'conv';
  out: number;
  kernel: [number, number];
  stride: [number, number];
}

export interface MbconvLayerSpec extends Located {
  kind: 'mbconv';
  out: number;
  kernel: [number, number];
  expand: number;
  stride: [number, number];
}

export type LayerSpec = ConvLayerSpec | MbconvLayerSpec;

/** `model: { import: model.tflite }`: the path as written (relative to the config) and where. */
export interface ImportSpec extends Located { path: string }

export interface ModelSpec {
  name: string;
  /** [H, W, C]; a 1-D input [T, C] is held as [T, 1, C]; for an imported model, the file's (set
   * when the analyzer resolves the import). */
  input: [number, number, number];
  /** True when the config wrote a 1-D input [T, C] (a window of T samples of C channels). */
  timeSeries: boolean;
  classes: number;
  layers: LayerSpec[];
  /** False when a layer could not be read: `layers` then holds the valid ones before it. */
  layersComplete: boolean;
  /** Present for `import:`; the config then has no input and layers of its own. */
  import?: ImportSpec;
  /** The imported network and its int8 tensors, once the analyzer has read the file. */
  imported?: ImportedModel;
}

export interface TargetSpec {
  board: Board;
  sramBytes: number;
  flashBytes: number;
  sramOverridden: boolean;
  flashOverridden: boolean;
}

export interface WeightUpdateSpec extends Located {
  conv: number;
  ratio: number;
  /** As the user wrote it (`1/8`, `0.25`), for messages and edits. */
  text: string;
}

/** `biases: all` of an imported model before its conv count is known. */
export const ALL_CONVS = Number.MAX_SAFE_INTEGER;

export interface UpdateSpec {
  /** `n` = the last n convs train their bias; 'all' is resolved to the conv count. */
  biases: number;
  weights: WeightUpdateSpec[];
  classifier: boolean;
}

export interface TrainSpec {
  optimizer: 'sgd';
  lr: number;
  qas: boolean;
  update: UpdateSpec;
  /** Steps to run; undefined = one pass over data.train. */
  steps?: number;
  seed: number;
  /** How the step is lowered: chunked backward (`compact`) or every op on whole tensors. */
  schedule: TrainSchedule;
  /** How lr changes over the run's steps: held (`none`) or a cosine decay to 0 at the last step. */
  lrDecay: LrDecay;
  /** How an update of an int8 weight is rounded: to whole steps at random, or with a residual byte. */
  weightRounding: WeightRounding;
}

export type TrainSchedule = 'compact' | 'whole-tensors';
export type LrDecay = 'none' | 'cosine';
export type WeightRounding = 'stochastic' | 'residual';

/** A class of a data source: a digit for mnist, a subfolder name for a folder. */
export type ClassName = number | string;

/** How a 1-D model's data folder of CSV recordings becomes windows (datasets/recordings.ts). */
export interface SeriesSpec {
  /** Samples per window (= the model's T) and between window starts. */
  window: number;
  hop: number;
  /** Named CSV columns to read, in order; default every column. */
  columns?: string[];
  /** `fixed`: real = value / scale; `standardize`: per channel, from the training recordings. */
  scaling: { kind: 'fixed'; scale: number } | { kind: 'standardize' };
  /** The part [from, to) of each class's recordings (name order) to use. */
  recordings: [number, number];
  /** The fraction of the used recordings held out for test (split by recording). */
  holdout: number;
}

export interface DataSpec extends Located {
  source: string;
  classes?: ClassName[];
  train: number;
  test: number;
  /** Present for a 1-D model (input [T, C]): the source is a folder of CSV recordings. */
  series?: SeriesSpec;
  /** An imported model's recordings, read before its file gives T and C: where the config wrote
   * them (compiler/config/series.ts completes `series` once the import is resolved). */
  seriesAt?: { key?: Located & { name: string }; window?: Located; columns?: Located };
}

export interface PretrainSpec extends Located {
  source: string;
  classes: ClassName[];
  /** 1-D models: windows as data.series says, from this part [from, to) of the recordings. */
  series?: SeriesSpec;
  /** Keep the pretrained classifier (same classes, e.g. adapting to a new wearer) instead of a new one. */
  keepClassifier: boolean;
  samples: number;
  epochs: number;
  lr: number;
  seed: number;
}

export interface ConfigSpec {
  model: ModelSpec;
  target: TargetSpec;
  train: TrainSpec;
  data?: DataSpec;
  pretrain?: PretrainSpec;
}

/** Where the interesting nodes of the config are, for diagnostics, hovers and edits. */
export interface SourceMap {
  model?: Located;        // the `model` key
  target?: Located;       // the `target` key
  board?: Located;        // the board value
  sram?: Located;         // the `sram:` value
  flash?: Located;        // the `flash:` value
  train?: Located;
  update?: Located;       // the `update` key
  biases?: Located;       // the `biases:` value
  weights?: Located;      // the `weights` key
  /** The `import:` value (an imported model's file path). */
  import?: Located;
  /** Each backbone layer item (the whole `- conv: {...}` node). */
  layers: Located[];
  /** Each layer item's last line end, for inlay hints. */
  layerLineEnds: Position[];
}

export interface ParseResult {
  /** Present when the config is complete enough to analyze (possibly with problems). */
  spec?: ConfigSpec;
  problems: Problem[];
  source: SourceMap;
}
