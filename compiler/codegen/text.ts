// The one rule for text that leaves the compiler. Strings from a config or a model file (names
// of models, tensors, ops, metadata) never become code: every generated file (C, Makefile,
// CMake, README, linker script) and every file or folder name derived from such a string goes
// through one of these functions. Pick by where the text lands:
//
//   cString(s)        a C string literal, quotes included: "..."       (#define X "…", call args)
//   cComment(s)       text inside /* ... */ on one line                  (C comments)
//   cIdentifier(s)    a C identifier made from a name                     (symbols from tensor/op names)
//   oneLine(s)        printable ASCII on one line, for `#` comments and prose
//                     (Makefile, CMakeLists.txt, README, linker-script comments)
//   pathSegment(s)    one file or folder name, never `.`/`..`, no separator (cache and output folders)
//   markdownText(s)   literal text inside Markdown (hovers showing a model file's tensor names)
//
// Each is total (never throws) and maps hostile input (newlines, quotes, backslashes, `*/`, `#`,
// `$(...)`, non-ASCII, very long text) to inert text. For a name in the config language's
// `model.name` pattern (letters, digits, `_ - .`, at most 64) all of them are the identity
// (cString adds its quotes), so most generated files never show an escape.

/** How much of a string a comment keeps (generated files stay readable whatever the input). */
const COMMENT_MAX = 120;

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** Printable ASCII on one line: every other character (newlines, tabs, control characters,
 * Unicode line separators, any non-ASCII) becomes `?`, and the text is clipped to `max`
 * characters. A trailing backslash (a Make line continuation) is dropped. */
export function oneLine(s: string, max = COMMENT_MAX): string {
  const flat = String(s).replace(/[^\x20-\x7e]/gu, '?');
  return clip(flat, max).replace(/\\+$/, '');
}

/** Text that can stand inside a C block comment: one line, no `*` `/` pair that would end or
 * open a comment, no trigraph or line splice. */
export function cComment(s: string, max = COMMENT_MAX): string {
  return oneLine(s, max).replace(/\\/g, '/').replace(/\*\//g, '*_/').replace(/\/\*/g, '/_*').replace(/\?(?=\?)/g, '?_');
}

/** A C99 string literal (with its quotes) whose value is the UTF-8 bytes of `s`: printable ASCII
 * as is, except `"`, `\` and `?` (trigraphs) escaped; every other byte as a 3-digit octal escape
 * (never a hex escape: a following hex digit would join it). */
export function cString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(String(s), 'utf8')) {
    if (b === 0x22 || b === 0x5c || b === 0x3f) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

const C_KEYWORDS = new Set(('auto break case char const continue default do double else enum extern float for goto if inline int long register '
  + 'restrict return short signed sizeof static struct switch typedef union unsigned void volatile while _Bool _Complex _Imaginary').split(' '));

/** A C identifier from a name: characters other than letters, digits and `_` become `_`, a
 * leading digit or a keyword gets `prefix`; never empty. Distinct names may map to one
 * identifier: callers that need uniqueness add an index. Identifiers starting with `_` and an
 * upper-case letter or two `_` are reserved, so those get the prefix too. */
export function cIdentifier(s: string, prefix = 'tt_'): string {
  let id = String(s).replace(/[^A-Za-z0-9_]/g, '_').slice(0, 63);
  if (!id || /^[0-9]/.test(id) || /^_[A-Z_]/.test(id) || C_KEYWORDS.has(id)) id = `${prefix}${id}`;
  return id;
}

/** One file or folder name from a config or model string: letters, digits, `_`, `-` and `.`
 * (others become `_`), no leading `.` (so never `.`, `..` or hidden), at most 64 characters;
 * `fallback` when nothing is left. Safe to `join()` under a folder: the result stays inside it. */
export function pathSegment(s: string, fallback = 'model'): string {
  const seg = String(s).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '').slice(0, 64);
  return seg || fallback;
}

/** Literal text inside Markdown (a hover): every character Markdown could act on is escaped,
 * control characters become spaces, so a model file's names can neither format nor link. */
export function markdownText(s: string): string {
  return String(s).replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, ' ');
}
