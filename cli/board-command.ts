// `tinytrain board --virtual [--timeout SECONDS]`: a virtual STM32F405 board (AN3155 ROM
// bootloader emulator + QEMU netduinoplus2 behind a pty). The first stdout line is the port
// path; it serves until killed (SIGINT / SIGTERM / SIGHUP stop QEMU and socat cleanly;
// SIGUSR1 resets it into the bootloader, like BOOT0 high + reset on a real board).
// `tinytrain board` without --virtual lists the serial ports (listing can fail: type a path).
import { listSerialPorts } from '../device/serial/ports.js';
import { ToolError } from '../compiler/toolchain/tools.js';
import { startVirtualBoard } from '../devicerun/train.js';
import type { CommandContext } from './context.js';

export async function boardCommand(ctx: CommandContext): Promise<number> {
  if (!ctx.flag('virtual')) {
    const r = await listSerialPorts();
    for (const p of r.ports) ctx.out(`${p.path}${p.manufacturer ? `  ${p.manufacturer}` : ''}${p.serialNumber ? `  ${p.serialNumber}` : ''}`);
    if (r.error) ctx.err(r.error);
    else if (!r.ports.length) ctx.err('no serial ports found; `tinytrain board --virtual` starts an emulated STM32F405');
    return 0;
  }
  const timeout = ctx.option('timeout');
  let board;
  try {
    board = await startVirtualBoard({ firmwareTimeoutMs: timeout ? Number(timeout) * 1000 : undefined });
  } catch (e) {
    if (e instanceof ToolError) { ctx.err(`tinytrain board: ${e.message}`); return 1; }
    throw e;
  }
  ctx.out(board.portPath);
  ctx.err(`virtual STM32F405 in its ROM bootloader at ${board.portPath}: flash it with 'tinytrain flash <config> --port ${board.portPath}' or train with 'tinytrain train <config> --board stm32f405 --port ${board.portPath}'. Ctrl-C stops it.`);
  board.on('log', (l) => ctx.err(`[virtual-board] ${l}`));
  board.on('error', (e) => ctx.err(`[virtual-board] error: ${e.message}`));
  board.on('exit', (x) => ctx.err(`[virtual-board] firmware ended (exit ${x.code}${x.timedOut ? ', timed out' : ''}); back in bootloader mode`));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      board.stop().then(() => resolve(0), () => resolve(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
    // SIGUSR1: reset into the bootloader (kills a running firmware), like BOOT0 high + reset.
    process.on('SIGUSR1', () => { board.reset().then(() => ctx.err('[virtual-board] reset: in bootloader mode'), (e: unknown) => ctx.err(`[virtual-board] reset failed: ${String(e)}`)); });
  });
}
