// The typed model spec a config turns into, and the located problems found on the way.
// Positions are zero-based line/character (as LSP counts) plus document offsets.

import type { Board } from './boards.js';

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

export interface ConvLayerSpec extends Located {
  kind: 'conv';
  out: number;
  kernel: number;
  stride: number;
}

export interface MbconvLayerSpec extends Located {
  kind: 'mbconv';
  out: number;
  kernel: number;
  expand: number;
  stride: number;
}

export type LayerSpec = ConvLayerSpec | MbconvLayerSpec;

export interface ModelSpec {
  name: string;
  input: [number, number, number];
  classes: number;
  layers: LayerSpec[];
  /** False when a layer could not be read: `layers` then holds the valid ones before it. */
  layersComplete: boolean;
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
}

/** A class of a data source: a digit for mnist, a subfolder name for a folder. */
export type ClassName = number | string;

export interface DataSpec extends Located {
  source: string;
  classes?: ClassName[];
  train: number;
  test: number;
}

export interface PretrainSpec extends Located {
  source: string;
  classes: ClassName[];
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
