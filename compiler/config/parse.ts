// YAML text -> typed, located model spec + problems. Never throws: a config being typed is
// normal input, and every problem lands on the node that causes it.

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { BOARDS, type Board } from './boards.js';
import { Locator } from './located.js';
import { CONFIG_SCHEMA, SchemaValidator, spanOf } from './validate.js';
import { parseRatio, parseSize } from './units.js';
import { defaultHop } from './series.js';
import { ALL_CONVS } from './spec.js';
import { readConfigYaml } from './yaml-subset.js';
import type { ConfigSpec, ImportSpec, LayerSpec, Located, ParseResult, Problem, SeriesSpec, SourceMap, UpdateSpec, WeightUpdateSpec } from './spec.js';

/** Convs one layer contributes to the conv numbering (the contract's "Conv numbering"). */
export function convsOfLayer(layer: Pick<LayerSpec, 'kind'> & { expand?: number }): number {
  return layer.kind === 'conv' ? 1 : layer.expand === 1 ? 2 : 3;
}

export const DEFAULT_LR = 0.05;

/** Largest kernel size along one axis (1-D models often want long temporal kernels). */
export const MAX_KERNEL = 31;

/** data keys that only a 1-D model's recordings use. */
const SERIES_KEYS = ['window', 'hop', 'columns', 'scale', 'recordings', 'holdout'];

export function parseConfig(text: string): ParseResult {
  try {
    return new ConfigReader(text).read();
  } catch (err) {
    // The reader is written not to throw; if it ever does, the user still gets a located answer.
    const problem: Problem = {
      message: `TinyTrain could not read this config (internal error: ${(err as Error)?.message ?? err}). Please report it.`,
      severity: 'error', code: 'internal',
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, offsets: [0, 0],
    };
    return { problems: [problem], source: { layers: [], layerLineEnds: [] } };
  }
}

class ConfigReader {
  private readonly lines = new LineCounter();
  private readonly loc: Locator;
  private readonly problems: Problem[] = [];
  private readonly source: SourceMap = { layers: [], layerLineEnds: [] };
  /** The library's document, when it read the text (aliases resolve against it). */
  private doc?: Document.Parsed;

  constructor(private readonly text: string) {
    this.loc = new Locator(this.lines, text.length);
  }

  read(): ParseResult {
    // The common form of a config is read by the subset reader (the same nodes, several times
    // faster); anything else, errors included, by the yaml library.
    let root = readConfigYaml(this.text, this.lines) ?? null;
    let errors = 0;
    if (!root) {
      this.doc = parseDocument(this.text, { lineCounter: this.lines, uniqueKeys: false, prettyErrors: false });
      for (const e of this.doc.errors) {
        const [s, en] = e.pos;
        this.problems.push(this.loc.problem(this.loc.located(s, Math.max(en, s + 1)), 'error', 'syntax', `YAML syntax: ${firstLine(e.message)}`));
      }
      root = this.doc.contents as Node | null;
      errors = this.doc.errors.length;
    }
    if (!isMap(root)) {
      if (errors === 0) {
        const span = spanOf(root, [0, Math.min(this.text.length, 1)]);
        this.problems.push(this.loc.problem(this.loc.located(span[0], span[1]), 'error', 'not-a-config',
          'A TinyTrain config is a map with the keys model, target and train (see docs/config-language.md, or the examples/ folder).'));
      }
      return this.result(undefined);
    }
    const validator = new SchemaValidator(this.loc);
    validator.check(root, CONFIG_SCHEMA, 'the config', [0, 0]);
    this.problems.push(...validator.problems);
    return this.result(this.readSpec(root));
  }

  private result(spec: ConfigSpec | undefined): ParseResult {
    return { spec, problems: dedupe(this.problems), source: this.source };
  }

  // ---- node helpers -------------------------------------------------------------------------

  /** The end of the last non-blank, non-comment character at or before `end`. */
  private contentEnd(end: number): number {
    let e = end;
    for (;;) {
      while (e > 0 && /\s/.test(this.text[e - 1])) e--;
      const lineStart = this.text.lastIndexOf('\n', e - 1) + 1;
      const line = this.text.slice(lineStart, e);
      const hash = commentStart(line);
      if (hash < 0) return e;
      e = lineStart + hash;
    }
  }

  private deref(node: unknown): Node | null {
    if (isAlias(node)) {
      try { return (node.resolve(this.doc!) as Node | undefined) ?? null; } catch { return null; }
    }
    return (node as Node | null) ?? null;
  }

  private pair(map: YAMLMap | null, key: string): Pair | undefined {
    if (!map) return undefined;
    return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
  }

  private value(map: YAMLMap | null, key: string): Node | null {
    return this.deref(this.pair(map, key)?.value);
  }

  private map(node: Node | null): YAMLMap | null {
    return isMap(node) ? node : null;
  }

  private int(node: Node | null, min = 1): number | undefined {
    if (!isScalar(node)) return undefined;
    const v = node.value;
    return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : undefined;
  }

  private at(node: Node | Pair | null | undefined): Located | undefined {
    const r = (node as Node | null | undefined)?.range;
    return r ? this.loc.located(r[0], r[1]) : undefined;
  }

  private keyAt(map: YAMLMap | null, key: string): Located | undefined {
    return this.at(this.pair(map, key)?.key as Node | undefined);
  }

  private error(at: Located | undefined, code: string, message: string, severity: 'error' | 'warning' = 'error'): void {
    const where = at ?? this.loc.located(0, 0);
    this.problems.push(this.loc.problem(where, severity, code, message));
  }

  // ---- the spec -----------------------------------------------------------------------------

  private readSpec(root: YAMLMap): ConfigSpec | undefined {
    const model = this.map(this.value(root, 'model'));
    const target = this.map(this.value(root, 'target'));
    const train = this.map(this.value(root, 'train'));
    this.source.model = this.keyAt(root, 'model');
    this.source.target = this.keyAt(root, 'target');
    this.source.train = this.keyAt(root, 'train');

    const importSpec = this.readImport(model);
    const inputNode = this.value(model, 'input');
    let input: [number, number, number] | undefined;
    const timeSeries = isSeq(inputNode) && inputNode.items.length === 2;
    if (isSeq(inputNode) && (inputNode.items.length === 3 || timeSeries)) {
      const dims = inputNode.items.map((n) => this.int(this.deref(n)));
      if (dims.every((d): d is number => d !== undefined && d <= 4096)) input = timeSeries ? [dims[0], 1, dims[1]] : dims as [number, number, number];
    }
    const classesNode = this.value(model, 'classes');
    const classes = this.int(classesNode);
    const nameNode = this.value(model, 'name');
    const name = isScalar(nameNode) && typeof nameNode.value === 'string' && nameNode.value.trim() ? nameNode.value : 'model';

    const layersResult = importSpec ? { layers: [], complete: false } : this.readLayers(model, timeSeries);
    const targetSpec = this.readTarget(target);
    // An import's conv count is known only once the file is read: `biases: all` stays ALL_CONVS.
    const convCount = importSpec ? ALL_CONVS : layersResult.layers.reduce((n, l) => n + convsOfLayer(l), 0);
    const trainSpec = this.readTrain(train, convCount, layersResult.complete);

    const data = this.readData(this.map(this.value(root, 'data')), this.keyAt(root, 'data'), timeSeries ? input?.[0] : undefined, importSpec !== undefined);
    const pretrain = this.readPretrain(this.map(this.value(root, 'pretrain')), this.keyAt(root, 'pretrain'), data);
    if (data?.classes && classes !== undefined && data.classes.length !== classes) {
      this.error(this.keyAt(this.map(this.value(root, 'data')), 'classes'), 'data-classes',
        `data.classes names ${data.classes.length} classes but model.classes is ${classes}; the classifier needs one output per class.`);
    }

    if (model && !importSpec) {
      for (const key of ['input', 'layers'] as const) {
        if (!this.pair(model, key)) this.error(this.source.model, 'missing-key', `'model' is missing '${key}' (${key === 'input' ? '[H, W, C] of the int8 input image' : 'the backbone, in order'}); or write import: model.tflite to bring a model instead.`);
      }
    }
    if (importSpec) {
      for (const key of ['input', 'layers'] as const) {
        if (this.pair(model, key)) this.error(this.keyAt(model, key), 'import-with-layers', `'${key}' does not go with import: the imported model gives its input and layers; remove '${key}' or the import.`);
      }
    }
    // An imported model's input and convs come from the file (the analyzer reads it); until then
    // the spec holds placeholders and layersComplete is false, so no check counts convs here.
    if (!model || (!input && !importSpec) || classes === undefined || classes > 100000) return undefined;
    return {
      model: { name, input: importSpec ? [1, 1, 1] : input!, timeSeries, classes, layers: layersResult.layers, layersComplete: layersResult.complete, ...(importSpec ? { import: importSpec } : {}) },
      target: targetSpec,
      train: trainSpec,
      ...(data ? { data } : {}),
      ...(pretrain ? { pretrain } : {}),
    };
  }

  private classList(node: Node | null): (number | string)[] | undefined {
    if (!isSeq(node)) return undefined;
    const out: (number | string)[] = [];
    for (const item of node.items) {
      const v = this.deref(item);
      if (!isScalar(v) || (typeof v.value !== 'number' && typeof v.value !== 'string')) return undefined;
      out.push(v.value as number | string);
    }
    return out.length ? out : undefined;
  }

  private intOr(map: YAMLMap | null, key: string, fallback: number, min = 1): number {
    return this.int(this.value(map, key), min) ?? fallback;
  }

  /** A part [from, to) of the recordings: two ratios with 0 <= from < to <= 1. */
  private recordingsPart(map: YAMLMap | null, fallback: [number, number]): [number, number] {
    const node = this.value(map, 'recordings');
    if (!isSeq(node) || node.items.length !== 2) return fallback; // the schema check reports the form
    const ends = node.items.map((n) => { const v = this.deref(n); const r = isScalar(v) ? parseRatio(v.value) : { error: '' }; return 'ratio' in r ? r.ratio : NaN; });
    if (!(ends[0] >= 0 && ends[0] < ends[1] && ends[1] <= 1)) {
      this.error(this.at(node), 'recordings-range', `recordings: [from, to] takes two fractions of each class's recordings with 0 <= from < to <= 1, e.g. [0, 1/2] for the first half; got [${ends.map((e) => (Number.isNaN(e) ? '?' : +e.toFixed(4))).join(', ')}].`);
      return fallback;
    }
    return [ends[0], ends[1]];
  }

  /** The windowing of a 1-D model's recordings (the model's T is the window). An imported
   * model's T is known only once its file is read: `window` is then what the config wrote (0 if
   * nothing) and the hop 0 for "the default", both completed by compiler/config/series.ts. */
  private readSeries(data: YAMLMap, window: number | undefined): SeriesSpec {
    const windowNode = this.value(data, 'window');
    const w = this.int(windowNode);
    if (window !== undefined && w !== undefined && w !== window) this.error(this.at(windowNode), 'window-size', `window: ${w} differs from the model's input [${window}, C]: a window is one model input, so use window: ${window} (or change model.input).`);
    const given = this.int(this.value(data, 'hop'));
    const hop = Math.min(given ?? (window !== undefined ? defaultHop(window) : 0), 1 << 20);
    const columnsNode = this.value(data, 'columns');
    const columns = isSeq(columnsNode) ? columnsNode.items.map((n) => { const v = this.deref(n); return isScalar(v) ? String(v.value) : ''; }) : undefined;
    const scaleNode = this.value(data, 'scale');
    const scaling: SeriesSpec['scaling'] = isScalar(scaleNode) && typeof scaleNode.value === 'number' && scaleNode.value > 0
      ? { kind: 'fixed', scale: scaleNode.value } : { kind: 'standardize' };
    const holdoutNode = this.value(data, 'holdout');
    const h = isScalar(holdoutNode) ? parseRatio(holdoutNode.value) : undefined;
    let holdout = 0.25;
    if (h && 'ratio' in h) {
      if (h.ratio > 0 && h.ratio < 1) holdout = h.ratio;
      else this.error(this.at(holdoutNode), 'holdout-range', `holdout is the fraction of each class's recordings kept for test, between 0 and 1 (e.g. 1/4); got ${isScalar(holdoutNode) ? String(holdoutNode.value) : '?'}.`);
    }
    return { window: window ?? w ?? 0, hop, ...(columns ? { columns } : {}), scaling, recordings: this.recordingsPart(data, [0, 1]), holdout };
  }

  private readData(data: YAMLMap | null, at: Located | undefined, window: number | undefined, imported: boolean): ConfigSpec['data'] {
    const source = this.value(data, 'source');
    if (!data || !at || !isScalar(source) || typeof source.value !== 'string') return undefined;
    const series = window !== undefined || imported ? this.readSeries(data, window) : undefined;
    if (!series) {
      for (const key of SERIES_KEYS) if (this.pair(data, key)) this.error(this.keyAt(data, key), 'series-key-2d', `'${key}' is for a 1-D model (model.input [T, C]) reading CSV recordings; this model's input is an image.`);
    }
    // An imported model: whether its data are recordings, and their T and C, come from its file.
    const written = SERIES_KEYS.find((k) => this.pair(data, k));
    const keyAt = written ? this.keyAt(data, written) : undefined;
    const windowAt = this.at(this.value(data, 'window')), columnsAt = this.at(this.value(data, 'columns'));
    const seriesAt = imported ? { ...(keyAt ? { key: { ...keyAt, name: written! } } : {}), ...(windowAt ? { window: windowAt } : {}), ...(columnsAt ? { columns: columnsAt } : {}) } : undefined;
    return { source: source.value, classes: this.classList(this.value(data, 'classes')), train: this.intOr(data, 'train', 1000), test: this.intOr(data, 'test', 500), ...(series ? { series } : {}), ...(seriesAt ? { seriesAt } : {}), ...at };
  }

  private readPretrain(pre: YAMLMap | null, at: Located | undefined, data: ConfigSpec['data']): ConfigSpec['pretrain'] {
    if (!pre || !at) return undefined;
    const dataSource = data?.source;
    const sourceNode = this.value(pre, 'source');
    const source = isScalar(sourceNode) && typeof sourceNode.value === 'string' ? sourceNode.value : dataSource;
    const classes = this.classList(this.value(pre, 'classes'));
    if (!source || !classes) {
      if (!source) this.error(at, 'pretrain-source', 'pretrain needs a source (mnist or a folder), or a data.source to share.');
      return undefined;
    }
    const lrNode = this.value(pre, 'lr');
    const lr = isScalar(lrNode) && typeof lrNode.value === 'number' && lrNode.value > 0 ? lrNode.value : 0.02;
    const classifierNode = this.value(pre, 'classifier');
    const keepClassifier = isScalar(classifierNode) && classifierNode.value === 'keep';
    if (keepClassifier && data?.classes && JSON.stringify(data.classes) !== JSON.stringify(classes)) {
      this.error(this.at(classifierNode), 'keep-classifier-classes', `classifier: keep reuses the pretrained classifier, so pretrain.classes must be data.classes (${data.classes.join(', ')}) in the same order.`);
    }
    const series = data?.series ? { ...data.series, recordings: this.recordingsPart(pre, [0, 1]) } : undefined;
    if (!series && this.pair(pre, 'recordings')) this.error(this.keyAt(pre, 'recordings'), 'series-key-2d', `'recordings' is for a 1-D model (model.input [T, C]) reading CSV recordings.`);
    return { source, classes, samples: this.intOr(pre, 'samples', 2500), epochs: this.intOr(pre, 'epochs', 3), lr, seed: this.intOr(pre, 'seed', 1, 0), ...(series ? { series } : {}), keepClassifier, ...at };
  }

  private readImport(model: YAMLMap | null): ImportSpec | undefined {
    const node = this.value(model, 'import');
    const at = this.at(node);
    if (!isScalar(node) || typeof node.value !== 'string' || !node.value.trim() || !at) return undefined;
    this.source.import = at;
    return { path: node.value.trim(), ...at };
  }

  private readLayers(model: YAMLMap | null, timeSeries: boolean): { layers: LayerSpec[]; complete: boolean } {
    const layers: LayerSpec[] = [];
    const seq = this.value(model, 'layers');
    if (!isSeq(seq)) return { layers, complete: false };
    let complete = true;
    for (const rawItem of seq.items) {
      const item = this.deref(rawItem);
      const at = this.at(item);
      if (!item || !at) { complete = false; break; }
      const layer = this.readLayer(item, at, timeSeries);
      if (!layer) { complete = false; break; }
      layers.push(layer);
      this.source.layers.push(at);
      this.source.layerLineEnds.push(this.loc.position(this.contentEnd(at.offsets[1])));
    }
    return { layers, complete };
  }

  /** A kernel or stride: one number n ([n, n] for images, [n, 1] for a 1-D model) or [h, w]. */
  private pairOf(node: Node | null, timeSeries: boolean, max: number, what: 'kernel' | 'stride'): [number, number] | undefined {
    if (isSeq(node)) {
      if (node.items.length !== 2) return undefined; // the schema check reports the length
      const [h, w] = node.items.map((n) => this.int(this.deref(n)));
      if (h === undefined || w === undefined || h > max || w > max) return undefined;
      if (timeSeries && w !== 1) {
        this.error(this.at(node), `1d-${what}`, `A 1-D model (input [T, C]) has no second axis: write ${what}: ${h} or [${h}, 1], not [${h}, ${w}].`);
        return undefined;
      }
      return [h, w];
    }
    const n = this.int(node);
    if (n === undefined || n > max) return undefined;
    return timeSeries ? [n, 1] : [n, n];
  }

  private readLayer(item: Node, at: Located, timeSeries: boolean): LayerSpec | undefined {
    if (!isMap(item) || item.items.length !== 1) return undefined;
    const pair = item.items[0];
    const kind = isScalar(pair.key) ? String(pair.key.value) : '';
    const body = this.map(this.deref(pair.value));
    if (!body) return undefined;
    const out = this.int(this.value(body, 'out'));
    const kernelNode = this.value(body, 'kernel');
    const kernel = this.pairOf(kernelNode, timeSeries, MAX_KERNEL, 'kernel');
    const strideNode = this.value(body, 'stride');
    const stride = strideNode === null ? [1, 1] as [number, number] : this.pairOf(strideNode, timeSeries, 4, 'stride');
    if (out === undefined || kernel === undefined || stride === undefined || out > 4096) return undefined;
    const even = kernel.find((k) => k % 2 === 0);
    if (even !== undefined) {
      this.error(this.at(kernelNode), 'even-kernel', `kernel ${even} is even; "same" padding needs an odd kernel such as ${even - 1} or ${even + 1}.`);
      return undefined;
    }
    if (kind === 'conv') return { kind, out, kernel, stride, ...at };
    if (kind === 'mbconv') {
      const expand = this.int(this.value(body, 'expand'));
      if (expand === undefined || expand > 16) return undefined;
      return { kind, out, kernel, expand, stride, ...at };
    }
    return undefined;
  }

  private readTarget(target: YAMLMap | null): ConfigSpec['target'] {
    const boardNode = this.value(target, 'board');
    this.source.board = this.at(boardNode);
    const boardName = isScalar(boardNode) ? String(boardNode.value) : '';
    const board: Board = BOARDS[boardName] ?? {
      name: boardName || 'unknown', cpu: 'unknown', clockHz: 0, sramBytes: Infinity, flashBytes: Infinity, cpuFlags: [], description: 'an unknown board',
    };
    const size = (key: 'sram' | 'flash'): number | undefined => {
      const node = this.value(target, key);
      if (!node) return undefined;
      this.source[key] = this.at(node);
      if (!isScalar(node)) return undefined;
      const r = parseSize(node.value);
      if ('error' in r) {
        // The schema check already reports a malformed size; only report what it cannot see.
        if (typeof node.value === 'string' && /^\s*\d+(\.\d+)?\s*(B|KB|MB|KiB|MiB)?\s*$/i.test(node.value)) this.error(this.at(node), 'bad-size', r.error);
        return undefined;
      }
      return r.bytes;
    };
    const sram = size('sram');
    const flash = size('flash');
    return {
      board,
      sramBytes: sram ?? board.sramBytes,
      flashBytes: flash ?? board.flashBytes,
      sramOverridden: sram !== undefined,
      flashOverridden: flash !== undefined,
    };
  }

  private readTrain(train: YAMLMap | null, convCount: number, layersComplete: boolean): ConfigSpec['train'] {
    const lrNode = this.value(train, 'lr');
    const lr = isScalar(lrNode) && typeof lrNode.value === 'number' && lrNode.value > 0 ? lrNode.value : DEFAULT_LR;
    const qasNode = this.value(train, 'qas');
    const qas = isScalar(qasNode) && typeof qasNode.value === 'boolean' ? qasNode.value : true;
    this.source.update = this.keyAt(train, 'update');
    const update = this.readUpdate(this.map(this.value(train, 'update')), convCount, layersComplete);
    if (!qas && update.weights.length > 0) {
      this.error(this.at(qasNode), 'weights-without-qas',
        'Weights train with qas: false. Int8 weights and biases are scaled copies of the real values, so their gradients are badly scaled without quantization-aware scaling; set qas: true.', 'warning');
    }
    const steps = this.int(this.value(train, 'steps'));
    const seed = this.int(this.value(train, 'seed'), 0) ?? 1;
    const scheduleNode = this.value(train, 'schedule');
    const schedule = isScalar(scheduleNode) && scheduleNode.value === 'whole-tensors' ? 'whole-tensors' : 'compact';
    const decayNode = this.value(train, 'lr_decay');
    const lrDecay = isScalar(decayNode) && decayNode.value === 'cosine' ? 'cosine' : 'none';
    const roundingNode = this.value(train, 'weight_rounding');
    const weightRounding = isScalar(roundingNode) && roundingNode.value === 'residual' ? 'residual' : 'stochastic';
    return { optimizer: 'sgd', lr, qas, update, ...(steps !== undefined ? { steps } : {}), seed, schedule, lrDecay, weightRounding };
  }

  private readUpdate(update: YAMLMap | null, convCount: number, layersComplete: boolean): UpdateSpec {
    const biasesNode = this.value(update, 'biases');
    this.source.biases = this.at(biasesNode);
    let biases = 0;
    if (isScalar(biasesNode)) {
      if (biasesNode.value === 'all') biases = convCount;
      else if (typeof biasesNode.value === 'number' && Number.isInteger(biasesNode.value) && biasesNode.value >= 0) {
        biases = biasesNode.value;
        if (layersComplete && biases > convCount) {
          this.error(this.at(biasesNode), 'biases-too-many', `biases: ${biases} asks for more convs than the backbone has (${convCount}); use at most ${convCount}, or all.`);
          biases = convCount;
        }
      }
    }
    const classifierNode = this.value(update, 'classifier');
    const classifier = isScalar(classifierNode) && typeof classifierNode.value === 'boolean' ? classifierNode.value : true;

    const weights: WeightUpdateSpec[] = [];
    const weightsNode = this.map(this.value(update, 'weights'));
    this.source.weights = this.keyAt(update, 'weights');
    const firstBias = convCount - biases;
    for (const pair of weightsNode?.items ?? []) {
      const keyNode = pair.key as Node | null;
      const valueNode = this.deref(pair.value);
      const keyAt = this.at(keyNode);
      if (!isScalar(keyNode) || !keyAt) continue;
      const conv = typeof keyNode.value === 'number' ? keyNode.value : Number(String(keyNode.value));
      if (!Number.isInteger(conv) || conv < 0) continue; // the schema check reports it
      const entryAt = this.loc.located(keyAt.offsets[0], (valueNode?.range?.[1]) ?? keyAt.offsets[1]);
      const raw = isScalar(valueNode) ? valueNode.value : undefined;
      const parsed = parseRatio(raw);
      if ('error' in parsed) continue; // the schema check reports it
      const text = isScalar(valueNode) && valueNode.source !== undefined ? String(valueNode.source) : String(raw);
      if (!(parsed.ratio > 0 && parsed.ratio <= 1)) {
        if (typeof raw === 'string') this.error(this.at(valueNode), 'ratio-range', `ratio ${text} = ${+parsed.ratio.toFixed(4)} is outside (0, 1]; write a fraction of the input channels such as 1/8, 1/4, 1/2 or 1 (leave a conv out to freeze its weights).`);
        continue;
      }
      if (layersComplete && conv >= convCount) {
        this.error(keyAt, 'conv-index', `conv ${conv} does not exist: the backbone has ${convCount} convs, numbered 0 to ${convCount - 1}.`);
        continue;
      }
      if (layersComplete && conv < firstBias) {
        const need = convCount - conv;
        const covered = biases === 0 ? 'no conv trains its bias' : `biases: ${biases} covers convs ${firstBias} to ${convCount - 1}`;
        this.error(keyAt, 'weights-outside-biases', `conv ${conv} trains weights but not its bias (${covered}); raise biases to ${need} or remove this entry.`);
        continue;
      }
      if (weights.some((w) => w.conv === conv)) continue; // duplicate key, reported by the schema check
      weights.push({ conv, ratio: parsed.ratio, text, ...entryAt });
    }
    weights.sort((a, b) => a.conv - b.conv);
    return { biases, weights, classifier };
  }
}

/** Index of a `#` that starts a YAML comment in a line (outside quotes), or -1. */
function commentStart(line: string): number {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) { if (ch === quote) quote = ''; continue; }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) return i;
  }
  return -1;
}

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.offsets[0]}:${p.offsets[1]}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
