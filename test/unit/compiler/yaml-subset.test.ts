// The config reader's fast YAML path against its oracle, the yaml library: wherever the subset
// reader takes a text, it must give the library's tree (node kinds, values, scalar types,
// ranges) and line starts; wherever the library reports an error, the subset reader must have
// declined. The texts: every example config and config in docs/, and seeded edits of them (a
// character deleted, or one of the characters that change YAML's structure typed in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { readConfigYaml } from '../../../compiler/config/yaml-subset.js';

/** A node as a comparable value: kind, flow, range, scalar value and type, children. */
function shape(n: unknown): unknown {
  if (n === null || n === undefined) return null;
  if (isScalar(n)) return { s: n.value, type: n.type, source: n.source, format: n.format, minFractionDigits: n.minFractionDigits, range: n.range };
  if (isMap(n)) return { map: n.items.map((p) => [shape(p.key), shape(p.value)]), flow: !!n.flow, range: n.range };
  if (isSeq(n)) return { seq: n.items.map(shape), flow: !!n.flow, range: n.range };
  if (isPair(n)) return { pair: [shape(n.key), shape(n.value)] };
  return { other: String(n) };
}

function exampleConfigs(): string[] {
  return readdirSync('examples', { recursive: true }).map(String)
    .filter((f) => f.endsWith('.tinytrain.yaml') && !f.includes('.tinytrain/'))
    .map((f) => readFileSync(`examples/${f}`, 'utf8'));
}

function docsConfigs(): string[] {
  return readdirSync('docs').filter((d) => d.endsWith('.md'))
    .flatMap((f) => [...readFileSync(`docs/${f}`, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]));
}

const configs = (): string[] => [...exampleConfigs(), ...docsConfigs()];

/** Compares the two readers on one text; returns whether the subset reader took it. */
function check(text: string): boolean {
  const oracleLines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: oracleLines, uniqueKeys: false, prettyErrors: false });
  const lines = new LineCounter();
  const fast = readConfigYaml(text, lines);
  if (fast === undefined) return false;
  assert.equal(doc.errors.length, 0, `the subset reader took a text the library rejects: ${doc.errors[0]?.message}\n${text}`);
  const a = JSON.stringify(shape(fast)), b = JSON.stringify(shape(doc.contents as Node));
  if (a !== b) {
    let i = 0;
    while (a[i] === b[i]) i++;
    assert.fail(`trees differ at ${JSON.stringify(a.slice(Math.max(0, i - 150), i + 60))}\n   the library: ${JSON.stringify(b.slice(Math.max(0, i - 150), i + 60))}\non:\n${text}`);
  }
  assert.deepEqual(lines.lineStarts, oracleLines.lineStarts, 'line starts differ');
  return true;
}

test('the subset reader takes every example config and gives the library\'s tree; docs configs agree where taken', () => {
  const texts = exampleConfigs();
  assert.ok(texts.length >= 10, `found ${texts.length} example configs`);
  for (const t of texts) assert.ok(check(t), `declined:\n${t.slice(0, 300)}`);
  const docs = docsConfigs().filter(check).length;
  assert.ok(docs >= 3, `took ${docs} of the docs' configs`);
});

test('seeded edits of the configs (one or two each): the subset reader declines or agrees with the library', () => {
  let seed = 12345;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  const typed = [' ', '\n', ':', '-', '#', '{', '}', '[', ']', ',', '"', "'", '0', 'a', '  ', '- ', ': ', '&a ', '*a', '!t ', '|', '?'];
  let taken = 0, total = 0;
  for (const text of configs()) {
    for (let k = 0; k < 400; k++) {
      const at = rand(text.length + 1);
      let edited = k % 3 === 0
        ? text.slice(0, at) + text.slice(at + 1)
        : text.slice(0, at) + typed[rand(typed.length)] + text.slice(at);
      if (k % 2) { const at2 = rand(edited.length + 1); edited = edited.slice(0, at2) + typed[rand(typed.length)] + edited.slice(at2); } // and a second edit
      total++;
      if (check(edited)) taken++;
    }
  }
  // most edits keep the text in the subset, so the comparison is not vacuous
  assert.ok(taken > total / 3, `subset reader took ${taken} of ${total} edits`);
});

test('outside the subset it declines: anchors, tags, block scalars, tabs, indented comments, multi-line flow', () => {
  for (const t of ['a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: |\n  text\n', 'a:\n\tb: 1\n', 'a:\n  # note\n  b: 2\n', 'a: [1,\n  2]\n', 'a: x\n  y\n', '- 1\n', '---\na: 1\n']) {
    assert.equal(readConfigYaml(t, new LineCounter()), undefined, t);
  }
});
