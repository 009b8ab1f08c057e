// Property test: 10,000 mutated configs (deleted lines, swapped values, random bytes, huge
// numbers, deep nesting) never make the analyzer throw, and every problem lies in the document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../compiler/analyze.js';
import { allExamples, rng } from '../../helpers/examples.js';

const N = Number(process.env.TINYTRAIN_FUZZ_CASES ?? 10000);

export function mutate(text: string, rand: () => number): string {
  const lines = text.split('\n');
  const pick = (n: number): number => Math.floor(rand() * n);
  const kind = pick(9);
  const i = pick(lines.length);
  switch (kind) {
    case 0: lines.splice(i, 1 + pick(3)); break;                                          // delete lines
    case 1: { const j = pick(lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; break; } // swap lines
    case 2: lines[i] = lines[i].replace(/\d+/, () => String(10 ** pick(20))); break;       // huge numbers
    case 3: lines[i] = lines[i].replace(/\d+/, () => ['-1', '0', '1.5', '1/0', '3/2', 'NaN', '.inf', 'null', '"7"'][pick(9)]); break;
    case 4: { const at = pick(text.length); return text.slice(0, at) + String.fromCharCode(...Array.from({ length: 1 + pick(8) }, () => pick(256))) + text.slice(at); }
    case 5: lines.splice(i, 0, ' '.repeat(pick(8)) + '['.repeat(pick(200)) + '{a: '.repeat(pick(100))); break; // deep nesting
    case 6: lines[i] = lines[i].replace(/:/, pick(2) ? '' : '::'); break;
    case 7: { const at = pick(text.length); return text.slice(0, at) + text.slice(at + pick(40)); }  // cut a span
    default: lines[i] = lines[i].replace(/(conv|mbconv|biases|weights|board|input)/, ['&a', '*a', '<<: *a', 'stride', 'kernel', 'all', 'x'][pick(7)]);
  }
  return lines.join('\n');
}

test(`${N} mutated configs: no exception, every problem range inside the document`, () => {
  const seeds = allExamples().map((e) => e.text);
  const rand = rng(2026);
  let withProblems = 0;
  for (let n = 0; n < N; n++) {
    let text = seeds[n % seeds.length];
    const rounds = 1 + Math.floor(rand() * 3);
    for (let r = 0; r < rounds; r++) text = mutate(text, rand);
    let a;
    try {
      a = analyze(text);
    } catch (err) {
      assert.fail(`analyze threw on case ${n}: ${(err as Error).stack}\n---\n${text.slice(0, 400)}`);
    }
    const lines = text.split(/\r?\n|\r/);
    if (a.problems.length) withProblems++;
    for (const p of a.problems) {
      assert.ok(p.offsets[0] >= 0 && p.offsets[0] <= p.offsets[1] && p.offsets[1] <= text.length, `case ${n}: offsets ${p.offsets} outside 0..${text.length}`);
      for (const pos of [p.range.start, p.range.end]) {
        assert.ok(pos.line >= 0 && pos.line < Math.max(1, lines.length + 1) && pos.character >= 0, `case ${n}: ${JSON.stringify(pos)}`);
      }
      assert.ok(p.message.length > 0);
      assert.notEqual(p.code, 'internal', `case ${n}: internal error ${p.message}`);
    }
  }
  assert.ok(withProblems > N / 3, `mutations should mostly produce problems (${withProblems})`);
});
