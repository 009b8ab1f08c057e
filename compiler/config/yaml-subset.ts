// A fast reader for the YAML that TinyTrain configs are written in, with the yaml library as the
// fallback for everything else. The library is correct on all of YAML but costs about 2 ms on
// the 1.6 KB MCUNet example, a quarter of an analysis, on every keystroke. This reader takes
// the common form only: block maps and block sequences indented with spaces, single-line flow
// maps and sequences, single-line plain and quoted scalars, and comments (full-line ones at
// column 0 or trailing). It builds the library's own node classes, resolves plain scalars with
// the library's core-schema tags, and fills the LineCounter as the library does; on anything
// else (a tab, an anchor, a tag, a block scalar, a multi-line scalar or flow collection, an
// indented comment line, a syntax error, ...) it returns undefined and the library reads the
// text. test/unit/compiler/yaml-subset.test.ts holds it to the library's tree, values and
// ranges over every example and thousands of edits of them.

import { Document, isScalar, Pair, Scalar, YAMLMap, YAMLSeq, type LineCounter, type Node } from 'yaml';

type Range = [number, number, number];

/** The core schema's scalar tags that resolve plain scalars, in the library's order. */
const TAGS = new Document().schema.tags.filter((t) => t.default && t.test) as unknown as { test: RegExp; resolve: (s: string, onError: (m: string) => void, options: object) => unknown }[];

function resolvePlain(source: string): unknown {
  for (const tag of TAGS) {
    if (!tag.test.test(source)) continue;
    let failed = false;
    const value = tag.resolve(source, () => { failed = true; }, {});
    if (failed) throw DECLINE;
    return value;
  }
  return source;
}

/** Thrown inside the reader when the text leaves the subset; caught in readConfigYaml. */
const DECLINE = new Error('outside the config subset');

function scalar(value: unknown, range: Range, type: Scalar.Type, source?: string): Scalar {
  // a float's tag gives a Scalar (keeping its fraction digits), as in the library's composer
  const s = isScalar(value) ? value : new Scalar(value);
  s.range = range;
  s.type = type;
  s.source = String(source ?? value);
  return s;
}

interface Line { index: number; start: number; indent: number; end: number; next: number; comment: boolean; blank: boolean }

class Reader {
  private readonly lines: Line[] = [];
  private li = 0;

  constructor(private readonly text: string) {
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      const next = end < 0 ? text.length : end + 1;
      if (end < 0) end = text.length;
      let i = start;
      while (i < end && text.charCodeAt(i) === 32) i++;
      const blank = i === end;
      const comment = !blank && text.charCodeAt(i) === 35; // '#'
      this.lines.push({ index: this.lines.length, start, indent: i - start, end, next, comment, blank });
      if (next === text.length && end === text.length) break;
      start = next;
    }
  }

  read(): Node {
    this.skip();
    const line = this.lines[this.li];
    if (!line || line.indent !== 0) throw DECLINE;
    const root = this.map(line.start);
    this.skip();
    if (this.li < this.lines.length) throw DECLINE;
    return root;
  }

  /** Moves past blank lines and comment lines at column 0. An indented comment line belongs
   *  to a node's extent by rules this reader takes in one case only (valueAfter). */
  private skip(): void {
    for (; this.li < this.lines.length; this.li++) {
      const l = this.lines[this.li];
      if (l.comment && l.indent > 0) throw DECLINE;
      if (!l.blank && !l.comment) return;
    }
  }

  /** The next content line's indent, or -1 at the end. */
  private nextIndent(): number {
    this.skip();
    return this.li < this.lines.length ? this.lines[this.li].indent : -1;
  }

  /** A block map whose first key starts at `at` on the current line; its entries are the lines
   *  indented as far as that key. */
  private map(at: number): YAMLMap {
    const line = this.lines[this.li];
    const col = at - line.start;
    const map = new YAMLMap();
    let pos = at;
    let end = at;
    for (;;) {
      const l = this.lines[this.li];
      const colon = this.keyEnd(pos, l.end);
      const key = this.plainKey(pos, colon);
      const value = this.valueAfter(colon + 1, col);
      map.items.push(new Pair(key, value));
      end = value.range![2];
      const indent = this.nextIndent();
      if (indent < col) break;
      if (indent > col) throw DECLINE;
      pos = this.lines[this.li].start + col;
      if (this.text.charCodeAt(pos) === 45 /* '-' */ && this.isSeqItem(pos)) throw DECLINE;
    }
    map.range = [at, end, end];
    return map;
  }

  /** A block sequence whose first '-' is at `at` on the current line. */
  private seq(at: number): YAMLSeq {
    const col = at - this.lines[this.li].start;
    const seq = new YAMLSeq();
    let pos = at;
    let end = at;
    for (;;) {
      if (!this.isSeqItem(pos)) throw DECLINE;
      const item = this.valueAfter(pos + 1, col, true);
      seq.items.push(item);
      end = item.range![2];
      const indent = this.nextIndent();
      if (indent < col) break;
      if (indent > col) throw DECLINE;
      pos = this.lines[this.li].start + col;
    }
    seq.range = [at, end, end];
    return seq;
  }

  private isSeqItem(pos: number): boolean {
    if (this.text.charCodeAt(pos) !== 45) return false;
    const c = this.text.charCodeAt(pos + 1);
    return c === 32 || c === 10 || Number.isNaN(c);
  }

  /** The position of the ':' that ends a block map key starting at `pos`. */
  private keyEnd(pos: number, lineEnd: number): number {
    for (let i = pos; i < lineEnd; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 58 /* ':' */) {
        const n = this.text.charCodeAt(i + 1);
        if (i + 1 === lineEnd || n === 32) return i;
      } else if (c === 35 /* '#' */ && this.text.charCodeAt(i - 1) === 32) break;
    }
    throw DECLINE;
  }

  private plainKey(start: number, end: number): Scalar {
    if (end === start || this.text.charCodeAt(end - 1) === 32) throw DECLINE;
    const source = this.text.slice(start, end);
    if (!isPlainStart(source, false)) throw DECLINE;
    return scalar(resolvePlain(source), [start, end, end], 'PLAIN', source);
  }

  /** The value after a key's ':' (or a sequence's '-') at `pos` on the current line, in a
   *  collection at column `col`: on the same line, or a nested block on the lines below. In a
   *  sequence item, `key: value` on the same line starts a map. */
  private valueAfter(pos: number, col: number, inSeq = false): Node {
    const line = this.lines[this.li];
    let p = pos;
    while (p < line.end && this.text.charCodeAt(p) === 32) p++;
    if (p === line.end || this.text.charCodeAt(p) === 35) {
      // Nothing on this line: a nested block below, or null.
      const atComment = p < line.end;
      this.li++;
      const indent = this.nextIndent();
      if (indent > col) {
        const l = this.lines[this.li];
        const first = l.start + l.indent;
        return this.isSeqItem(first) ? this.seq(first) : this.map(first);
      }
      // null; after a comment on its line it reaches the next line's first character, as in
      // the library (which also stretches it over blank and comment lines: not taken here)
      const next = this.lines[this.li];
      if (next === undefined || next !== this.lines[line.index + 1]) throw DECLINE;
      return scalar(null, [p, p, atComment ? next.start + next.indent : p], 'PLAIN', '');
    }
    if (inSeq && this.hasKey(p, line.end)) return this.map(p);
    if (inSeq && this.isSeqItem(p)) throw DECLINE; // "- - x": a nested sequence on one line
    const node = this.inline(p, line.end);
    const after = node.range![1];
    let end = line.next;
    this.li++;
    // Comment lines right below, indented past the collection's column (a trailing comment
    // continued), extend the value as they do in the library.
    for (let l = this.lines[this.li]; l && l.comment && l.indent > col; l = this.lines[++this.li]) end = l.next;
    if (this.nextIndent() > col) throw DECLINE; // a multi-line scalar, or an error
    node.range = [node.range![0], after, end];
    return node;
  }

  /** Whether the text at `pos` on this line is a `key: ...` entry. */
  private hasKey(pos: number, lineEnd: number): boolean {
    const c = this.text.charCodeAt(pos);
    if (c === 91 || c === 123 || c === 34 || c === 39) return false; // flow or quoted: a value
    try { this.keyEnd(pos, lineEnd); return true; } catch { return false; }
  }

  /** A scalar or flow collection that must fill the rest of the line (then spaces, a comment). */
  private inline(p: number, lineEnd: number): Node {
    const c = this.text.charCodeAt(p);
    let node: Node;
    let end: number;
    if (c === 91 || c === 123) {
      [node, end] = this.flow(p, lineEnd);
    } else if (c === 34 || c === 39) {
      [node, end] = this.quoted(p, lineEnd);
    } else {
      // a plain scalar up to " #" or the end of the line, trailing spaces dropped
      end = p;
      let last = p;
      for (; end < lineEnd; end++) {
        const ch = this.text.charCodeAt(end);
        if (ch === 35 && this.text.charCodeAt(end - 1) === 32) break;
        if (ch === 58 && (end + 1 === lineEnd || this.text.charCodeAt(end + 1) === 32)) throw DECLINE; // a key: nested map
        if (ch !== 32) last = end + 1;
      }
      const source = this.text.slice(p, last);
      if (!isPlainStart(source, false)) throw DECLINE;
      return scalar(resolvePlain(source), [p, last, last], 'PLAIN', source);
    }
    let q = end;
    while (q < lineEnd && this.text.charCodeAt(q) === 32) q++;
    if (q < lineEnd && !(this.text.charCodeAt(q) === 35 && q > end)) throw DECLINE;
    node.range = [node.range![0], end, end];
    return node;
  }

  private quoted(p: number, lineEnd: number): [Scalar, number] {
    const q = this.text[p];
    const close = this.text.indexOf(q, p + 1);
    if (close < 0 || close >= lineEnd) throw DECLINE;
    const value = this.text.slice(p + 1, close);
    if (q === '"' ? value.includes('\\') : this.text[close + 1] === "'") throw DECLINE; // escapes
    return [scalar(value, [p, close + 1, close + 1], q === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE'), close + 1];
  }

  /** A flow map or sequence opening at `p`, closed on the same line; returns it and the
   *  position after its closer. Items end after the spaces that follow them. */
  private flow(p: number, lineEnd: number): [YAMLMap | YAMLSeq, number] {
    const isMap = this.text.charCodeAt(p) === 123;
    const closer = isMap ? 125 : 93;
    const node = isMap ? new YAMLMap() : new YAMLSeq();
    node.flow = true;
    let i = this.spaces(p + 1, lineEnd);
    if (this.text.charCodeAt(i) === closer) {
      node.range = [p, i + 1, i + 1];
      return [node, i + 1];
    }
    for (;;) {
      if (isMap) {
        const [key, keyEnd] = this.flowPlain(i, lineEnd, true);
        if (this.text.charCodeAt(keyEnd) !== 58 || this.text.charCodeAt(keyEnd + 1) !== 32) throw DECLINE;
        key.range = [key.range![0], keyEnd, keyEnd];
        const [value, next] = this.flowItem(this.spaces(keyEnd + 1, lineEnd), lineEnd);
        (node as YAMLMap).items.push(new Pair(key, value));
        i = next;
      } else {
        const [item, next] = this.flowItem(i, lineEnd);
        (node as YAMLSeq).items.push(item);
        i = next;
      }
      const c = this.text.charCodeAt(i);
      if (c === closer) break;
      if (c !== 44 /* ',' */) throw DECLINE;
      i = this.spaces(i + 1, lineEnd);
      if (this.text.charCodeAt(i) === closer || i >= lineEnd) throw DECLINE; // a trailing comma
    }
    node.range = [p, i + 1, i + 1];
    return [node, i + 1];
  }

  /** A flow item at `p`: its node (range end after the spaces that follow) and where it stops. */
  private flowItem(p: number, lineEnd: number): [Node, number] {
    const c = this.text.charCodeAt(p);
    let node: Node;
    let end: number;
    if (c === 91 || c === 123) [node, end] = this.flow(p, lineEnd);
    else if (c === 34 || c === 39) [node, end] = this.quoted(p, lineEnd);
    else [node, end] = this.flowPlain(p, lineEnd, false);
    const next = this.spaces(end, lineEnd);
    node.range = [node.range![0], end, next];
    return [node, next];
  }

  /** A plain scalar in a flow collection: up to ',', ']', '}', or a key's ':'. */
  private flowPlain(p: number, lineEnd: number, isKey: boolean): [Scalar, number] {
    let end = p, last = p;
    for (; end < lineEnd; end++) {
      const ch = this.text.charCodeAt(end);
      if (ch === 44 || ch === 93 || ch === 125) break;
      if (ch === 58) { if (isKey) break; throw DECLINE; }
      if (ch === 35 || ch === 91 || ch === 123) throw DECLINE;
      if (ch !== 32) last = end + 1;
    }
    if (end >= lineEnd || (isKey && last !== end)) throw DECLINE;
    const source = this.text.slice(p, last);
    if (!isPlainStart(source, true)) throw DECLINE;
    return [scalar(resolvePlain(source), [p, last, last], 'PLAIN', source), last];
  }

  private spaces(i: number, lineEnd: number): number {
    while (i < lineEnd && this.text.charCodeAt(i) === 32) i++;
    return i;
  }
}

/** A plain scalar this reader takes: not empty, and not starting with an indicator. */
function isPlainStart(source: string, inFlow: boolean): boolean {
  if (source.length === 0) return false;
  const c = source[0];
  if ('[]{},#&*!|>\'"%@`?:'.includes(c)) return false;
  if (c === '-' && (source.length === 1 || source[1] === ' ')) return false;
  if (source.startsWith('---') || source.startsWith('...')) return false;
  return !(inFlow && /[[\]{},]/.test(source));
}

/**
 * The config's YAML document contents, read by the subset reader, with `lines` filled as the
 * library fills it; undefined when the text is outside the subset (read it with the library).
 */
export function readConfigYaml(text: string, lines: LineCounter): Node | undefined {
  if (text.includes('\t') || text.includes('\r')) return undefined;
  let root: Node;
  try {
    root = new Reader(text).read();
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return root;
}
