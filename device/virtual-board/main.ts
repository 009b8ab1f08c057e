// Serve a virtual STM32F405 board until killed. First line of stdout: the port path.
// SIGUSR1 = reset into the bootloader (kills a running firmware), like BOOT0 high + reset.
//   node --import tsx device/virtual-board/main.ts [--dir D] [--timeout SECONDS] [--pid 0x413]
import { start } from './board.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const timeout = arg('--timeout');
  const pid = arg('--pid');
  const board = await start({
    dir: arg('--dir'),
    firmwareTimeoutMs: timeout ? Number(timeout) * 1000 : undefined,
    pid: pid ? Number(pid) : undefined,
  });
  process.stdout.write(board.portPath + '\n');
  board.on('log', (l) => process.stderr.write(`[virtual-board] ${l}\n`));
  board.on('error', (e) => process.stderr.write(`[virtual-board] error: ${e.message}\n`));
  board.on('exit', (x) => process.stderr.write(`[virtual-board] back in bootloader mode (exit ${x.code}${x.timedOut ? ', timed out' : ''})\n`));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    board.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  process.on('SIGUSR1', () => { board.reset().catch((e: unknown) => process.stderr.write(`[virtual-board] reset failed: ${String(e)}\n`)); });
}

main().catch((e: unknown) => {
  process.stderr.write(`virtual board failed: ${(e as Error).message ?? String(e)}\n`);
  process.exit(1);
});
