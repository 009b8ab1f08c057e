// A model file's strings never become code. The MLPerf Tiny keyword-spotting model from
// ../shared/models is rewritten with hostile text in every string the format holds (each
// tensor's name, the model description, a custom op's code) and imported through a config as a
// user would. The generated program's code is identical to the one from plainly named tensors
// (the sources differ at most inside comments and string literals, and gcc -Werror gives the same
// .text), the hover on the `import:` line keeps the names as literal text in its table, and an
// unsupported custom op with a hostile code is a problem naming the op, on one short line.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProgram, type Program } from '../../../compiler/compile.js';
import { importedStartQuant } from '../../../compiler/import/resolve.js';
import { readTflite, type TfliteModel } from '../../../compiler/import/tflite.js';
import { writeTflite } from '../../../compiler/import/tflite-write.js';
import { runtimeDir } from '../../../compiler/toolchain/host-build.js';
import { importHover } from '../../../server/hover.js';
import { ConfigError, loadConfig } from '../../../training/prepare.js';
import { sharedModel } from '../../helpers/shared-models.js';

const dir = mkdtempSync(join(tmpdir(), 'tt-hostile-tflite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Each tries to end the place it lands in (a C comment or string, a Make or Markdown line). */
const HOSTILE: Record<string, string> = {
  'C lines': 'x\n#include <stdlib.h>\n__attribute__((constructor)) static void p(void) { system("touch /tmp/PWNED"); }\n/*',
  'end of comment and string': 'x */ " ; int tt_pwn = 1; /* ',
  'backslash and trigraph': 'x\\" ??/\n??= \\\\ \\',
  'make and shell': 'x\n\nall: pwn\npwn:\n\ttouch /tmp/PWNED\n $(touch /tmp/PWNED) `id` ${HOME} #',
  'markdown': '| a | b |\n[link](http://example.com) **bold** `code` <img src=x onerror=alert(1)>',
  'non-ASCII and 10,000 characters': `mödel 模型 \u2028\u0085 \u0000 ${'A'.repeat(9990)}*/`,
};

const original = (): TfliteModel => {
  const r = readTflite(new Uint8Array(readFileSync(sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path)));
  assert.ok(r.model, JSON.stringify(r.problems));
  return r.model;
};

/** The model with every tensor named `name(i)` and the description `description`. */
function renamed(name: (i: number) => string, description: string): TfliteModel {
  const m = original();
  m.tensors.forEach((t, i) => { t.name = name(i); });
  m.description = description;
  return m;
}

function configFor(stem: string, m: TfliteModel): string {
  writeFileSync(join(dir, `${stem}.tflite`), writeTflite(m));
  const config = join(dir, `${stem}.tinytrain.yaml`);
  writeFileSync(config, `model:\n  name: kws\n  import: ${stem}.tflite\n  classes: 3\ntarget:\n  board: stm32f746\ntrain:\n  update: { biases: 2, weights: { 8: 1/4 }, classifier: true }\n`);
  return config;
}

function programOf(config: string): { program: Program; hover: string } {
  const c = loadConfig(config);
  return { program: generateProgram(c.compilation, importedStartQuant(c.spec, c.compilation.net)), hover: importHover(c.analysis) };
}

/** The code of a C file: comments and string literals replaced by a placeholder. */
const codeOf = (c: string): string => c.replace(/\/\*[\s\S]*?\*\/|"(?:\\.|[^"\\\n])*"/g, (m) => (m.startsWith('"') ? '"…"' : '/**/'));

function textSection(stem: string, p: Program): Buffer {
  const d = join(dir, `c-${stem}`);
  spawnSync('mkdir', ['-p', d]);
  writeFileSync(join(d, 'tt_model.h'), p.header);
  writeFileSync(join(d, 'tt_model.c'), p.source);
  const obj = join(d, 'tt_model.o');
  const cc = spawnSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O2', '-g0', `-I${join(runtimeDir(), 'kernels')}`, '-c', join(d, 'tt_model.c'), '-o', obj], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const oc = spawnSync('objcopy', ['-O', 'binary', '--only-section=.text', obj, `${obj}.text`], { encoding: 'utf8' });
  assert.equal(oc.status, 0, oc.stderr);
  return readFileSync(`${obj}.text`);
}

test('hostile tensor names and description in a .tflite: the plain program, the same object code, a literal hover', { timeout: 120_000 }, () => {
  const plain = programOf(configFor('plain', renamed((i) => `t${i}`, '')));
  const plainText = textSection('plain', plain.program);
  const plainRows = plain.hover.split('\n').length;
  Object.entries(HOSTILE).forEach(([what, h], k) => {
    const { program, hover } = programOf(configFor(`hostile-${k}`, renamed((i) => `${h}${i}`, h)));
    assert.equal(codeOf(program.header), codeOf(plain.program.header), `${what}: header code`);
    assert.equal(codeOf(program.source), codeOf(plain.program.source), `${what}: source code`);
    assert.equal(program.source.split('\n').length, plain.program.source.split('\n').length, `${what}: no line added to the source`);
    assert.ok(textSection(`hostile-${k}`, program).equals(plainText), `${what}: the object code is the plain names'`);
    // The hover: one table row per imported layer, and nothing Markdown could act on unescaped.
    const rows = hover.split('\n');
    assert.equal(rows.length, plainRows, `${what}: the hover keeps one line per layer`);
    const unescaped = /(?<!\\)[<>[\]`*_#|]/;
    for (const row of rows.slice(4)) {
      const cells = row.split(/(?<!\\)\|/);
      assert.equal(cells.length, 8, `${what}: a table row keeps its 6 cells: ${row.slice(0, 120)}`);
      assert.doesNotMatch(cells[6], unescaped, `${what}: the tensor name is literal text`);
    }
    const description = rows[0].slice(rows[0].indexOf('(the file has 12) · ') + 20);
    assert.ok(description.length > 0 && !unescaped.test(description), `${what}: the description is literal text: ${description.slice(0, 120)}`);
  });
});

test('a custom op with a hostile code: a problem naming the op, on one short line', () => {
  Object.entries(HOSTILE).forEach(([what, h], k) => {
    const m = original();
    const op = m.ops.find((o) => o.name === 'AVERAGE_POOL_2D')!;
    op.code = 32; // CUSTOM
    op.name = 'CUSTOM';
    op.customCode = h;
    const config = configFor(`custom-${k}`, m);
    assert.throws(() => loadConfig(config), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      const problems = err.analysis!.problems.filter((p) => p.severity === 'error');
      assert.equal(problems.length, 1, `${what}: ${problems.map((p) => p.message).join(' / ')}`);
      assert.match(problems[0].message, new RegExp(`op ${op.index} \\(CUSTOM`), what);
      assert.ok(problems[0].message.length < 400, `${what}: ${problems[0].message.length} characters`);
      assert.doesNotMatch(problems[0].message, /[\n\r\u2028\u0085\u0000]/, `${what}: one line`);
      return true;
    });
  });
});
