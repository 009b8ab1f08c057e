// Every kernel file in runtime/kernels/ compiles clean as C99 with -Wall -Wextra -Werror for the
// host (gcc) and for a Cortex-M4 with hard float (arm-none-eabi-gcc), and uses no libc beyond
// <stdint.h>, <stddef.h>, <string.h>, <math.h> (no heap, no OS); the host AVX2 paths compile with
// the trainer's recipe (-mavx2 -mfma), and only tt_avx2.h includes <immintrin.h>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARM_FLAGS, HOST_FLAGS, TRAINER_FLAGS, haveTool, kernelSources, kernelsDir } from './lib/cbuild.js';

const ALLOWED = new Set(['stdint.h', 'stddef.h', 'string.h', 'math.h']);
// the x86 intrinsics, behind tt_avx2.h's #if defined(__AVX2__) (host builds only)
const INTRINSICS_HEADER = 'tt_avx2.h';

function compileAll(cc: string, flags: string[]): void {
  // one driver invocation for all files (objects land in a temporary directory)
  const dir = mkdtempSync(join(tmpdir(), 'tt-kernels-cc-'));
  try {
    const srcs = kernelSources();
    assert.ok(srcs.length > 40, 'expected the whole kernel library');
    const r = spawnSync(cc, [...flags.filter((f) => f !== '-c'), '-c', '-I', kernelsDir, ...srcs], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `${cc} failed:\n${r.stderr}`);
    assert.equal(r.stderr.trim(), '', `${cc} printed diagnostics:\n${r.stderr}`);
    const objs = readdirSync(dir).filter((f) => f.endsWith('.o'));
    assert.equal(objs.length, srcs.length, 'one object per kernel file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('kernels include only <stdint.h>, <stddef.h>, <string.h>, <math.h> and local headers; no heap or stdio', () => {
  const files = readdirSync(kernelsDir).filter((f) => /\.[ch]$/.test(f));
  assert.ok(files.length > 40);
  for (const f of files) {
    const text = readFileSync(join(kernelsDir, f), 'utf8');
    for (const m of text.matchAll(/#include\s*<([^>]+)>/g)) assert.ok(ALLOWED.has(m[1]) || (f === INTRINSICS_HEADER && m[1] === 'immintrin.h'), `${f} includes <${m[1]}>`);
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\b(malloc|calloc|realloc|free|printf|fprintf|puts|exit|abort)\s*\(/, `${f} uses heap / stdio / exit`);
  }
});

test('every kernel compiles with gcc -std=c99 -Wall -Wextra -Werror -O2', () => {
  compileAll('gcc', HOST_FLAGS);
});

test('every kernel compiles with the trainer recipe (AVX2 where the CPU has it) -Werror', () => {
  compileAll('gcc', TRAINER_FLAGS);
});

test('every kernel compiles with arm-none-eabi-gcc for Cortex-M4 (hard float) -Werror', (t) => {
  if (!haveTool('arm-none-eabi-gcc')) {
    t.skip('arm-none-eabi-gcc not found on PATH: install gcc-arm-none-eabi and libnewlib-arm-none-eabi to run this test');
    return;
  }
  compileAll('arm-none-eabi-gcc', ARM_FLAGS);
});
