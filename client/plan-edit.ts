// What a click on a layer in the plan view does to the YAML: the conv's update cycles
// frozen -> bias -> weights 1/8 -> 1/4 -> 1/2 -> 1 -> frozen, written as the smallest text edits
// (replace the `biases:` value, insert or delete one `weights` entry line), so the user's
// comments and formatting survive exactly and undo is an ordinary text undo. No vscode import.
//
// `train.update.biases: n` means the last n convs train their bias, and weights may train only
// where the bias does, so some steps move more than the clicked conv: making conv i train its
// bias sets n = N - i (every later conv trains its bias too); freezing it sets n = N - i - 1
// and removes the weights entries of the convs before it.

import { isMap, isPair, isScalar, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import { CYCLE_RATIOS, RATIO_TEXT, type UpdateMode } from '../protocol/webview.js';

export interface TextEdit { start: number; end: number; text: string }

export interface ConvState { mode: UpdateMode; ratio?: number; ratioText?: string }

export interface CycleResult {
  conv: number;
  from: ConvState;
  to: ConvState;
  /** Non-overlapping edits, in document order. */
  edits: TextEdit[];
  /** One line for the output channel. */
  summary: string;
}

export class PlanEditError extends Error {}

/** The next state of the cycle. */
export function nextState(s: ConvState): ConvState {
  if (s.mode === 'frozen') return { mode: 'bias' };
  if (s.mode === 'bias') return { mode: 'weights', ratio: CYCLE_RATIOS[0], ratioText: RATIO_TEXT[0] };
  const r = s.ratio ?? 1;
  const i = CYCLE_RATIOS.findIndex((c) => c > r + 1e-9);
  return i < 0 ? { mode: 'frozen' } : { mode: 'weights', ratio: CYCLE_RATIOS[i], ratioText: RATIO_TEXT[i] };
}

/** A ratio as written: a number or a fraction `a/b`. */
export function parseRatio(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(v);
  if (m) return Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : undefined;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

interface Entry { conv: number; pair: Pair; ratio?: number }

interface UpdateInfo {
  doc: Document;
  biases: number;
  biasesNode?: { start: number; end: number; value: unknown };
  updateMap?: YAMLMap;
  weightsKeyEnd?: number;
  weights?: YAMLMap;
  entries: Entry[];
}

function readUpdate(text: string, convCount: number): UpdateInfo {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false });
  if (doc.errors.length) throw new PlanEditError(`the YAML has a syntax error (line ${lineOf(text, doc.errors[0].pos[0]) + 1}); fix it first`);
  const update = doc.getIn(['train', 'update'], true);
  const updateMap = isMap(update) ? update : undefined;
  const info: UpdateInfo = { doc, biases: 0, entries: [], updateMap };
  const b = doc.getIn(['train', 'update', 'biases'], true);
  if (isScalar(b) && b.range) {
    info.biasesNode = { start: b.range[0], end: b.range[1], value: b.value };
    if (b.value === 'all') info.biases = convCount;
    else if (typeof b.value === 'number' && Number.isInteger(b.value) && b.value >= 0) info.biases = Math.min(b.value, convCount);
  }
  const wPair = updateMap?.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'weights') as Pair | undefined;
  if (wPair && isScalar(wPair.key) && wPair.key.range) info.weightsKeyEnd = wPair.key.range[1];
  if (wPair && isMap(wPair.value)) {
    info.weights = wPair.value;
    for (const p of wPair.value.items) {
      if (!isPair(p) || !isScalar(p.key)) continue;
      const conv = Number(p.key.value);
      if (!Number.isInteger(conv)) continue;
      info.entries.push({ conv, pair: p, ratio: isScalar(p.value) ? parseRatio(p.value.value) : undefined });
    }
  }
  return info;
}

function lineOf(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
const lineStart = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;
/** The offset just after the line break ending the line that holds `offset` (or the text's end). */
function nextLineStart(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}
const eolOf = (text: string): string => (text.includes('\r\n') ? '\r\n' : '\n');

/** The state of one conv as the text says (an entry outside the bias range counts as frozen). */
export function convState(text: string, conv: number, convCount: number): ConvState {
  return stateOf(readUpdate(text, convCount), conv, convCount);
}

function stateOf(info: UpdateInfo, conv: number, convCount: number): ConvState {
  const bias = conv >= convCount - info.biases;
  if (!bias) return { mode: 'frozen' };
  const e = info.entries.find((x) => x.conv === conv);
  if (!e) return { mode: 'bias' };
  const v = isScalar(e.pair.value) ? e.pair.value.value : undefined;
  return { mode: 'weights', ratio: e.ratio ?? 1, ratioText: v === undefined || v === null ? undefined : String(v) };
}

/** The edits that move `conv` to the next state of the cycle. Throws PlanEditError when the text
 * cannot be edited safely (syntax errors, an index out of range). */
export function cycleEdits(text: string, conv: number, convCount: number): CycleResult {
  if (!Number.isInteger(conv) || conv < 0 || conv >= convCount) throw new PlanEditError(`conv ${conv} is not in the backbone (convs 0 to ${convCount - 1})`);
  const info = readUpdate(text, convCount);
  const from = stateOf(info, conv, convCount);
  const hasEntry = info.entries.some((e) => e.conv === conv);
  // An entry outside the bias range (an error the analysis reports) is treated as frozen: the
  // click makes the conv train its bias and drops the stray entry.
  const to = nextState(from);
  const edits: TextEdit[] = [];
  let summary: string;
  if (to.mode === 'bias') {
    edits.push(...setBiases(text, info, convCount - conv, convCount));
    if (hasEntry) edits.push(...removeEntries(text, info, (c) => c === conv));
    summary = `conv ${conv}: bias trains (biases: ${convCount - conv})`;
  } else if (to.mode === 'weights') {
    edits.push(...setEntry(text, info, conv, to.ratioText!));
    summary = `conv ${conv}: weights ${to.ratioText}`;
  } else {
    const n = convCount - conv - 1;
    edits.push(...setBiases(text, info, n, convCount));
    edits.push(...removeEntries(text, info, (c) => c <= conv));
    summary = `conv ${conv}: frozen (biases: ${n})`;
  }
  return { conv, from, to, edits: normalize(edits), summary };
}

function normalize(edits: TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].start < sorted[i - 1].end) throw new PlanEditError('internal: overlapping edits');
  }
  return sorted;
}

/** Applies edits (non-overlapping) to a string: what the editor will do, for tests and fallbacks. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** One edit turning `before` into `after`: their common prefix and suffix are left alone. */
export function minimalEdit(before: string, after: string): TextEdit {
  let p = 0;
  const max = Math.min(before.length, after.length);
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  return { start: p, end: before.length - s, text: after.slice(p, after.length - s) };
}

/** Structural fallback (a missing `update:` or `train:`): the yaml package edits the document and
 * the change is reduced to one minimal edit. */
function viaDocument(text: string, info: UpdateInfo, path: (string | number)[], value: unknown): TextEdit[] {
  const doc = info.doc.clone();
  doc.setIn(path, value);
  const after = doc.toString();
  return [minimalEdit(text, after)];
}

function setBiases(text: string, info: UpdateInfo, n: number, convCount: number): TextEdit[] {
  const b = info.biasesNode;
  if (b) {
    const value = b.value === 'all' && n === convCount ? 'all' : String(n);
    if (text.slice(b.start, b.end) === value) return [];
    return [{ start: b.start, end: b.end, text: value }];
  }
  const u = info.updateMap;
  if (u && !u.flow && u.items.length > 0) {
    // A new first line in the update map, indented like its other keys.
    const first = u.items[0] as Pair;
    const keyStart = isScalar(first.key) && first.key.range ? first.key.range[0] : undefined;
    if (keyStart !== undefined) {
      const ls = lineStart(text, keyStart);
      const indent = text.slice(ls, keyStart);
      if (/^ *$/.test(indent)) return [{ start: ls, end: ls, text: `${indent}biases: ${n}${eolOf(text)}` }];
    }
  }
  return viaDocument(text, info, ['train', 'update', 'biases'], n);
}

function entryLine(text: string, e: Entry): { start: number; end: number; indent: string } | undefined {
  const k = e.pair.key;
  if (!isScalar(k) || !k.range) return undefined;
  const start = lineStart(text, k.range[0]);
  const indent = text.slice(start, k.range[0]);
  if (!/^ *$/.test(indent)) return undefined;
  const v = e.pair.value;
  const valueEnd = isScalar(v) && v.range ? v.range[1] : k.range[1];
  return { start, end: nextLineStart(text, valueEnd), indent };
}

function flowText(text: string, items: { conv: number; text: string }[]): string {
  return items.length === 0 ? '{}' : `{ ${items.map((i) => `${i.conv}: ${i.text}`).join(', ')} }`;
}

function pairText(text: string, e: Entry): string {
  const v = e.pair.value;
  return isScalar(v) && v.range ? text.slice(v.range[0], v.range[1]) : String(e.ratio ?? 1);
}

function setEntry(text: string, info: UpdateInfo, conv: number, ratioText: string): TextEdit[] {
  const existing = info.entries.find((e) => e.conv === conv);
  if (existing && isScalar(existing.pair.value) && existing.pair.value.range) {
    const r = existing.pair.value.range;
    return [{ start: r[0], end: r[1], text: ratioText }];
  }
  const w = info.weights;
  const eol = eolOf(text);
  if (w && w.flow && w.range && info.entries.length === 0 && info.weightsKeyEnd !== undefined) {
    // `weights: {}` becomes a block map again: the `{}` goes, one entry line follows the key.
    const ls = lineStart(text, info.weightsKeyEnd);
    const keyIndent = /^( *)weights\s*:/.exec(text.slice(ls, info.weightsKeyEnd + 1));
    const between = text.slice(info.weightsKeyEnd, w.range[0]);
    if (keyIndent && /^\s*:\s*$/.test(between) && !text.slice(w.range[0], w.range[1]).includes('\n')) {
      const colon = info.weightsKeyEnd + between.indexOf(':') + 1;
      const at = nextLineStart(text, w.range[1]);
      const atEnd = at === text.length && !text.endsWith('\n');
      const line = `${keyIndent[1]}  ${conv}: ${ratioText}`;
      return [
        { start: colon, end: w.range[1], text: '' },
        { start: at, end: at, text: atEnd ? `${eol}${line}` : `${line}${eol}` },
      ];
    }
  }
  if (w && w.flow && w.range) {
    const items = info.entries.map((e) => ({ conv: e.conv, text: pairText(text, e) }));
    items.push({ conv, text: ratioText });
    return [{ start: w.range[0], end: w.range[1], text: flowText(text, items) }];
  }
  if (w && !w.flow && info.entries.length > 0) {
    const lines = info.entries.map((e) => ({ e, line: entryLine(text, e) }));
    if (lines.every((l) => l.line)) {
      const keys = info.entries.map((e) => e.conv);
      const ascending = keys.every((k, i) => i === 0 || keys[i - 1] <= k);
      const descending = keys.every((k, i) => i === 0 || keys[i - 1] >= k);
      const indent = lines[0].line!.indent;
      const newLine = `${indent}${conv}: ${ratioText}${eol}`;
      const before = ascending ? lines.find((l) => l.e.conv > conv) : descending && keys.length > 1 ? lines.find((l) => l.e.conv < conv) : undefined;
      if (before) return [{ start: before.line!.start, end: before.line!.start, text: newLine }];
      const last = lines[lines.length - 1].line!;
      const atEnd = last.end === text.length && !text.endsWith('\n');
      return [{ start: last.end, end: last.end, text: atEnd ? `${eol}${indent}${conv}: ${ratioText}` : newLine }];
    }
  }
  // No weights entries yet (`weights:` absent, or `weights: {}`): a block map after `biases:`.
  const b = info.biasesNode;
  const u = info.updateMap;
  if (u && !u.flow && b && info.weightsKeyEnd === undefined) {
    const ls = lineStart(text, b.start);
    const keyIndentMatch = /^( *)biases\s*:/.exec(text.slice(ls, b.start));
    if (keyIndentMatch) {
      const ind = keyIndentMatch[1];
      const at = nextLineStart(text, b.end);
      const atEnd = at === text.length && !text.endsWith('\n');
      const block = `${ind}weights:${eol}${ind}  ${conv}: ${ratioText}`;
      return [{ start: at, end: at, text: atEnd ? `${eol}${block}` : `${block}${eol}` }];
    }
  }
  if (w && w.flow === false && info.entries.length === 0) {
    // `weights:` followed by a block map of no pairs cannot occur; fall through.
  }
  return viaDocument(text, info, ['train', 'update', 'weights', conv], ratioText.includes('/') ? ratioText : Number(ratioText));
}

function removeEntries(text: string, info: UpdateInfo, which: (conv: number) => boolean): TextEdit[] {
  const gone = info.entries.filter((e) => which(e.conv));
  if (gone.length === 0) return [];
  const kept = info.entries.filter((e) => !which(e.conv));
  const w = info.weights!;
  if (w.flow && w.range) {
    return [{ start: w.range[0], end: w.range[1], text: flowText(text, kept.map((e) => ({ conv: e.conv, text: pairText(text, e) }))) }];
  }
  const lines = gone.map((e) => entryLine(text, e));
  if (lines.every((l) => l) && info.weightsKeyEnd !== undefined) {
    const edits: TextEdit[] = lines.map((l) => ({ start: l!.start, end: l!.end, text: '' }));
    // Merge adjacent deletions (entries on consecutive lines) into one edit each.
    edits.sort((a, b) => a.start - b.start);
    const merged: TextEdit[] = [];
    for (const e of edits) {
      const prev = merged[merged.length - 1];
      if (prev && prev.end === e.start) prev.end = e.end;
      else merged.push({ ...e });
    }
    if (kept.length === 0) {
      // The map would be empty: `weights: {}`, keeping whatever follows the key (a comment).
      const colon = text.indexOf(':', info.weightsKeyEnd);
      if (colon >= 0) merged.unshift({ start: colon + 1, end: colon + 1, text: ' {}' });
    }
    return merged;
  }
  const doc = info.doc.clone();
  for (const e of gone) doc.deleteIn(['train', 'update', 'weights', e.pair.key]);
  return [minimalEdit(text, doc.toString())];
}
