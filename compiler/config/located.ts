// Turning YAML node ranges into located problems.

import { LineCounter } from 'yaml';
import type { Located, Position, Problem, Range, Severity } from './spec.js';

export class Locator {
  constructor(private readonly lines: LineCounter, private readonly textLength: number) {}

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.textLength));
    const p = this.lines.linePos(o);
    return { line: p.line - 1, character: p.col - 1 };
  }

  located(start: number, end: number): Located {
    const s = Math.max(0, Math.min(start, this.textLength));
    const e = Math.max(s, Math.min(end, this.textLength));
    const range: Range = { start: this.position(s), end: this.position(e) };
    return { range, offsets: [s, e] };
  }

  problem(at: Located, severity: Severity, code: string, message: string): Problem {
    return { message, severity, code, range: at.range, offsets: at.offsets };
  }
}

/** A node's [start, end) with trailing whitespace trimmed off, or undefined for a missing node. */
export function nodeSpan(node: { range?: [number, number, number] | null } | null | undefined): [number, number] | undefined {
  const r = node?.range;
  if (!r) return undefined;
  return [r[0], r[1]];
}
