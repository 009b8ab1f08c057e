// Where in the config's structure a position is, read from indentation alone so it works on the
// half-typed text completion sees (where a YAML parser gives up). Block maps, block sequences and
// one level of flow map on the line (`- conv: { out: 16, ker| }`) are understood; that is the
// whole shape of a TinyTrain config.

export type PathSegment = string | number;

export interface YamlContext {
  /** Key path of the map or list the position is in, e.g. ['model', 'layers', 3, 'mbconv']. */
  path: PathSegment[];
  /** The position is where a key goes (nothing but a partial word before it on its line or in
   * its flow map entry). */
  atKey: boolean;
  /** When not at a key: the key whose value is being written (`board` in `board: stm|`). */
  valueKey?: string;
  /** The partial word before the position. */
  prefix: string;
  /** Keys already present in the same map (to leave out of completions). */
  siblings: string[];
  /** Column where the key (or list item content) starts on this line. */
  column: number;
  /** The line begins a list item (`- `) and the position is right after the dash. */
  afterDash: boolean;
  /** Inside a `{ ... }` flow map on this line. */
  inFlow: boolean;
}

interface Line {
  indent: number;
  dash?: number;        // column of a leading `- `
  key?: string;
  keyCol?: number;
  /** Text after `key:` (comment removed), trimmed. */
  rest?: string;
  blank: boolean;
}

const KEY = /^([A-Za-z0-9_]+|"[^"]*"|'[^']*')\s*:(?:\s|$)/;

/** Hands each character of `s` outside quotes to `visit`, in order, until it returns true;
 * the index it stopped at, else -1. */
function scanUnquoted(s: string, visit: (c: string, i: number) => boolean | void): number {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (visit(c, i)) return i;
  }
  return -1;
}

export function stripComment(s: string): string {
  const at = scanUnquoted(s, (c, i) => c === '#' && (i === 0 || /\s/.test(s[i - 1])));
  return at < 0 ? s : s.slice(0, at);
}

export function readLine(raw: string): Line {
  const text = stripComment(raw).replace(/\s+$/, '');
  if (text.trim() === '') return { indent: 0, blank: true };
  let col = text.length - text.trimStart().length;
  const line: Line = { indent: col, blank: false };
  let body = text.slice(col);
  while (/^-(\s|$)/.test(body)) {
    line.dash = col;
    const skip = body.match(/^-\s*/)![0].length;
    col += skip;
    body = body.slice(skip);
  }
  const m = KEY.exec(body + ' ');
  if (m) {
    line.key = m[1].replace(/^["']|["']$/g, '');
    line.keyCol = col;
    line.rest = body.slice(m[0].length).trim();
  }
  return line;
}

/** The structural context at (line, character) of `lines`. */
export function contextAt(lines: string[], line: number, character: number): YamlContext {
  const raw = lines[line] ?? '';
  const before = stripComment(raw.slice(0, character));
  const ctx: YamlContext = { path: [], atKey: false, prefix: '', siblings: [], column: 0, afterDash: false, inFlow: false };
  ctx.prefix = /[A-Za-z0-9_/.]*$/.exec(before)![0];

  // Where the content of this line starts, and whether the position is in key position.
  const lead = /^(\s*)((?:-\s+)*)/.exec(before)!;
  const column = lead[0].length;
  ctx.column = column;
  ctx.afterDash = lead[2].length > 0;
  const content = before.slice(column);
  const flowOpen = openFlow(content);
  let blockKey: string | undefined;
  if (flowOpen !== undefined) {
    // `kind: { a: 1, b|` — in a flow map that belongs to the key before the `{`.
    const owner = /([A-Za-z0-9_]+)\s*:\s*$/.exec(content.slice(0, flowOpen));
    const inside = content.slice(flowOpen + 1);
    const entry = inside.split(',').pop()!;
    ctx.inFlow = true;
    ctx.atKey = /^\s*[A-Za-z0-9_]*$/.test(entry);
    if (!ctx.atKey) ctx.valueKey = /([A-Za-z0-9_]+)\s*:/.exec(entry)?.[1];
    ctx.siblings = inside.split(',').map((e) => /^\s*([A-Za-z0-9_]+)\s*:/.exec(e)?.[1]).filter((k): k is string => !!k);
    const after = raw.slice(character);
    const closeAt = after.indexOf('}');
    if (closeAt >= 0) {
      for (const e of after.slice(0, closeAt).split(',').slice(1)) {
        const k = /^\s*([A-Za-z0-9_]+)\s*:/.exec(e)?.[1];
        if (k) ctx.siblings.push(k);
      }
    }
    blockKey = owner?.[1];
  } else {
    ctx.atKey = /^[A-Za-z0-9_]*$/.test(content);
    if (!ctx.atKey) ctx.valueKey = /^([A-Za-z0-9_]+)\s*:/.exec(content)?.[1];
  }

  const path = parentPath(lines, line, column, ctx.afterDash ? lead[1].length : undefined);
  if (blockKey !== undefined) path.push(blockKey);
  ctx.path = path;
  if (!ctx.inFlow && ctx.atKey) ctx.siblings = siblingKeys(lines, line, column);
  return ctx;
}

/** Index of an unclosed `{` in `s` (outside quotes), if any. */
function openFlow(s: string): number | undefined {
  const stack: number[] = [];
  scanUnquoted(s, (c, i) => {
    if (c === '{') stack.push(i);
    else if (c === '}') stack.pop();
  });
  return stack.length ? stack[stack.length - 1] : undefined;
}

/**
 * The path of the block collection that content starting at `column` on `line` belongs to.
 * `dashCol`: the line itself starts a list item at that column (the item's index is counted).
 */
export function parentPath(lines: string[], line: number, column: number, dashCol?: number): PathSegment[] {
  const out: PathSegment[] = [];
  let limit = column;
  if (dashCol !== undefined) {
    out.unshift(countItems(lines, line, dashCol));
    limit = dashCol;
  }
  for (let i = line - 1; i >= 0 && limit > 0; i--) {
    const l = readLine(lines[i]);
    if (l.blank) continue;
    if (l.key !== undefined && l.keyCol! < limit && l.rest === '') {
      out.unshift(l.key);
      limit = l.keyCol!;
      if (l.dash !== undefined && l.dash < limit) {
        out.unshift(countItems(lines, i, l.dash));
        limit = l.dash;
      }
      continue;
    }
    if (l.dash !== undefined && l.dash < limit) {
      out.unshift(countItems(lines, i, l.dash));
      limit = l.dash;
      continue;
    }
    if (l.indent < limit) limit = l.indent; // a scalar line at lower indent: keep climbing
  }
  return out;
}

/** Index of the list item starting on `line` at `dashCol`, counting siblings above it. */
function countItems(lines: string[], line: number, dashCol: number): number {
  let n = 0;
  for (let i = line - 1; i >= 0; i--) {
    const l = readLine(lines[i]);
    if (l.blank) continue;
    if (l.dash === dashCol) n++;
    else if (l.indent < dashCol || (l.indent === dashCol && l.dash === undefined)) break;
  }
  return n;
}

/** Keys of the block map a key at `column` on `line` belongs to. */
function siblingKeys(lines: string[], line: number, column: number): string[] {
  const keys: string[] = [];
  const scan = (from: number, step: number): void => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const l = readLine(lines[i]);
      if (l.blank) continue;
      if (l.keyCol === column) {
        keys.push(l.key!);
        if (l.dash !== undefined && step < 0) break; // first key of this list item
        continue;
      }
      if (l.indent < column && !(l.dash !== undefined && l.keyCol! > column)) break;
      if (l.dash !== undefined && l.dash < column) break;
    }
  };
  scan(line - 1, -1);
  scan(line + 1, 1);
  return keys;
}

/** The key path of the key under the cursor (for hovers), or undefined when not on a key. */
export function keyPathAt(lines: string[], line: number, character: number): { path: PathSegment[]; start: number; end: number } | undefined {
  const raw = lines[line] ?? '';
  const re = /([A-Za-z0-9_]+)\s*:/g;
  const text = stripComment(raw);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index;
    const end = start + m[1].length;
    if (character < start || character > end) continue;
    const before = text.slice(0, start);
    // A key starts a line's content, or follows `{` / `,` in a flow map.
    if (!/^(\s*)((?:-\s+)*)$/.test(before) && !/[{,]\s*$/.test(before)) continue;
    const ctx = contextAt(lines, line, start);
    return { path: [...ctx.path, m[1]], start, end };
  }
  return undefined;
}
