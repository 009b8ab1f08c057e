// The fast kernels (runtime/kernels/tt_fast.h) against their reference loops, on random shapes,
// byte for byte (int8 outputs, clamp masks, float gradients as bit patterns): one C program
// (c/fast_check.c) built for the host three times (plain C loops; the trainer's recipe, whose
// -mavx2 selects the AVX2 paths where the CPU has it; the SIMD loops over the portable
// definitions of the DSP instructions) and for Cortex-M4F (netduinoplus2) and Cortex-M7
// (mps2-an500) under QEMU, where the ACLE intrinsics run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../../device/firmware/build.js';
import { runFirmware } from '../../../device/virtual-board/qemu.js';
import { missingTools } from '../device/helpers.js';
import { HOST_VECTORIZE, hostFlags, hostVectorFlags } from '../../../compiler/toolchain/gcc-flags.js';
import { TRAINER_FLAGS, driversDir, kernelSources, kernelsDir, repoRoot } from './lib/cbuild.js';

const DRIVER = join(driversDir, 'fast_check.c');
const KERNELS = ['pw', 'conv', 'dw', 'dw_inplace', 'pw_bwd_input', 'dw_bwd_input', 'conv_row', 'dw_row', 'pw_bwd_input_chunk', 'pw_bwd_input_acc', 'chunk_mask_bias', 'add', 'wgrad_fma', 'wgrad_fma_vs_unfused_order'];
// the fast kernels and the reference kernels they are compared with (a lean build)
const SOURCES = kernelSources().filter((f) => /(_fast|tt_pwconv_s8|tt_conv2d_s8|tt_dwconv_s8|tt_dwconv_s8_inplace|tt_pwconv_s8_bwd_input|tt_dwconv_s8_bwd_input|_row|_chunk|_acc|_chunk_f32|tt_mask_apply_f32|tt_bias_grad_sgd_s32|tt_sgd_bias_s32|tt_rng|tt_add_s8|tt_conv2d_s8_weight_grad(_fma)?_sgd|tt_sgd_s8)\.c$/.test(f));

function assertAllOk(out: string, where: string, simd: string): void {
  assert.match(out, new RegExp(`^simd ${simd}\\r?$`, 'm'), `${where} runs the ${simd} loops\n${out}`);
  for (const k of KERNELS) assert.match(out, new RegExp(`^${k} ok \\d+\\r?$`, 'm'), `${where}: ${k}\n${out}`);
  assert.match(out, /^fast_check ok\r?$/m, `${where}\n${out}`);
}

// The host variants: which loops each build runs ('simd ...' line) and the flags that select them.
// Without -mavx2 the plain C loops (still with the vectorizer's full cost model, SSE2).
const avx2 = hostVectorFlags().includes('-mavx2');
const HOST_VARIANTS = [
  { name: 'plain C loops', simd: 'off', flags: [...hostFlags({ debugInfo: false }), HOST_VECTORIZE, '-DTT_SIMD_PORTABLE=0'] },
  { name: avx2 ? 'AVX2 loops (the trainer recipe)' : 'the trainer recipe (no AVX2 on this CPU: plain C)', simd: avx2 ? 'avx2' : 'off', flags: [...TRAINER_FLAGS, '-DTT_SIMD_PORTABLE=0'] },
  { name: 'SIMD loops on the portable DSP definitions', simd: 'portable', flags: [...TRAINER_FLAGS, '-DTT_SIMD_PORTABLE=1'] },
];

for (const v of HOST_VARIANTS) {
  test(`host, ${v.name}: fast kernels equal the reference`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-fast-'));
    try {
      const exe = join(dir, 'fast_check');
      const boards = join(repoRoot, 'runtime', 'boards');
      const r = spawnSync('gcc', [...v.flags, '-I', kernelsDir, '-I', boards, ...SOURCES, join(boards, 'host', 'board.c'), DRIVER, '-lm', '-o', exe], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const run = spawnSync(exe, [], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assertAllOk(run.stdout, 'host', v.simd);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const target of ['stm32f405', 'stm32f746-qemu'] as const) {
  test(`${target} in QEMU (DSP instructions): fast kernels equal the reference`, { skip: missingTools('arm-none-eabi-gcc', 'qemu-system-arm'), timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-fast-fw-'));
    try {
      const fw = await buildFirmware({ target, sources: [DRIVER, ...SOURCES], outDir: dir, includeDirs: [kernelsDir], extraCflags: ['-Werror'] });
      const run = await runFirmware({ machine: fw.target.qemuMachine!, elf: fw.elf, timeoutMs: 90_000 });
      const out = run.uart.toString('latin1');
      assert.equal(run.code, 0, out + run.stderr);
      assertAllOk(out, target, 'native');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
