// `tinytrain board --virtual [--timeout SECONDS]`: a virtual STM32F405 board (AN3155 ROM
// bootloader emulator + QEMU netduinoplus2 behind a pty). The first stdout line is the port
// path; it serves until killed (SIGINT / SIGTERM / SIGHUP stop QEMU and socat cleanly;
// SIGUSR1 resets it into the bootloader, like BOOT0 high + reset on a real board).
// `tinytrain board` without --virtual lists the serial ports (listing can fail: type a path).
import { BOARD_NAMES } from '../compiler/config/boards.js';
import { listSerialPorts } from '../device/serial/ports.js';
import { startVirtualBoard } from '../devicerun/train.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';

export const boardCommand = defineCommand({
  name: 'board',
  summary: 'list the serial ports, or with --virtual start a virtual STM32F405 and print its port',
  details: 'The virtual board is the STM32F405 ROM bootloader (AN3155) in front of QEMU netduinoplus2, behind a pty. It serves until stopped (Ctrl-C, SIGTERM, SIGHUP: a clean stop exits 0); SIGUSR1 resets it into the bootloader.',
  positionals: [],
  flags: {
    virtual: { type: 'boolean', help: 'start a virtual STM32F405 board; the first stdout line is its port path' },
    board: { type: 'string', value: 'BOARD', choices: BOARD_NAMES, help: 'the board to emulate; the virtual board is an stm32f405 (the default and the only one)' },
    timeout: { type: 'seconds', max: 86_400, help: 'stop a firmware that runs longer than this (default: no limit), e.g. 60 or 2m' },
  },
  async run(ctx) {
    const f = ctx.flags;
    if (!f.virtual) {
      if (f.board || f.timeout !== undefined) return ctx.usage('--board and --timeout go with --virtual');
      const r = await listSerialPorts();
      for (const p of r.ports) ctx.out(`${p.path}${p.manufacturer ? `  ${p.manufacturer}` : ''}${p.serialNumber ? `  ${p.serialNumber}` : ''}`);
      if (r.error) { ctx.err(`tinytrain board: ${r.error}`); return EXIT.problem; }
      if (!r.ports.length) ctx.err('no serial ports found; `tinytrain board --virtual` starts an emulated STM32F405');
      return EXIT.ok;
    }
    if (f.board && f.board !== 'stm32f405') {
      return ctx.usage(`the virtual board emulates an STM32F405 only; for ${f.board} run 'tinytrain train <config> --board ${f.board} --virtual'${f.board === 'stm32f746' ? ' (QEMU mps2-an500, no bootloader)' : ''}`);
    }
    let board;
    try {
      board = await startVirtualBoard({ firmwareTimeoutMs: f.timeout !== undefined ? f.timeout * 1000 : undefined });
    } catch (e) {
      return reportRunError(ctx, '', e);
    }
    ctx.out(board.portPath);
    ctx.err(`virtual STM32F405 in its ROM bootloader at ${board.portPath}: flash it with 'tinytrain flash <config> --port ${board.portPath}' or train with 'tinytrain train <config> --board stm32f405 --port ${board.portPath}'. Ctrl-C stops it.`);
    board.on('log', (l) => ctx.err(`[virtual-board] ${l}`));
    board.on('error', (e) => ctx.err(`[virtual-board] error: ${e.message}`));
    board.on('exit', (x) => ctx.err(`[virtual-board] firmware ended (exit ${x.code}${x.timedOut ? ', timed out' : ''}); back in bootloader mode`));
    return new Promise<number>((resolve) => {
      let stopping = false;
      // A server's normal end is a stop signal, so a clean stop exits 0 (not 128 + signal).
      const stop = () => {
        if (stopping) return;
        stopping = true;
        board.stop().then(() => resolve(EXIT.ok), () => resolve(EXIT.problem));
      };
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, stop);
      // SIGUSR1: reset into the bootloader (kills a running firmware), like BOOT0 high + reset.
      process.on('SIGUSR1', () => { board.reset().then(() => ctx.err('[virtual-board] reset: in bootloader mode'), (e: unknown) => ctx.err(`[virtual-board] reset failed: ${String(e)}`)); });
    });
  },
});
