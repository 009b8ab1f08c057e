// 2,000 random mutations of the example configs (deleted lines, swapped lines, huge and odd
// numbers, random bytes, deep nesting, cut spans, broken keys) sent to the built server as live
// incremental didChange edits, in bursts as a fast typist would: the server never crashes, never
// logs an uncaught exception or unhandled rejection, answers every burst with diagnostics for the
// newest version, and every published diagnostic range lies inside the document it was computed for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allExamples, rng } from '../../helpers/examples.js';
import { diffEdit, inside, LspClient, lspLines } from './lsp-client.js';

const N = Number(process.env.TINYTRAIN_LSP_FUZZ_CASES ?? 2000);

/** The foundation issue's mutation kinds (test/unit/compiler/fuzz.test.ts), plus a few more. */
function mutate(text: string, rand: () => number): string {
  const lines = text.split('\n');
  const pick = (n: number): number => Math.floor(rand() * n);
  const i = pick(lines.length);
  switch (pick(12)) {
    case 0: lines.splice(i, 1 + pick(3)); break;                                                   // delete lines
    case 1: { const j = pick(lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; break; }  // swap lines
    case 2: lines[i] = lines[i].replace(/\d+/, () => String(10 ** pick(25))); break;                // huge numbers
    case 3: lines[i] = lines[i].replace(/\d+/, () => ['-1', '0', '1.5', '1/0', '3/2', 'NaN', '.inf', 'null', '"7"', '4096', '1e308'][pick(11)]); break;
    case 4: { const at = pick(text.length); return text.slice(0, at) + String.fromCharCode(...Array.from({ length: 1 + pick(8) }, () => pick(256))) + text.slice(at); } // random bytes
    case 5: lines.splice(i, 0, ' '.repeat(pick(8)) + '['.repeat(pick(200)) + '{a: '.repeat(pick(100))); break; // deep nesting
    case 6: lines[i] = lines[i].replace(/:/, pick(2) ? '' : '::'); break;
    case 7: { const at = pick(text.length); return text.slice(0, at) + text.slice(at + pick(40)); } // cut a span
    case 8: lines[i] = lines[i].replace(/(conv|mbconv|biases|weights|board|input)/, ['&a', '*a', '<<: *a', 'stride', 'kernel', 'all', 'x'][pick(7)]); break;
    case 9: lines.splice(i, 0, lines[pick(lines.length)]); break;                                  // duplicate a line
    case 10: lines[i] = ' '.repeat(pick(12)) + lines[i].trimStart(); break;                        // re-indent
    default: lines[i] = lines[i] + ['\r', '\t', '\u00e9\u{1F600}', '\u0000', ' #', ' }', '{'][pick(7)]; break; // odd characters
  }
  return lines.join('\n');
}

test(`${N} mutations as live edits: no crash, no unhandled rejection, diagnostics inside the document`, { timeout: 600_000 }, async () => {
  const seeds = allExamples().map((e) => e.text);
  assert.ok(seeds.length >= 5);
  const rand = rng(3);
  const c = await LspClient.start();
  const texts = new Map<string, Map<number, string>>();
  let checked = 0;
  let badRange = '';
  c.onDiagnostics = (p) => {
    const t = texts.get(p.uri)?.get(p.version!);
    if (t === undefined) {
      if (p.diagnostics.length) badRange ||= `diagnostics for unknown version ${p.version}`;
      return;
    }
    const lines = lspLines(t);
    for (const d of p.diagnostics) {
      checked++;
      if (!inside(d.range, lines)) badRange ||= `v${p.version}: ${JSON.stringify(d.range)} outside ${lines.length} lines (${d.message})`;
      for (const r of d.relatedInformation ?? []) if (!inside(r.location.range, lines)) badRange ||= `related ${JSON.stringify(r.location.range)}`;
    }
  };
  try {
    const uris = seeds.map((_, k) => `file:///fuzz/${k}.tinytrain.yaml`);
    for (let k = 0; k < uris.length; k++) {
      texts.set(uris[k], new Map([[1, seeds[k]]]));
      await c.open(uris[k], seeds[k]);
    }
    let n = 0;
    while (n < N) {
      const k = Math.floor(rand() * uris.length);
      const uri = uris[k];
      const burst = 1 + Math.floor(rand() * 5);
      let v = c.version(uri);
      for (let b = 0; b < burst && n < N; b++, n++) {
        const before = c.text(uri);
        // Now and then start again from the example, so mutations do not drift into noise.
        const after = rand() < 0.1 ? seeds[k] : mutate(before.length > 20_000 ? seeds[k] : before, rand);
        const edit = diffEdit(before, after);
        v = c.version(uri) + 1;
        texts.get(uri)!.set(v, after);
        c.changeNoWait(uri, [edit]);
        assert.equal(c.text(uri), after, 'the test client applied its own edit wrongly');
      }
      const published = await c.nextDiagnostics(uri, v, 60_000);
      assert.equal(published.version, v, 'the newest version is the one answered');
      assert.equal(badRange, '', badRange);
      assert.equal(c.exited, undefined, `server exited: ${c.stderr.slice(-1000)}`);
      // Keep only recent versions' texts.
      const m = texts.get(uri)!;
      for (const old of [...m.keys()]) if (old < v - 10) m.delete(old);
      // The server keeps answering requests on whatever is there.
      if (n % 50 < burst) {
        const lines = lspLines(c.text(uri));
        const line = Math.floor(rand() * lines.length);
        const pos = { line, character: Math.floor(rand() * (lines[line].length + 1)) };
        await c.hover(uri, pos);
        await c.completion(uri, pos);
        await c.inlayHints(uri);
        await c.codeLens(uri);
      }
    }
    assert.ok(checked > N / 4, `diagnostics checked: ${checked}`);
    // The server still works on a clean config afterwards.
    assert.deepEqual(await c.setText(uris[0], seeds[0]), []);
  } finally {
    await c.stop();
  }
  assert.deepEqual(c.logs.filter((l) => /uncaught|unhandled|failed/i.test(l.message)).map((l) => l.message), []);
  assert.equal(c.stderr, '');
});
