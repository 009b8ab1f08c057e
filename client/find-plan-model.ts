// The testable half of TinyTrain: Find Best Update Plan… (find-plan.ts is the VS Code half): the
// budget the user types, the one text edit that writes a chosen scheme into `train.update`, the
// progress lines of `tinytrain contrib`, and the Pareto front as the plan view shows it.
// No vscode import.
//
// The edit replaces the `train.update` block only: the `update:` key line (and a comment after
// it) stays, the lines of its block are rewritten (biases, weights, and any other key such as
// `classifier:` kept as written); comments inside the old block go with the values they
// described, every other line of the file is left exactly as it was. A missing `update:` is added
// at the end of `train:`, a missing `train:` at the end of the file.

import { isMap, isPair, isScalar, parseDocument, type Pair, type YAMLMap } from 'yaml';
import type { Candidate } from '../compiler/search.js';
import { parseSize, updateYaml } from '../protocol/notation.js';
import type { ParetoModel, ParetoPoint } from '../protocol/webview.js';
import type { TextEdit } from './plan-edit.js';

// ---------------------------------------------------------------------------------------------
// The budget

export type BudgetParse = { kb: number; warning?: string } | { error: string };

/** A budget as typed: `64KB`, `0.1MB`, `65536B`, or a plain number of KB. `sramBytes` (the
 * board's SRAM, when known) only adds a warning when the budget exceeds it. */
export function parseBudget(input: string, sramBytes?: number): BudgetParse {
  const t = input.trim();
  if (t === '') return { error: 'Type a budget, e.g. 64KB, 0.1MB or 48 (KB).' };
  if (t.startsWith('-')) return { error: `A budget must be more than 0; got '${t}'.` };
  const plain = /^\d*\.?\d+$/.test(t);
  const r = parseSize(plain ? `${t.startsWith('.') ? '0' : ''}${t}KB` : t);
  if ('error' in r) {
    if (plain || /^\d+(?:\.\d+)?\s*(?:B|KB|MB|KiB|MiB)$/i.test(t)) return { error: parseFloat(t) === 0 ? `A budget must be more than 0; got '${t}'.` : `${r.error[0].toUpperCase()}${r.error.slice(1)}.` };
    if (/^\d+(?:\.\d+)?\s*[a-z]+$/i.test(t)) return { error: `'${t}' has an unknown unit; write KB or MB (1 KB = 1024 B), e.g. 64KB or 0.1MB.` };
    return { error: `'${t}' is not a size; write it like 64KB, 0.1MB or a plain number of KB.` };
  }
  const kb = r.bytes / 1024;
  if (sramBytes !== undefined && Number.isFinite(sramBytes) && r.bytes > sramBytes) {
    return { kb, warning: `${formatKB(kb)} is more than the board's ${formatKB(sramBytes / 1024)} of SRAM; the planned peak is still held to the SRAM.` };
  }
  return { kb };
}

export function formatKB(kb: number): string {
  return `${kb >= 100 ? kb.toFixed(0) : kb.toFixed(1)} KB`;
}

// ---------------------------------------------------------------------------------------------
// The update block edit

export class UpdateEditError extends Error {}

export interface Scheme { biases: number; weights: { conv: number; text: string }[] }

const eolOf = (text: string): string => (text.includes('\r\n') ? '\r\n' : '\n');
const lineStart = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}
const keyOf = (p: Pair): unknown => (isScalar(p.key) ? p.key.value : undefined);

/** The lines after the one holding `keyOffset` that are indented deeper than `indent` (blank
 * lines only when more of the block follows): [start, end) of that block, end at a line end. */
function blockAfter(text: string, keyOffset: number, indent: number): { start: number; end: number } {
  const start = lineEnd(text, keyOffset);
  let end = start;
  let at = start;
  while (at < text.length) {
    const next = lineEnd(text, at);
    const line = text.slice(at, next).replace(/\r?\n$/, '');
    if (line.trim() === '') { at = next; continue; }
    const ind = /^ */.exec(line)![0].length;
    if (ind <= indent) break;
    end = next;
    at = next;
  }
  return { start, end };
}

/** The `update:` block's lines for a scheme, `base` = the indent of its keys. */
function schemeLines(s: Scheme, base: string, unit: string, others: string[]): string[] {
  const body = updateYaml({ biases: s.biases, weights: s.weights.map((w) => ({ ...w, ratio: 0, k: 0 })) }, unit).split('\n').slice(1);
  return [...body.map((l) => base + l.slice(unit.length)), ...others.map((o) => base + o)];
}

/** The indent step the document uses (its first nested block key), 2 if none. */
function indentUnit(text: string): string {
  const m = /^[A-Za-z_][\w-]*:[ \t]*(?:#.*)?\r?\n(?:[ \t]*(?:#.*)?\r?\n)*( +)[^\s#]/m.exec(text);
  return m ? m[1] : '  ';
}

/**
 * The one edit writing `scheme` into `train.update` of a config's text (see the header), or
 * undefined when the text already says exactly that. Throws UpdateEditError when the YAML cannot
 * be edited safely (a syntax error, `train:` not a block map).
 */
export function updateBlockEdit(text: string, scheme: Scheme): TextEdit | undefined {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false });
  if (doc.errors.length) {
    const line = text.slice(0, doc.errors[0].pos[0]).split('\n').length;
    throw new UpdateEditError(`the YAML has a syntax error (line ${line}); fix it first`);
  }
  const eol = eolOf(text);
  const unit = indentUnit(text);
  const join = (lines: string[]): string => lines.map((l) => l + eol).join('');
  const root = doc.contents;
  const rootMap = isMap(root) ? (root as YAMLMap) : undefined;
  if (root !== null && root !== undefined && (!rootMap || rootMap.flow)) throw new UpdateEditError('the config is not a block YAML map');
  const trainPair = rootMap?.items.find((p) => isPair(p) && keyOf(p) === 'train') as Pair | undefined;
  let edit: TextEdit;
  if (!trainPair) {
    const lines = ['train:', `${unit}update:`, ...schemeLines(scheme, unit + unit, unit, [])];
    const sep = text === '' || text.endsWith('\n') ? '' : eol;
    edit = { start: text.length, end: text.length, text: sep + join(lines) };
  } else {
    const trainKey = trainPair.key as { range?: [number, number, number] };
    const trainStart = trainKey.range![0];
    const trainIndent = trainStart - lineStart(text, trainStart);
    const train = trainPair.value;
    if (train !== null && train !== undefined && !(isScalar(train) && train.value === null) && !(isMap(train) && !train.flow)) {
      throw new UpdateEditError('`train:` is not a block map; write it as one (train:, then its keys indented below) first');
    }
    const trainMap = isMap(train) ? train : undefined;
    const childIndent = trainMap?.items.length && isScalar(trainMap.items[0].key) && trainMap.items[0].key.range
      ? ' '.repeat(trainMap.items[0].key.range[0] - lineStart(text, trainMap.items[0].key.range[0]))
      : ' '.repeat(trainIndent) + unit;
    const updatePair = trainMap?.items.find((p) => isPair(p) && keyOf(p) === 'update') as Pair | undefined;
    if (!updatePair) {
      // After the train block's last line.
      const block = blockAfter(text, trainStart, trainIndent);
      const at = block.end > block.start ? block.end : block.start;
      const lines = [`${childIndent}update:`, ...schemeLines(scheme, childIndent + unit, unit, [])];
      const sep = at === text.length && !text.endsWith('\n') ? eol : '';
      edit = { start: at, end: at, text: sep + join(lines) };
    } else {
      const keyStart = (updatePair.key as { range: [number, number, number] }).range[0];
      const ls = lineStart(text, keyStart);
      const keyIndent = keyStart - ls;
      const value = updatePair.value;
      const block = blockAfter(text, keyStart, keyIndent);
      const others: string[] = [];
      let inner = ' '.repeat(keyIndent) + unit;
      if (isMap(value)) {
        const first = value.items[0];
        if (!value.flow && first && isScalar(first.key) && first.key.range) inner = ' '.repeat(first.key.range[0] - lineStart(text, first.key.range[0]));
        for (const p of value.items) {
          const k = keyOf(p);
          if (k === 'biases' || k === 'weights' || !isScalar(p.key) || !p.key.range) continue;
          const v = p.value;
          const src = isScalar(v) && v.range ? text.slice(v.range[0], v.range[1]) : v === null || v === undefined ? '' : String(v);
          others.push(`${text.slice(p.key.range[0], p.key.range[1])}: ${src}`.trimEnd());
        }
      }
      const keyLineEnd = lineEnd(text, keyStart);
      const afterKey = text.slice(keyStart, keyLineEnd).replace(/\r?\n$/, '');
      const blockValue = value === null || value === undefined || (isScalar(value) && value.value === null) || (isMap(value) && !value.flow);
      if (blockValue && /^update\s*:\s*(#.*)?$/.test(afterKey)) {
        // Keep the key line (and its comment); rewrite the lines below it.
        const lines = schemeLines(scheme, inner, unit, others);
        const sep = block.start === text.length && !text.endsWith('\n') ? eol : '';
        edit = { start: block.start, end: block.end, text: sep + join(lines) };
      } else {
        // `update: { ... }` (flow) or a scalar: the whole entry becomes a block.
        const lines = [`${' '.repeat(keyIndent)}update:`, ...schemeLines(scheme, inner, unit, others)];
        const end = Math.max(block.end, keyLineEnd);
        const atEnd = end === text.length && !text.endsWith('\n');
        const out = join(lines);
        edit = { start: ls, end, text: atEnd ? out.slice(0, -eol.length) : out };
      }
    }
  }
  const before = text.slice(edit.start, edit.end);
  return before === edit.text ? undefined : edit;
}

// ---------------------------------------------------------------------------------------------
// `tinytrain contrib` progress (its stderr when not a terminal)

export type ContribLine = { done: number; total: number; label: string; elapsed: string; eta?: string } | { message: string };

/** One stderr line of `tinytrain contrib`: a progress line (`[###...] 3/62 12s, 1m05s left  label`) or a message. */
export function parseContribLine(line: string): ContribLine {
  const m = /^\[[#.]*\] (\d+)\/(\d+) (\S+?)(?:, (\S+) left)?\s+(.*)$/.exec(line.trim());
  if (!m) return { message: line.trim() };
  return { done: Number(m[1]), total: Number(m[2]), elapsed: m[3], ...(m[4] ? { eta: m[4] } : {}), label: m[5] };
}

// ---------------------------------------------------------------------------------------------
// The Pareto front as the plan view shows it

export function pointOf(c: Candidate): ParetoPoint {
  return {
    extraKB: c.extraKB,
    gain: c.gain,
    biases: c.biases,
    weights: [...c.weights].sort((a, b) => a.conv - b.conv).map((w) => ({ conv: w.conv, text: w.text })),
    ...(c.peakSramBytes !== undefined ? { peakSramBytes: c.peakSramBytes } : {}),
  };
}

export interface ParetoInput {
  uri: string;
  fileName: string;
  version: number;
  budgetKB: number;
  sramBytes?: number;
  source: ParetoModel['source'];
  samples: number;
  seconds: number;
  best?: Candidate;
  random?: Candidate;
  pareto: Candidate[];
}

/** The view's model: the front (memory ascending), the chosen point's index in it (the best is
 * always on the front; appended when a rounding kept it off), and random search's best. */
export function paretoModel(r: ParetoInput): ParetoModel {
  const points = r.pareto.map(pointOf);
  let chosen = -1;
  if (r.best) {
    chosen = r.pareto.findIndex((c) => c.key === r.best!.key);
    if (chosen < 0) {
      points.push(pointOf(r.best));
      points.sort((a, b) => a.extraKB - b.extraKB);
      chosen = points.findIndex((p) => p.extraKB === r.best!.extraKB && p.gain === r.best!.gain);
    }
  }
  return {
    uri: r.uri, fileName: r.fileName, version: r.version, budgetKB: r.budgetKB, source: r.source, samples: r.samples, seconds: r.seconds,
    ...(r.sramBytes !== undefined && Number.isFinite(r.sramBytes) ? { sramBytes: r.sramBytes } : {}),
    points, chosen,
    ...(r.random ? { random: pointOf(r.random) } : {}),
  };
}

/** `+4.2 pts` (measured) or `+4.2 nominal` (prior). */
export function gainText(gain: number, source: ParetoModel['source']): string {
  return `${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(1)} ${source === 'measured' ? 'pts' : 'nominal pts'}`;
}

/** One line describing a scheme: `biases 9 · weights 6:1/2 9:1 12:1`. */
export function schemeText(p: Pick<ParetoPoint, 'biases' | 'weights'>): string {
  return `biases ${p.biases} · ${p.weights.length ? `weights ${p.weights.map((w) => `${w.conv}:${w.text}`).join(' ')}` : 'no weights'}`;
}
