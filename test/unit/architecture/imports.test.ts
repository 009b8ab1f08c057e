// The directions imports may point (docs: README "The folders", compiler/README.md):
// compiler/ imports nothing above it and its stages never import the pipeline built on them;
// client/ takes only types from compiler/ (the extension host asks the server; the few pure
// notation helpers and lists it needs come through protocol/notation.ts and protocol/catalog.ts,
// from compiler modules that import nothing); no import cycles in client/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

interface Edge { from: string; to: string; typeOnly: boolean }

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, e);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.ts$/.test(e) && !/\.d\.ts$/.test(e)) out.push(rel);
  }
  return out;
}

/** Relative imports and re-exports of a file, resolved to repository paths (.js -> .ts). */
function edges(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: Edge[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'(\.{1,2}\/[^']+)'/gm)) {
    const to = normalize(join(dirname(file), m[4])).replace(/\.js$/, '.ts');
    // `import { type A, type B }` is type-only too.
    const names = m[3].replace(/^\{|\}$/g, '').split(',').map((x) => x.trim()).filter(Boolean);
    const typeOnly = !!m[2] || (names.length > 0 && names.every((n) => n.startsWith('type ')));
    out.push({ from: file, to, typeOnly });
  }
  return out;
}

const top = (p: string): string => p.split('/')[0];

test('compiler/ imports nothing above it (data: the schema JSON only)', () => {
  const bad = sources('compiler').flatMap(edges).filter((e) => top(e.to) !== 'compiler' && !/^schema\/.*\.json$/.test(e.to));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
});

test("compiler/'s stages (its subfolders) never import the pipeline above them (compile, analyze, search)", () => {
  const leaves = new Set(['compiler/random.ts', 'compiler/hash.ts']);
  const bad = sources('compiler').filter((f) => f.split('/').length > 2).flatMap(edges)
    .filter((e) => top(e.to) === 'compiler' && e.to.split('/').length === 2 && !leaves.has(e.to));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
});

test('client/ imports only types from compiler/ and training/, and nothing of device/', () => {
  const bad = sources('client').flatMap(edges).filter((e) => ['compiler', 'training', 'devicerun', 'cli', 'server'].includes(top(e.to)) ? !e.typeOnly : top(e.to) === 'device');
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
});

test('protocol/ takes values from the compiler only through the notation and catalog modules (no imports of their own)', () => {
  const allowed = new Set(['compiler/config/units.ts', 'compiler/config/update-notation.ts', 'compiler/codegen/text.ts', 'compiler/config/boards.ts', 'compiler/config/starters.ts']);
  const bad = sources('protocol').flatMap(edges).filter((e) => !e.typeOnly && top(e.to) !== 'protocol' && !allowed.has(e.to));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
  for (const f of allowed) assert.deepEqual(edges(f), [], `${f} imports nothing`);
});

test('no import cycles in client/ (type imports count)', () => {
  const files = sources('client');
  const graph = new Map(files.map((f) => [f, edges(f).map((e) => e.to).filter((t) => top(t) === 'client')]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].map((x) => relative('client', x)).join(' -> '));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});
