// Finding the node of the analysis a position points at: a layer item, the `biases:` value, a
// `weights:` entry. Positions are LSP's (0-based line, UTF-16 character), as the compiler's are.

import type { Position } from 'vscode-languageserver/node';
import type { Analysis } from '../compiler/analysis.js';
import type { Located } from '../compiler/config/spec.js';
import { parentPath, readLine } from './yaml-path.js';

export function lineSpan(l: Located): { first: number; last: number } {
  const { start, end } = l.range;
  const last = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
  return { first: start.line, last };
}

/** Index into model.layers of the layer item on this position's line, if any. */
export function layerAt(a: Analysis, pos: Position): number | undefined {
  const layers = a.source.layers;
  let lo = 0;
  let hi = layers.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = lineSpan(layers[mid]);
    if (pos.line < s.first) hi = mid - 1;
    else if (pos.line > s.last) lo = mid + 1;
    else return mid;
  }
  return undefined;
}

export function onLineOf(l: Located | undefined, pos: Position): boolean {
  if (!l) return false;
  const s = lineSpan(l);
  return pos.line >= s.first && pos.line <= s.last;
}

/** The conv index of the `weights:` entry on this line (`36: 1/8`), if the line is one. */
export function weightEntryAt(lines: string[], pos: Position): number | undefined {
  const l = readLine(lines[pos.line] ?? '');
  if (l.key === undefined || !/^\d+$/.test(l.key) || l.dash !== undefined) return undefined;
  const path = parentPath(lines, pos.line, l.keyCol!);
  if (path.length !== 3 || path[0] !== 'train' || path[1] !== 'update' || path[2] !== 'weights') return undefined;
  return Number(l.key);
}

/** The end of the text of a line (trailing spaces excluded). */
export function endOfLine(lines: string[], line: number): Position {
  const text = lines[line] ?? '';
  return { line, character: text.replace(/\s+$/, '').length };
}

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}
