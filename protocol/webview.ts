// The messages between the extension and its three webviews (training plan, memory timeline,
// training dashboard): one union per direction per view, discriminated by `type`, and a validator
// for each union. Both ends validate what they receive: a message that does not match is dropped
// and logged, never acted on. No vscode or DOM import: the client, the webview bundles and the
// unit tests all import this file.

import type { ClassifierRow, LayerRow, PlanSummary, Problem, UpdateMode } from '../compiler/analysis.js';
import type { TensorKind } from '../compiler/ir/graph.js';
import type { LiveTensor, TimelinePoint } from '../compiler/memory/memory-plan.js';
import { ladderText, parseRatio, RATIOS, RATIO_TEXT } from './notation.js';

export type { ClassifierRow, LayerRow, LiveTensor, PlanSummary, TensorKind, TimelinePoint, UpdateMode };

export const TENSOR_KINDS: readonly TensorKind[] = ['input', 'activation', 'saved', 'mask', 'gradient', 'param-grad', 'workspace'];

// ---------------------------------------------------------------------------------------------
// What each view shows (plain JSON, also what the view keeps in getState/setState).

/** Figures of one config common to the plan and timeline views. */
export interface ConfigHeader {
  /** The config's URI (what a revived panel reopens). */
  uri: string;
  fileName: string;
  /** The document version these figures were computed for. */
  version: number;
  model?: { name: string; input: [number, number, number]; classes: number; convs: number; params: number; macs: number };
  board?: { name: string; cpu: string; clockHz: number };
  budget?: { sramBytes: number | null; flashBytes: number | null };
  partial: boolean;
  errors: { line: number; message: string }[];
}

export interface PlanModel extends ConfigHeader {
  layers: LayerRow[];
  classifier?: ClassifierRow;
  peakSramBytes?: number;
  arenaBytes?: number;
  staticBytes?: number;
  lowerBoundBytes?: number;
  peakAt?: PlanSummary['peakAt'];
  /** The streamed stage and the chunked backward of the plan. */
  lowering?: PlanSummary['lowering'];
  analyticKB?: number;
  flashBytes?: number;
  /** `train.update.biases` as the analysis read it (number of trailing convs). */
  biases: number;
  /** The config's last `tinytrain profile`, per layer (absent when it has none). */
  profile?: StepProfile;
}

/** A stored profile of a config's training step, as the plan view shows it. */
export interface StepProfile {
  board: string;
  /** What `perStep` counts: QEMU instructions, core cycles of a real board, or host ms. */
  unit: 'instructions' | 'cycles' | 'ms';
  perStep: number;
  steps: number;
  measuredAt: string;
  /** The profile measured the config's current schedule (false: the plan changed since). */
  current: boolean;
  /** Share of the step by config layer (model.layers index), largest first. */
  layers: { layer: number; share: number }[];
  /** The rest: classifier, loss, updates outside a layer. */
  otherShare: number;
}

export interface TimelineSeries {
  peakSramBytes: number;
  arenaBytes: number;
  staticBytes: number;
  lowerBoundBytes: number;
  peakAt: PlanSummary['peakAt'];
  liveAtPeak: LiveTensor[];
  points: TimelinePoint[];
  /** Every arena buffer with the ops it lives over (first..last, schedule positions), so the
   * view can list the live tensors at any op. Present for the config's own plan. */
  buffers?: TimelineBuffer[];
}

export interface TimelineBuffer { name: string; bytes: number; kind: TensorKind; first: number; last: number }

export interface TimelineModel extends ConfigHeader {
  plan?: TimelineSeries;
  /** The same plan without the streamed prefix / without the chunked backward. */
  noStreaming?: TimelineSeries;
  noChunking?: TimelineSeries;
  noReorder?: TimelineSeries;
  fullUpdate?: TimelineSeries;
}

/** One scheme of the Pareto front TinyTrain: Find Best Update Plan… found. */
export interface ParetoPoint {
  /** Analytic extra memory, KB. */
  extraKB: number;
  /** Predicted gain (accuracy as a fraction; nominal when the contributions are the prior). */
  gain: number;
  biases: number;
  weights: { conv: number; text: string }[];
  /** Planned peak SRAM of the scheme, when the board's SRAM was checked. */
  peakSramBytes?: number;
}

/** The result of a search, shown in the plan view under the totals. */
export interface ParetoModel {
  uri: string;
  fileName: string;
  /** The document version the search ran on. */
  version: number;
  budgetKB: number;
  sramBytes?: number;
  source: 'prior' | 'measured' | 'synthetic';
  samples: number;
  seconds: number;
  /** Memory ascending, gain ascending. */
  points: ParetoPoint[];
  /** Index of the chosen (best) point, -1 when nothing fits. */
  chosen: number;
  /** Random search's best at the same sample count. */
  random?: ParetoPoint;
}

/** Where the points of a training run come from. */
export type RunSource = 'host' | 'virtual-board' | 'board';
export type RunState = 'preparing' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';

export interface RunInfo {
  id: number;
  config: string;
  fileName: string;
  source: RunSource;
  /** Steps the run will take, when known. */
  steps?: number;
  /** The configured board (name and clock), for the time-on-board estimate. */
  board?: { name: string; clockHz: number };
  startedAt: number;
}

/** One training step as the dashboard plots it. `t` is milliseconds since the run started. */
export interface StepPoint { step: number; loss: number; correct: boolean; t: number }
export interface EvalPoint { step: number; accuracy: number }

export interface RunStatus {
  state: RunState;
  message?: string;
  /** Measured instructions per training step (device runs only). */
  instructionsPerStep?: number;
  /** Final held-out accuracy. */
  accuracy?: number;
  /** Held-out counts confusion[label][predicted], and the class names in label order. */
  confusion?: number[][];
  classNames?: string[];
}

// ---------------------------------------------------------------------------------------------
// Messages.

export type PlanToView =
  | { type: 'plan'; model: PlanModel }
  | { type: 'notice'; level: 'info' | 'error'; message: string }
  | { type: 'pareto'; pareto: ParetoModel | null };
export type PlanFromView =
  | { type: 'ready' }
  | { type: 'cycle'; conv: number; version: number; clickId?: number }
  | { type: 'reveal'; conv: number }
  | { type: 'rendered'; version: number; clickId?: number }
  | { type: 'applyPareto'; index: number }
  | { type: 'dismissPareto' };

export type TimelineToView = { type: 'timeline'; model: TimelineModel };
export type TimelineFromView = { type: 'ready' };

export type DashboardToView =
  | { type: 'run'; run: RunInfo }
  | { type: 'steps'; runId: number; points: StepPoint[] }
  | { type: 'eval'; runId: number; point: EvalPoint }
  | { type: 'status'; runId: number; status: RunStatus }
  | { type: 'log'; runId: number; line: string };
export type DashboardFromView =
  | { type: 'ready' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'exportCsv' }
  | { type: 'exportPng'; dataUrl: string };

// ---------------------------------------------------------------------------------------------
// Validation. A validator returns the message typed, or a reason it was refused.

export type Checked<T> = { ok: true; message: T } | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown, max = 10_000): v is string => typeof v === 'string' && v.length <= max;
const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function describe(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Checks that `v` has exactly the given keys (plus `type`), so nothing unexpected rides along. */
function onlyKeys(v: Obj, keys: string[]): string | undefined {
  for (const k of Object.keys(v)) if (k !== 'type' && !keys.includes(k)) return `unexpected field '${k}'`;
  return undefined;
}

function head(v: unknown, types: readonly string[]): Obj | string {
  if (!isObj(v)) return `not an object: ${describe(v)}`;
  if (typeof v.type !== 'string') return `no string 'type' field: ${describe(v)}`;
  if (!types.includes(v.type)) return `unknown message type '${describe(v.type)}'`;
  return v;
}

/** The most a PNG export may carry (a dashboard chart is far smaller). */
export const MAX_PNG_DATA_URL = 8 * 1024 * 1024;
/** Largest conv index a click may name. */
export const MAX_CONV = 100_000;
/** The most points a Pareto front may carry to the plan view. */
export const MAX_PARETO_POINTS = 2000;

export function checkPlanFromView(v: unknown): Checked<PlanFromView> {
  const o = head(v, ['ready', 'cycle', 'reveal', 'rendered', 'applyPareto', 'dismissPareto']);
  if (typeof o === 'string') return refuse(o);
  switch (o.type) {
    case 'applyPareto': {
      const extra = onlyKeys(o, ['index']);
      if (extra) return refuse(extra);
      if (!isInt(o.index, 0, MAX_PARETO_POINTS - 1)) return refuse(`applyPareto: index must be a point of the front; got ${describe(o.index)}`);
      return { ok: true, message: { type: 'applyPareto', index: o.index } };
    }
    case 'dismissPareto': {
      const extra = onlyKeys(o, []);
      return extra ? refuse(extra) : { ok: true, message: { type: 'dismissPareto' } };
    }
    case 'ready': {
      const extra = onlyKeys(o, []);
      return extra ? refuse(extra) : { ok: true, message: { type: 'ready' } };
    }
    case 'cycle': {
      const extra = onlyKeys(o, ['conv', 'version', 'clickId']);
      if (extra) return refuse(extra);
      if (!isInt(o.conv, 0, MAX_CONV)) return refuse(`cycle: conv must be a conv index; got ${describe(o.conv)}`);
      if (!isInt(o.version, 0)) return refuse(`cycle: version must be a document version; got ${describe(o.version)}`);
      if (o.clickId !== undefined && !isInt(o.clickId, 0)) return refuse(`cycle: bad clickId ${describe(o.clickId)}`);
      return { ok: true, message: { type: 'cycle', conv: o.conv, version: o.version, ...(o.clickId !== undefined ? { clickId: o.clickId as number } : {}) } };
    }
    case 'reveal': {
      const extra = onlyKeys(o, ['conv']);
      if (extra) return refuse(extra);
      if (!isInt(o.conv, 0, MAX_CONV)) return refuse(`reveal: conv must be a conv index; got ${describe(o.conv)}`);
      return { ok: true, message: { type: 'reveal', conv: o.conv } };
    }
    default: {
      const extra = onlyKeys(o, ['version', 'clickId']);
      if (extra) return refuse(extra);
      if (!isInt(o.version, 0)) return refuse(`rendered: bad version ${describe(o.version)}`);
      if (o.clickId !== undefined && !isInt(o.clickId, 0)) return refuse(`rendered: bad clickId ${describe(o.clickId)}`);
      return { ok: true, message: { type: 'rendered', version: o.version, ...(o.clickId !== undefined ? { clickId: o.clickId as number } : {}) } };
    }
  }
}

export function checkTimelineFromView(v: unknown): Checked<TimelineFromView> {
  const o = head(v, ['ready']);
  if (typeof o === 'string') return refuse(o);
  const extra = onlyKeys(o, []);
  return extra ? refuse(extra) : { ok: true, message: { type: 'ready' } };
}

export function checkDashboardFromView(v: unknown): Checked<DashboardFromView> {
  const o = head(v, ['ready', 'pause', 'resume', 'stop', 'exportCsv', 'exportPng']);
  if (typeof o === 'string') return refuse(o);
  if (o.type === 'exportPng') {
    const extra = onlyKeys(o, ['dataUrl']);
    if (extra) return refuse(extra);
    if (!isStr(o.dataUrl, MAX_PNG_DATA_URL) || !/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/.test(o.dataUrl)) {
      return refuse('exportPng: dataUrl must be a base64 PNG data URL of at most 8 MB');
    }
    return { ok: true, message: { type: 'exportPng', dataUrl: o.dataUrl } };
  }
  const extra = onlyKeys(o, []);
  if (extra) return refuse(extra);
  return { ok: true, message: { type: o.type as 'ready' | 'pause' | 'resume' | 'stop' | 'exportCsv' } };
}

// The views check what the extension sends too (a bug there must not break the page). These
// checks are structural: the shape each renderer relies on.

function checkHeader(m: Obj): string | undefined {
  if (!isStr(m.uri) || !isStr(m.fileName)) return 'model: uri and fileName must be strings';
  if (!isInt(m.version, 0)) return 'model: version must be a whole number';
  if (typeof m.partial !== 'boolean') return 'model: partial must be a boolean';
  if (!Array.isArray(m.errors) || !m.errors.every((e) => isObj(e) && isInt(e.line, 0) && isStr(e.message))) return 'model: errors must be a list of {line, message}';
  if (m.budget !== undefined && !(isObj(m.budget) && (m.budget.sramBytes === null || isNum(m.budget.sramBytes)))) return 'model: bad budget';
  return undefined;
}

const MODES = ['frozen', 'bias', 'weights'];
function checkLayer(r: unknown): boolean {
  return isObj(r) && isInt(r.index, 0) && isStr(r.name, 200) && isInt(r.layer, 0) && isStr(r.kind, 20) && MODES.includes(r.update as string)
    && isInt(r.k, 0) && isInt(r.cin, 0) && isNum(r.ratio) && isNum(r.savedBytes) && isNum(r.trainedBytes) && typeof r.onPeak === 'boolean'
    && Array.isArray(r.outShape) && Array.isArray(r.inShape);
}

function checkParetoPoint(p: unknown): boolean {
  return isObj(p) && isNum(p.extraKB) && isNum(p.gain) && isInt(p.biases, 0, MAX_CONV)
    && Array.isArray(p.weights) && p.weights.length <= MAX_CONV && p.weights.every((w) => isObj(w) && isInt(w.conv, 0, MAX_CONV) && isStr(w.text, 20))
    && (p.peakSramBytes === undefined || isNum(p.peakSramBytes));
}

/** A search result for the plan view (null clears it). */
export function checkParetoModel(m: unknown): string | undefined {
  if (m === null) return undefined;
  if (!isObj(m)) return 'pareto must be an object or null';
  if (!isStr(m.uri) || !isStr(m.fileName) || !isInt(m.version, 0)) return 'pareto: uri, fileName and version expected';
  if (!isNum(m.budgetKB) || !isInt(m.samples, 0) || !isNum(m.seconds)) return 'pareto: budgetKB, samples and seconds must be numbers';
  if (m.sramBytes !== undefined && !isNum(m.sramBytes)) return 'pareto: bad sramBytes';
  if (!['prior', 'measured', 'synthetic'].includes(m.source as string)) return 'pareto: source must be prior, measured or synthetic';
  if (!Array.isArray(m.points) || m.points.length > MAX_PARETO_POINTS || !m.points.every(checkParetoPoint)) return 'pareto: points must be at most 2000 schemes';
  if (!isInt(m.chosen, -1, m.points.length - 1)) return 'pareto: chosen must index a point (or be -1)';
  if (m.random !== undefined && !checkParetoPoint(m.random)) return 'pareto: random must be a scheme';
  return undefined;
}

export function checkPlanToView(v: unknown): Checked<PlanToView> {
  const o = head(v, ['plan', 'notice', 'pareto']);
  if (typeof o === 'string') return refuse(o);
  if (o.type === 'pareto') {
    const extra = onlyKeys(o, ['pareto']);
    if (extra) return refuse(extra);
    const bad = checkParetoModel(o.pareto);
    return bad ? refuse(bad) : { ok: true, message: { type: 'pareto', pareto: o.pareto as ParetoModel | null } };
  }
  if (o.type === 'notice') {
    if (!(o.level === 'info' || o.level === 'error') || !isStr(o.message)) return refuse('notice: level and message expected');
    return { ok: true, message: { type: 'notice', level: o.level, message: o.message } };
  }
  const m = o.model;
  if (!isObj(m)) return refuse('plan: model must be an object');
  const bad = checkHeader(m);
  if (bad) return refuse(`plan: ${bad}`);
  if (!Array.isArray(m.layers) || !m.layers.every(checkLayer)) return refuse('plan: layers must be layer rows');
  if (!isInt(m.biases, 0)) return refuse('plan: biases must be a whole number');
  if (m.profile !== undefined && !checkStepProfile(m.profile)) return refuse('plan: profile must be a step profile');
  return { ok: true, message: o as unknown as PlanToView };
}

function checkStepProfile(p: unknown): boolean {
  if (!isObj(p)) return false;
  const share = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1.0001;
  return isStr(p.board) && (p.unit === 'instructions' || p.unit === 'cycles' || p.unit === 'ms') && typeof p.perStep === 'number' && Number.isFinite(p.perStep)
    && isInt(p.steps, 0) && isStr(p.measuredAt) && typeof p.current === 'boolean' && share(p.otherShare)
    && Array.isArray(p.layers) && p.layers.every((l) => isObj(l) && isInt(l.layer, 0) && share(l.share));
}

function checkSeries(s: unknown): boolean {
  return isObj(s) && isNum(s.peakSramBytes) && isNum(s.arenaBytes) && isNum(s.staticBytes) && isObj(s.peakAt) && Array.isArray(s.liveAtPeak)
    && Array.isArray(s.points) && s.points.every((p) => isObj(p) && isStr(p.op, 500) && isStr(p.phase, 50) && isObj(p.byKind) && isNum(p.liveBytes));
}

export function checkTimelineToView(v: unknown): Checked<TimelineToView> {
  const o = head(v, ['timeline']);
  if (typeof o === 'string') return refuse(o);
  const m = o.model;
  if (!isObj(m)) return refuse('timeline: model must be an object');
  const bad = checkHeader(m);
  if (bad) return refuse(`timeline: ${bad}`);
  for (const k of ['plan', 'noStreaming', 'noChunking', 'noReorder', 'fullUpdate']) if (m[k] !== undefined && !checkSeries(m[k])) return refuse(`timeline: ${k} is not a timeline series`);
  return { ok: true, message: o as unknown as TimelineToView };
}

const STATES: RunState[] = ['preparing', 'running', 'paused', 'done', 'stopped', 'failed'];

export function checkDashboardToView(v: unknown): Checked<DashboardToView> {
  const o = head(v, ['run', 'steps', 'eval', 'status', 'log']);
  if (typeof o === 'string') return refuse(o);
  if (o.type === 'run') {
    const r = o.run;
    if (!isObj(r) || !isInt(r.id, 0) || !isStr(r.config) || !isStr(r.fileName) || !['host', 'virtual-board', 'board'].includes(r.source as string) || !isNum(r.startedAt)) return refuse('run: bad run info');
    if (r.steps !== undefined && !isInt(r.steps, 0)) return refuse('run: bad steps');
    return { ok: true, message: o as unknown as DashboardToView };
  }
  if (!isInt(o.runId, 0)) return refuse(`${o.type}: runId must be a whole number`);
  switch (o.type) {
    case 'steps':
      if (!Array.isArray(o.points) || !o.points.every((p) => isObj(p) && isInt(p.step, 0) && isNum(p.loss) && typeof p.correct === 'boolean' && isNum(p.t))) return refuse('steps: points must be {step, loss, correct, t}');
      break;
    case 'eval':
      if (!isObj(o.point) || !isInt(o.point.step, 0) || !isNum(o.point.accuracy)) return refuse('eval: point must be {step, accuracy}');
      break;
    case 'status':
      if (!isObj(o.status) || !STATES.includes(o.status.state as RunState)) return refuse('status: bad state');
      if (o.status.message !== undefined && !isStr(o.status.message)) return refuse('status: bad message');
      if (o.status.instructionsPerStep !== undefined && !isNum(o.status.instructionsPerStep)) return refuse('status: bad instructionsPerStep');
      if (o.status.accuracy !== undefined && !isNum(o.status.accuracy)) return refuse('status: bad accuracy');
      if (o.status.confusion !== undefined && !(Array.isArray(o.status.confusion) && o.status.confusion.every((r) => Array.isArray(r) && r.length === (o.status as { confusion: unknown[] }).confusion.length && r.every((v) => isInt(v, 0))))) return refuse('status: confusion must be a square table of counts');
      if (o.status.classNames !== undefined && !(Array.isArray(o.status.classNames) && o.status.classNames.every((n) => isStr(n)))) return refuse('status: bad classNames');
      break;
    default:
      if (!isStr(o.line)) return refuse('log: line must be a string');
  }
  return { ok: true, message: o as unknown as DashboardToView };
}

/** The one way either side takes in a message: check it, then hand the typed message on. A
 * message that fails the check is dropped and logged, never handed on; a handler that throws is
 * logged too. Returns whether the message was accepted. */
export function receiver<T>(check: (v: unknown) => Checked<T>, handle: (m: T) => void, log: (line: string) => void): (raw: unknown) => boolean {
  return (raw) => {
    const r = check(raw);
    if (!r.ok) {
      log(`dropped a malformed message: ${r.reason}`);
      return false;
    }
    try {
      handle(r.message);
    } catch (err) {
      log(`handling '${(r.message as { type?: string }).type}' failed: ${(err as Error)?.message ?? err}`);
    }
    return true;
  };
}

/** The cycle a click on a layer walks through: frozen, bias, then the ratio ladder, frozen. */
export const CYCLE_RATIOS = RATIOS;
export { ladderText, RATIO_TEXT };

/** The point of a search whose scheme a plan (the config's analysis) says now, or -1. */
export function currentPoint(m: Pick<ParetoModel, 'points'>, plan: Pick<PlanModel, 'biases' | 'layers'> | undefined): number {
  if (!plan?.layers.length) return -1;
  const trained = plan.layers.filter((l) => l.update === 'weights');
  const ratio = (t: string): number => { const r = parseRatio(t); return 'ratio' in r ? r.ratio : NaN; };
  return m.points.findIndex((p) => p.biases === plan.biases && p.weights.length === trained.length
    && p.weights.every((w) => trained.some((l) => l.index === w.conv && Math.abs(l.ratio - ratio(w.text)) < 1e-9)));
}
