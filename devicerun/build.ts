// Firmware for a config and board: the generated model + the runtime kernels + the training
// firmware main (runtime/firmware/) + the board files, linked with arm-none-eabi-gcc in the
// config's SRAM/flash budget (device/firmware buildFirmware). A link overflow becomes a located
// Problem on the config's `sram:` (or `target:`) line; a missing toolchain names the Debian
// package.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, generateProgram, loweringsOf } from '../compiler/compile.js';
import { quantize } from '../compiler/weights/files.js';
import { kernelSources, runtimeDir } from '../compiler/toolchain/host-build.js';
import { missingToolMessage, ToolError } from '../compiler/toolchain/tools.js';
import type { Problem } from '../compiler/config/spec.js';
import { buildFirmware, elfSize, FirmwareBuildError } from '../device/firmware/build.js';
import { targetFor, type BoardTarget } from '../device/firmware/boards.js';
import type { Sample } from '../device/telemetry/index.js';
import { runSteps, type Prepared } from '../training/prepare.js';
import { hashOf, workDir } from '../training/workspace.js';

export type Progress = (message: string) => void;

/** A link that did not fit the budget: the message and where it points in the config. */
export class FirmwareBudgetError extends Error {
  constructor(message: string, readonly problem: Problem | undefined, readonly region: 'RAM' | 'FLASH', readonly overflowBytes: number, readonly output: string) {
    super(message);
    this.name = 'FirmwareBudgetError';
  }
}

export interface DeviceBuildOptions {
  /** Board name (default: the config's target.board). */
  board?: string;
  /** Build the QEMU variant (stm32f746 -> mps2-an500; stm32f405 is the same build either way). */
  qemu?: boolean;
  /** Output folder (default: <config dir>/.tinytrain/<model>/fw-<target>-<hash>/). */
  outDir?: string;
  /** The steps the run will make, which a cosine lr decay spans (default: the embedded steps, else
   * train.steps or one pass over the training split). */
  steps?: number;
  /** Compile the samples into flash instead of streaming them (inputs larger than a SAMPLE frame). */
  embedded?: { samples: Sample[]; steps: number };
  /** Time each op of the training step (-DTT_PROFILE) and send a PROFILE before DONE. */
  profile?: boolean;
  /** Minimum stack the link must leave (default 4 KB). */
  stackMinBytes?: number;
  onProgress?: Progress;
  signal?: AbortSignal;
}

export interface DeviceFirmware {
  target: BoardTarget;
  elf: string;
  bin: string;
  outDir: string;
  /** text / data / bss of the ELF (arm-none-eabi-size). */
  size: { text: number; data: number; bss: number };
  modelHash: number;
  arenaBytes: number;
  sramCopyBytes: number;
  /** The memory plan's prediction: arena + SRAM weight copies. */
  plannedPeakSramBytes: number;
  budget: { ramBytes: number; flashBytes: number };
  /** Bytes of one int8 input (H*W*C). */
  inputBytes: number;
  embedded: boolean;
}

export const FIRMWARE_DIR = join(runtimeDir(), 'firmware');

/** A hash of every runtime C file a firmware build compiles (firmware, kernels, boards, telemetry). */
export function runtimeSourcesHash(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (/\.(c|h|in)$/.test(e.name)) files.push(join(dir, e.name));
    }
  };
  for (const d of ['firmware', 'kernels', 'boards', 'telemetry']) walk(join(runtimeDir(), d));
  return hashOf(...files.flatMap((f) => [f.slice(runtimeDir().length), readFileSync(f)]));
}

/** A program on PATH (socat has no --version, so this asks the shell), or a ToolError naming the Debian package. */
export function requireProgram(name: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
  if (!found) throw new ToolError(missingToolMessage(name));
}

/** arm-none-eabi-gcc and friends, or a ToolError naming the Debian package. */
export function requireArmToolchain(): void {
  for (const t of ['arm-none-eabi-gcc', 'arm-none-eabi-size']) requireProgram(t);
}

export function inputBytesOf(p: Prepared): number {
  const [h, w, c] = p.spec.model.input;
  return h * w * c;
}

/** Int8 samples (the model's input quantization) from the prepared split. */
export function int8Samples(p: Prepared, which: 'train' | 'test'): Sample[] {
  return p.split[which].map((s) => {
    const input = new Int8Array(s.pixels.length);
    for (let i = 0; i < input.length; i++) input[i] = quantize(s.pixels[i], p.quant.input);
    return { label: s.label, input };
  });
}

function samplesHeader(samples: Sample[], inputBytes: number, steps: number): string {
  const rows = samples.map((s) => {
    if (s.input.length !== inputBytes) throw new Error(`an embedded sample has ${s.input.length} values; the model input needs ${inputBytes}`);
    const vals: string[] = [];
    for (let i = 0; i < s.input.length; i += 32) vals.push(Array.from(s.input.subarray(i, i + 32)).join(','));
    return `  {\n    ${vals.join(',\n    ')}\n  }`;
  });
  return [
    '/* Generated by TinyTrain: training samples embedded in flash. */',
    '#ifndef TT_FW_SAMPLES_H',
    '#define TT_FW_SAMPLES_H',
    `#define TT_FW_SAMPLES ${samples.length}`,
    `#define TT_FW_STEPS ${steps}`,
    `static const uint8_t tt_fw_labels[${samples.length}] = { ${samples.map((s) => s.label).join(', ')} };`,
    `static const int8_t tt_fw_inputs[${samples.length}][${inputBytes}] = {`,
    rows.join(',\n'),
    '};',
    '#endif',
    '',
  ].join('\n');
}

/** Build the training firmware for a prepared config. */
export async function buildDeviceFirmware(p: Prepared, opts: DeviceBuildOptions = {}): Promise<DeviceFirmware> {
  const progress = opts.onProgress ?? (() => {});
  opts.signal?.throwIfAborted();
  requireArmToolchain();
  const board = opts.board ?? p.spec.target.board.name;
  const target = targetFor(board, { qemu: opts.qemu });
  if (!target.linkerTemplate) throw new Error(`board '${board}' is not a microcontroller target; use 'tinytrain train --board host' for the host`);
  // SAMPLE frames deliver the input whole into the arena, so the stream (if any) reads its rows
  // there; embedded samples stay in flash and the stream reads them row by row from it.
  const compilation = opts.embedded ? p.compilation
    : compile(p.spec, { update: p.compilation.update, network: p.compilation.net, lowerings: { ...loweringsOf(p.spec), inputWhole: true } });
  const model = generateProgram(compilation, p.quant, { steps: runSteps(p, opts.steps ?? opts.embedded?.steps) });
  const modelHash = model.modelHash;
  const inputBytes = inputBytesOf(p);
  const samplesH = opts.embedded ? samplesHeader(opts.embedded.samples, inputBytes, opts.embedded.steps) : '';
  // The config's budget; a board other than the config's keeps only explicit sram:/flash: lines.
  const own = board === p.spec.target.board.name;
  const sram = own || p.spec.target.sramOverridden ? p.spec.target.sramBytes : target.ramBytes;
  const flashB = own || p.spec.target.flashOverridden ? p.spec.target.flashBytes : target.flashBytes;
  const budget = { ramBytes: Math.min(sram, target.ramBytes) & ~3, flashBytes: Math.min(flashB, target.flashBytes) & ~3 };
  // The folder name is a hash of everything that goes into the image, so a finished build is
  // reused; a build happens in a private folder renamed into place when done, so two builds of
  // the same firmware at once (two test processes, CLI + editor) never see each other's files.
  const key = hashOf(model.header, model.source, samplesH, JSON.stringify(budget), String(opts.stackMinBytes ?? ''), JSON.stringify(target), runtimeSourcesHash(), opts.profile ? 'profile' : '');
  const finalDir = opts.outDir ?? workDir(p.configPath, p.spec.model.name, `fw-${target.name}-${key}`);
  const reuse = !opts.outDir && existsSync(join(finalDir, 'firmware.elf')) && existsSync(join(finalDir, 'firmware.bin'));
  const outDir = reuse || opts.outDir ? finalDir : `${finalDir}.tmp-${process.pid}-${Date.now()}`;
  let fw;
  if (reuse) {
    progress(`training firmware for ${target.name}: up to date in ${finalDir}`);
    fw = { elf: join(finalDir, 'firmware.elf'), bin: join(finalDir, 'firmware.bin'), size: await elfSize(target.size ?? 'arm-none-eabi-size', join(finalDir, 'firmware.elf')) };
  } else try {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'tt_model.h'), model.header);
    writeFileSync(join(outDir, 'tt_model.c'), model.source);
    if (opts.embedded) writeFileSync(join(outDir, 'tt_fw_samples.h'), samplesH);
    progress(`building the training firmware for ${target.name} (${target.cc}) in ${finalDir}`);
    const built = await buildFirmware({
      target,
      sources: [join(outDir, 'tt_model.c'), join(FIRMWARE_DIR, 'tt_train_firmware.c'), ...kernelSources()],
      outDir,
      name: 'firmware',
      budget: { ...budget, stackMinBytes: opts.stackMinBytes },
      includeDirs: [outDir, join(runtimeDir(), 'kernels')],
      defines: { ...(opts.embedded ? { TT_FW_EMBEDDED: 1 } : {}), ...(opts.profile ? { TT_PROFILE: 1 } : {}) },
      extraCflags: ['-Werror'],
    });
    if (outDir !== finalDir) {
      try { renameSync(outDir, finalDir); } catch { rmSync(outDir, { recursive: true, force: true }); } // another build got there first: same bytes
    }
    fw = { elf: join(finalDir, 'firmware.elf'), bin: join(finalDir, 'firmware.bin'), size: built.size };
  } catch (e) {
    if (outDir !== finalDir) rmSync(outDir, { recursive: true, force: true });
    if (e instanceof FirmwareBuildError) {
      const m = /^(RAM|FLASH) budget exceeded by (\d+) bytes/.exec(e.message);
      if (m) {
        const region = m[1] as 'RAM' | 'FLASH';
        const over = Number(m[2]);
        const loc = region === 'RAM' ? (p.analysis.source.sram ?? p.analysis.source.target) : (p.analysis.source.flash ?? p.analysis.source.target);
        const what = region === 'RAM' ? `RAM budget of ${board} (${budget.ramBytes} bytes)` : `flash budget of ${board} (${budget.flashBytes} bytes)`;
        const message = `${what} exceeded by ${over} bytes when linking the firmware`
          + (region === 'RAM' ? ` (plan ${compilation.memory.peakSramBytes} bytes + firmware data/bss + ${opts.stackMinBytes ?? 4096} bytes minimum stack)` : '');
        const problem: Problem | undefined = loc ? { message, severity: 'error', range: loc.range, offsets: loc.offsets, code: region === 'RAM' ? 'link-ram' : 'link-flash' } : undefined;
        throw new FirmwareBudgetError(message, problem, region, over, e.output);
      }
      throw new Error(`${e.message}\n${e.output.trim().split('\n').slice(0, 30).join('\n')}`);
    }
    throw e;
  }
  progress(`firmware: text ${fw.size.text} B, data ${fw.size.data} B, bss ${fw.size.bss} B`);
  return {
    target, elf: fw.elf, bin: fw.bin, outDir: finalDir, size: fw.size, modelHash,
    arenaBytes: model.arenaBytes, sramCopyBytes: model.sramCopyBytes,
    plannedPeakSramBytes: compilation.memory.peakSramBytes,
    budget, inputBytes, embedded: !!opts.embedded,
  };
}

/** .data and .bss of an ELF, without the linker's minimum-stack reservation (`._stack`), which
 * `size -B` counts into bss. */
export async function ramSections(elf: string, sizeTool = 'arm-none-eabi-size'): Promise<{ data: number; bss: number; stackReserve: number }> {
  const { execFile } = await import('node:child_process');
  const out = await new Promise<string>((resolve, reject) => execFile(sizeTool, ['-A', elf], { timeout: 30_000 }, (e, so) => (e ? reject(e) : resolve(so))));
  const sec = (name: string) => Number(new RegExp(`^\\${name}\\s+(\\d+)`, 'm').exec(out)?.[1] ?? 0);
  return { data: sec('.data'), bss: sec('.bss'), stackReserve: sec('._stack') };
}
