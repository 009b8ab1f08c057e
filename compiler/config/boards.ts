// Boards the config language knows: the one registry. A board brings its SRAM and flash budgets,
// CPU, clock, gcc CPU flags, QEMU machine and UART speed; `target.sram` / `target.flash` in a
// config override the budgets. The schema's board list, the analyzer, the firmware build table
// (device/firmware/boards.ts), the gcc recipes (toolchain/gcc-flags.ts) and the docs read it
// (test/unit/compiler/boards.test.ts holds them to it). Data only, no imports: the extension
// host's pickers read it through protocol/catalog.ts.

export interface Board {
  name: string;
  cpu: string;
  clockHz: number;
  sramBytes: number;
  flashBytes: number;
  /** gcc's CPU, FPU and float-ABI flags for its core (the host: none, the machine's own). */
  cpuFlags: readonly string[];
  /** What QEMU machine runs its firmware, when one exists. */
  qemuMachine?: string;
  /** The firmware's UART speed (runtime/boards/<board>/board.c), 8N1; the serial monitor's default. */
  baudRate?: number;
  description: string;
}

const KB = 1024;
const MB = 1024 * 1024;
/** The UART speed when a board names none (every TinyTrain firmware runs at it). */
export const DEFAULT_BAUD = 115200;

const CORTEX_M4F = ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'];
const CORTEX_M7_SP = ['-mcpu=cortex-m7', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv5-sp-d16'];

export const BOARDS: Readonly<Record<string, Board>> = {
  stm32f746: {
    name: 'stm32f746', cpu: 'Cortex-M7', clockHz: 216e6, sramBytes: 320 * KB, flashBytes: 1 * MB, cpuFlags: CORTEX_M7_SP,
    qemuMachine: 'mps2-an500', baudRate: 115200, description: 'STM32F746 (Cortex-M7 216 MHz, 320 KB SRAM, 1 MB flash), the paper\'s board',
  },
  stm32f405: {
    name: 'stm32f405', cpu: 'Cortex-M4F', clockHz: 168e6, sramBytes: 192 * KB, flashBytes: 1 * MB, cpuFlags: CORTEX_M4F,
    qemuMachine: 'netduinoplus2', baudRate: 115200, description: 'STM32F405 (Cortex-M4F 168 MHz, 192 KB SRAM, 1 MB flash), the virtual board',
  },
  nrf52840: {
    name: 'nrf52840', cpu: 'Cortex-M4F', clockHz: 64e6, sramBytes: 256 * KB, flashBytes: 1 * MB, cpuFlags: CORTEX_M4F, baudRate: 115200,
    description: 'nRF52840 (Cortex-M4F 64 MHz, 256 KB SRAM, 1 MB flash)',
  },
  host: {
    name: 'host', cpu: 'host', clockHz: 0, sramBytes: 64 * MB, flashBytes: 64 * MB, cpuFlags: [],
    description: 'the development machine (gcc build, no memory limit to speak of)',
  },
};

export const BOARD_NAMES = Object.keys(BOARDS);
