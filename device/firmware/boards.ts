// Board build table: one entry per firmware target, with the compiler, sources and memory
// layout. Budgets (RAM/flash lengths) come from the config and are substituted into the linker
// script template by linker.ts; the defaults are the chips' real sizes and the flags the board's
// gcc recipe (compiler/toolchain/gcc-flags.ts with the registry's CPU flags), both read from the
// board registry (compiler/config/boards.ts) like the schema, the analyzer and the docs.
import { join } from 'node:path';
import { BOARDS } from '../../compiler/config/boards.js';
import { boardCompileFlags, boardLinkFlags } from '../../compiler/toolchain/gcc-flags.js';
import { runtimeDir } from '../../compiler/toolchain/host-build.js';
import { STM32F4_SECTORS, STM32F7_SECTORS } from '../an3155/protocol.js';

export type TargetName = 'stm32f405' | 'stm32f746' | 'stm32f746-qemu' | 'nrf52840' | 'host';

export interface BoardTarget {
  /** Target name (the key). */
  name: TargetName;
  /** Board as configs name it (`target.board`); stm32f746-qemu builds the stm32f746 board. */
  board: 'stm32f405' | 'stm32f746' | 'nrf52840' | 'host';
  cc: string;
  objcopy?: string;
  size?: string;
  /** Compile flags (CPU, FPU, ABI, defines). */
  cflags: string[];
  /** Link flags other than the linker script. */
  ldflags: string[];
  /** Board sources relative to the runtime folder. */
  sources: string[];
  /** Linker script template relative to the runtime folder (absent for host). */
  linkerTemplate?: string;
  flashOrigin: number;
  flashBytes: number;
  ramOrigin: number;
  ramBytes: number;
  /** Core clock as the board's counter sees it (tt_counter_hz()). */
  counterHz: number;
  /** QEMU machine that runs this build, if any. */
  qemuMachine?: 'netduinoplus2' | 'mps2-an500';
  /** Flash sector sizes from flashOrigin, for AN3155 Extended Erase (STM32 only). */
  sectors?: readonly number[];
  /** AN3155 product id answered by Get ID. */
  an3155Pid?: number;
  notes: string;
}

const ARM_TOOLS = { cc: 'arm-none-eabi-gcc', objcopy: 'arm-none-eabi-objcopy', size: 'arm-none-eabi-size' };
const CORTEXM = ['boards/cortexm/cortexm.c'];
const TELEMETRY = ['telemetry/tt_telemetry.c'];


export const BOARD_TARGETS: Readonly<Record<TargetName, BoardTarget>> = {
  stm32f405: {
    name: 'stm32f405', board: 'stm32f405', ...ARM_TOOLS,
    cflags: [...boardCompileFlags(BOARDS.stm32f405), '-DTT_CORE_HZ=168000000u', '-DTT_SEMIHOSTING=1', '-DTT_BOARD_STM32F405=1'],
    ldflags: boardLinkFlags(BOARDS.stm32f405),
    sources: [...CORTEXM, 'boards/stm32f405/board.c', ...TELEMETRY],
    linkerTemplate: 'boards/cortexm/cortexm.ld.in',
    flashOrigin: 0x08000000, flashBytes: BOARDS.stm32f405.flashBytes, ramOrigin: 0x20000000, ramBytes: BOARDS.stm32f405.sramBytes,
    counterHz: 168_000_000, qemuMachine: 'netduinoplus2', sectors: STM32F4_SECTORS, an3155Pid: 0x413,
    notes: 'The virtual board (QEMU netduinoplus2). Semihosting exit on; clocks at reset (QEMU models 168 MHz; a real chip without PLL setup runs 16 MHz). QEMU maps 192 KB contiguous at 0x20000000; a real F405 has 128 KB there plus 64 KB CCM at 0x10000000.',
  },
  stm32f746: {
    name: 'stm32f746', board: 'stm32f746', ...ARM_TOOLS,
    cflags: [...boardCompileFlags(BOARDS.stm32f746), '-DTT_CORE_HZ=16000000u', '-DTT_SEMIHOSTING=0', '-DTT_BOARD_STM32F746=1'],
    ldflags: boardLinkFlags(BOARDS.stm32f746),
    sources: [...CORTEXM, 'boards/stm32f746/board.c', ...TELEMETRY],
    linkerTemplate: 'boards/cortexm/cortexm.ld.in',
    flashOrigin: 0x08000000, flashBytes: BOARDS.stm32f746.flashBytes, ramOrigin: 0x20000000, ramBytes: BOARDS.stm32f746.sramBytes,
    counterHz: 16_000_000, sectors: STM32F7_SECTORS, an3155Pid: 0x449,
    notes: 'Real STM32F746 memory map; USART1 PA9/PA10; HSI 16 MHz (no PLL setup). tt_exit parks in WFI.',
  },
  'stm32f746-qemu': {
    name: 'stm32f746-qemu', board: 'stm32f746', ...ARM_TOOLS,
    cflags: [...boardCompileFlags(BOARDS.stm32f746), '-DTT_CORE_HZ=25000000u', '-DTT_SEMIHOSTING=1', '-DTT_BOARD_STM32F746=1', '-DTT_QEMU_MPS2=1'],
    ldflags: boardLinkFlags(BOARDS.stm32f746),
    sources: [...CORTEXM, 'boards/mps2-an500/board.c', ...TELEMETRY],
    linkerTemplate: 'boards/cortexm/cortexm.ld.in',
    flashOrigin: 0x00000000, flashBytes: BOARDS.stm32f746.flashBytes, ramOrigin: 0x20000000, ramBytes: BOARDS.stm32f746.sramBytes,
    counterHz: 25_000_000, qemuMachine: 'mps2-an500',
    notes: 'QEMU mps2-an500 (Cortex-M7, CMSDK UART0) with the STM32F746 budget (1 MB code, 320 KB RAM) enforced by the linker script. Single-precision FPU flags as on the F746.',
  },
  nrf52840: {
    name: 'nrf52840', board: 'nrf52840', ...ARM_TOOLS,
    cflags: [...boardCompileFlags(BOARDS.nrf52840), '-DTT_CORE_HZ=64000000u', '-DTT_SEMIHOSTING=0', '-DTT_BOARD_NRF52840=1'],
    ldflags: boardLinkFlags(BOARDS.nrf52840),
    sources: [...CORTEXM, 'boards/nrf52840/board.c', ...TELEMETRY],
    linkerTemplate: 'boards/cortexm/cortexm.ld.in',
    flashOrigin: 0x00000000, flashBytes: BOARDS.nrf52840.flashBytes, ramOrigin: 0x20000000, ramBytes: BOARDS.nrf52840.sramBytes,
    counterHz: 64_000_000,
    notes: 'Build only (no emulator): UARTE0 on P0.06/P0.08, 64 MHz. Flash with nrfjprog/UF2, not AN3155.',
  },
  host: {
    name: 'host', board: 'host', cc: 'gcc',
    cflags: [...boardCompileFlags(BOARDS.host), '-DTT_BOARD_HOST=1'],
    ldflags: ['-lm'],
    sources: ['boards/host/board.c', ...TELEMETRY],
    flashOrigin: 0, flashBytes: BOARDS.host.flashBytes, ramOrigin: 0, ramBytes: BOARDS.host.sramBytes,
    counterHz: 1_000_000_000,
    notes: 'The development machine: UART = stdin/stdout, counter = CLOCK_MONOTONIC ns.',
  },
};

/** Include directories every TinyTrain C file is compiled with. */
export function includeDirs(): string[] {
  return [join(runtimeDir(), 'boards'), join(runtimeDir(), 'telemetry')];
}

/** The build target for a config board, optionally its QEMU variant. */
export function targetFor(board: string, opts: { qemu?: boolean } = {}): BoardTarget {
  if (board === 'stm32f746' && opts.qemu) return BOARD_TARGETS['stm32f746-qemu'];
  const t = (BOARD_TARGETS as Record<string, BoardTarget>)[board];
  if (!t) throw new Error(`unknown board '${board}' (known: ${Object.keys(BOARD_TARGETS).join(', ')})`);
  if (opts.qemu && !t.qemuMachine) throw new Error(`board '${board}' has no QEMU machine`);
  return t;
}
