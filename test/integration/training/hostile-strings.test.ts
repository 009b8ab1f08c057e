// Config text never becomes code. Every string field of a config carries hostile text (newlines,
// quotes, backslashes, `*/`, `#`, `$(...)`, trigraphs, non-ASCII, 10,000 characters): each is
// either rejected with a problem located on that field, or yields a generated program identical
// to the plain config's. Past the config (as names from an imported model would arrive), hostile
// model, op and tensor names go straight into codegen: the sources differ only inside comments
// and string literals, real gcc builds them with -Werror into the same .text, the name round-trips
// byte for byte through the C string literal, and `make` of the generated project runs nothing
// the name says (a marker file a payload would create never appears).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type Compilation } from '../../../compiler/compile.js';
import { generateModelC, type GeneratedModel } from '../../../compiler/codegen/emit-c.js';
import { parseConfig } from '../../../compiler/config/parse.js';
import { kernelSources, runtimeDir } from '../../../compiler/toolchain/host-build.js';
import { writeCProject } from '../../../training/compile-project.js';
import type { Prepared } from '../../../training/prepare.js';
import { prepareSynthetic } from '../../../training/synthetic.js';

const scratch = mkdtempSync(join(tmpdir(), 'tinytrain-hostile-'));
const MARKER = join(scratch, 'PWNED');

/** Each one tries to end the place it lands in and run `touch MARKER`. */
const HOSTILE: Record<string, string> = {
  'C lines': `x\n#include <stdlib.h>\n__attribute__((constructor)) static void p(void) { system("touch ${MARKER}"); }\n/*`,
  'end of comment': `x */ __attribute__((constructor)) static void p(void) { system("touch ${MARKER}"); } /* `,
  'end of string': `x" ; int tt_pwn = system("touch ${MARKER}"); const char *q = "`,
  'backslash and trigraph': 'x\\" ??/\n??= \\\\ \\n ??\' \\',
  'make recipe': `x\n\nall: pwn\npwn:\n\ttouch ${MARKER}\n`,
  'make line continuation': `x \\\n\ttouch ${MARKER} \\`,
  'shell expansion': `$(touch ${MARKER}) \`touch ${MARKER}\` \${HOME} # ; rm`,
  'non-ASCII': 'mödel 模型 \u2028\u2029\u0085 \u0000 \u200b \ud83d\ude00',
  '10,000 characters': `${'A'.repeat(4999)}*/\n${'B'.repeat(5000)}`,
};

const BASE = `model:
  name: plain
  input: [12, 12, 1]
  classes: 3
  layers:
    - conv: { out: 8, kernel: 3, stride: 2 }
    - mbconv: { out: 8, kernel: 3, expand: 1 }
    - mbconv: { out: 12, kernel: 3, expand: 2, stride: 2 }
target:
  board: stm32f405
  sram: 192KB
  flash: 1MB
train:
  optimizer: sgd
  lr: 0.05
  update:
    biases: 4
    weights:
      5: 1/2
data:
  source: mnist
  classes: [1, 2, 3]
pretrain:
  source: mnist
  classes: [4, 5, 6]
`;

/** Every string a config holds, as the YAML text it replaces in BASE. */
const STRING_FIELDS: { field: string; plain: string; inYaml: (h: string) => string }[] = [
  { field: 'model.name', plain: 'name: plain', inYaml: (h) => `name: ${JSON.stringify(h)}` },
  { field: 'target.board', plain: 'board: stm32f405', inYaml: (h) => `board: ${JSON.stringify(h)}` },
  { field: 'target.sram', plain: 'sram: 192KB', inYaml: (h) => `sram: ${JSON.stringify(h)}` },
  { field: 'target.flash', plain: 'flash: 1MB', inYaml: (h) => `flash: ${JSON.stringify(h)}` },
  { field: 'train.optimizer', plain: 'optimizer: sgd', inYaml: (h) => `optimizer: ${JSON.stringify(h)}` },
  { field: 'train.update.biases', plain: 'biases: 4', inYaml: (h) => `biases: ${JSON.stringify(h)}` },
  { field: 'train.update.weights.5', plain: '5: 1/2', inYaml: (h) => `5: ${JSON.stringify(h)}` },
  { field: 'data.source', plain: '  source: mnist\n  classes: [1, 2, 3]', inYaml: (h) => `  source: ${JSON.stringify(h)}\n  classes: [1, 2, 3]` },
  { field: 'data.classes[0]', plain: 'classes: [1, 2, 3]', inYaml: (h) => `classes: [${JSON.stringify(h)}, 2, 3]` },
  { field: 'pretrain.source', plain: '  source: mnist\n  classes: [4, 5, 6]', inYaml: (h) => `  source: ${JSON.stringify(h)}\n  classes: [4, 5, 6]` },
  { field: 'pretrain.classes[0]', plain: 'classes: [4, 5, 6]', inYaml: (h) => `classes: [${JSON.stringify(h)}, 5, 6]` },
];

/** The code of a C file: comments and string literals replaced by a placeholder. */
function codeOf(c: string): string {
  return c.replace(/\/\*[\s\S]*?\*\/|"(?:\\.|[^"\\\n])*"/g, (m) => (m.startsWith('"') ? '"…"' : '/**/'));
}

function sh(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

let plain: Prepared;
let plainModel: GeneratedModel;
let kernelsLib: string;
const OPTS = { lr: 0.05, qas: true, seed: 1, modelHash: 0x1234 };
// Prints TT_MODEL_NAME's bytes in hex, so the test sees exactly what the C compiler made of it.
const MAIN = `#include <stdio.h>
#include <string.h>
#include "tt_model.h"
int main(void) {
    static const char name[] = TT_MODEL_NAME;
    size_t i;
    tt_init();
    for (i = 0; i < sizeof name - 1; i++) printf("%02x", (unsigned char)name[i]);
    printf("\\n");
    return 0;
}
`;

/** tt_model.c compiled as gcc builds the device code (-Werror), with the extra defines. */
function objectOf(dir: string, m: GeneratedModel, defines: string[] = []): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tt_model.h'), m.header);
  writeFileSync(join(dir, 'tt_model.c'), m.source);
  const obj = join(dir, `tt_model${defines.length ? '-defs' : ''}.o`);
  sh('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O2', '-g0', ...defines.map((d) => `-D${d}`), `-I${join(runtimeDir(), 'kernels')}`, '-c', join(dir, 'tt_model.c'), '-o', obj]);
  return obj;
}

function textSection(obj: string): Buffer {
  const out = `${obj}.text`;
  sh('objcopy', ['-O', 'binary', '--only-section=.text', obj, out]);
  return readFileSync(out);
}

/** The plain compilation with hostile names where a model file's names would go. */
function withNames(c: Compilation, name: string): Compilation {
  const h = structuredClone(c);
  h.net.name = name;
  h.net.convs.forEach((cv, i) => { cv.name = `${name}.${i}`; });
  for (const op of new Set([...h.graph.ops, ...h.memory.schedule.ops])) op.name = `${name}/${op.name}`;
  for (const t of h.graph.tensors) t.name = `${name}:${t.name}`;
  return h;
}

describe('hostile strings', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    mkdirSync(join(scratch, 'plain'));
    plain = await prepareSynthetic(BASE, { train: 8, test: 4, dir: join(scratch, 'plain') });
    plainModel = generateModelC(plain.compilation, plain.quant, OPTS);
    const kdir = join(scratch, 'kernels');
    mkdirSync(kdir, { recursive: true });
    const objs = kernelSources().map((src, i) => {
      const o = join(kdir, `k${i}.o`);
      sh('gcc', ['-std=c99', '-O2', '-g0', `-I${join(runtimeDir(), 'kernels')}`, '-c', src, '-o', o]);
      return o;
    });
    kernelsLib = join(kdir, 'libk.a');
    sh('ar', ['rcs', kernelsLib, ...objs]);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('every string field of a config: a problem located on the field, or the plain program', () => {
    const plainCode = [codeOf(plainModel.header), codeOf(plainModel.source)];
    const outcomes: string[] = [];
    for (const f of STRING_FIELDS) {
      assert.ok(BASE.includes(f.plain), f.field);
      for (const [what, h] of Object.entries(HOSTILE)) {
        const replaced = f.inYaml(h);
        const text = BASE.replace(f.plain, replaced);
        const at = BASE.indexOf(f.plain);
        const span: [number, number] = [at, at + replaced.length];
        const r = parseConfig(text);
        const errors = r.problems.filter((p) => p.severity === 'error');
        if (errors.length) {
          // Located on the field (a knock-on problem elsewhere, such as weights outside a bad
          // biases value, may come with it); every message stays short whatever the value.
          assert.ok(errors.some((e) => e.offsets[0] < span[1] && e.offsets[1] > span[0]), `${f.field} / ${what}: no problem on the field (${span}): ${errors.map((e) => `${e.offsets} ${e.message.slice(0, 80)}`).join('; ')}`);
          for (const e of errors) assert.ok(e.message.length < 600, `${f.field} / ${what}: the message stays short (${e.message.length} characters)`);
          outcomes.push(`${f.field}: rejected`);
          continue;
        }
        // Accepted: the string does not reach the program (data and pretrain sources and class
        // names choose samples, nothing else), which is the plain one.
        assert.ok(r.spec, `${f.field} / ${what}`);
        const m = generateModelC(compile(r.spec), plain.quant, OPTS);
        assert.deepEqual([codeOf(m.header), codeOf(m.source)], plainCode, `${f.field} / ${what}: the code is the plain config's`);
        assert.equal(m.source, plainModel.source, `${f.field} / ${what}: not even a comment differs`);
        outcomes.push(`${f.field}: accepted, same program`);
      }
    }
    // The fields that name things in generated text are the ones rejected, with every payload.
    for (const f of ['model.name', 'target.board', 'target.sram', 'target.flash', 'train.optimizer', 'train.update.biases', 'train.update.weights.5']) {
      assert.equal(outcomes.filter((o) => o === `${f}: rejected`).length, Object.keys(HOSTILE).length, f);
    }
  });

  test('model.name outside its pattern: located on the value, with a did-you-mean', () => {
    const r = parseConfig(BASE.replace('name: plain', 'name: "my model (v2)"'));
    const p = r.problems.find((x) => x.code === 'bad-format');
    assert.ok(p, JSON.stringify(r.problems));
    assert.deepEqual([p.range.start.line, p.range.start.character], [1, 8]);
    assert.match(p.message, /letters, digits, _ - and \./);
    assert.match(p.message, /Did you mean 'my-model-v2'\?/);
  });

  test('hostile model, op and tensor names past the config: same code, same .text, the name intact, nothing runs', () => {
    const plainObj = objectOf(join(scratch, 'c-plain'), plainModel);
    const plainText = textSection(plainObj);
    for (const [what, h] of Object.entries(HOSTILE)) {
      const dir = join(scratch, `c-${Object.keys(HOSTILE).indexOf(what)}`);
      const m = generateModelC(withNames(plain.compilation, h), plain.quant, OPTS);
      assert.equal(codeOf(m.header), codeOf(plainModel.header), `${what}: header code`);
      assert.equal(codeOf(m.source), codeOf(plainModel.source), `${what}: source code`);
      assert.equal(m.header.split('\n').length, plainModel.header.split('\n').length, `${what}: no line added to the header`);
      assert.equal(m.source.split('\n').length, plainModel.source.split('\n').length, `${what}: no line added to the source`);
      const obj = objectOf(dir, m);
      assert.ok(textSection(obj).equals(plainText), `${what}: the object code is the plain name's`);
      // The builds that use the op and tensor name strings compile too (-Werror).
      objectOf(dir, m, ['TT_DEBUG_BOUNDS', 'TT_EXPORT_GRADIENTS']);
      // Linked and run: the name arrives byte for byte, and the payload did not run.
      const exe = join(dir, 'name');
      writeFileSync(join(dir, 'main.c'), MAIN);
      sh('gcc', ['-std=c99', '-Wall', '-Werror', `-I${dir}`, join(dir, 'main.c'), obj, kernelsLib, '-lm', '-o', exe]);
      assert.equal(sh(exe, []).trim(), Buffer.from(h, 'utf8').toString('hex'), `${what}: TT_MODEL_NAME holds the name's UTF-8 bytes`);
      assert.equal(existsSync(MARKER), false, `${what}: the payload ran`);
    }
  });

  test('the generated C project (Makefile, CMakeLists.txt, README) with hostile names: make builds it and runs nothing else', () => {
    const plainDir = join(scratch, 'proj-plain');
    writeCProject(plain, plainDir, 'plain weights');
    const plainFiles = ['Makefile', 'CMakeLists.txt', 'README.txt'].map((f) => readFileSync(join(plainDir, f), 'utf8'));
    const plainDry = sh('make', ['-n'], plainDir);
    for (const [what, h] of Object.entries(HOSTILE)) {
      const dir = join(scratch, `proj-${Object.keys(HOSTILE).indexOf(what)}`);
      const p: Prepared = { ...plain, spec: { ...plain.spec, model: { ...plain.spec.model, name: h } }, compilation: withNames(plain.compilation, h) };
      writeCProject(p, dir, h);
      const files = ['Makefile', 'CMakeLists.txt', 'README.txt'].map((f) => readFileSync(join(dir, f), 'utf8'));
      files.forEach((text, i) => {
        // Only the comment / prose lines that name the model differ, and each stays one line.
        const a = text.split('\n'), b = plainFiles[i].split('\n');
        assert.equal(a.length, b.length, `${what}: ${['Makefile', 'CMakeLists.txt', 'README.txt'][i]} keeps its lines`);
        a.forEach((line, j) => { if (line !== b[j]) assert.match(b[j], /plain/, `${what}: line ${j + 1} of ${['Makefile', 'CMakeLists.txt', 'README.txt'][i]} changed: ${line.slice(0, 80)}`); });
        assert.doesNotMatch(text, /[^\x20-\x7e\n\t]/, `${what}: printable ASCII only`);
      });
      assert.equal(sh('make', ['-n'], dir), plainDry, `${what}: make would run exactly the plain project's commands`);
    }
    // One real build of the most make-shaped payload.
    sh('make', ['-s', 'tt_train'], join(scratch, `proj-${Object.keys(HOSTILE).indexOf('make recipe')}`));
    assert.equal(existsSync(MARKER), false, 'make ran nothing the name says');
  });
});
