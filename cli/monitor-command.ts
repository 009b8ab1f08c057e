// `tinytrain monitor --port <path> [--baud N | --board <b>] [--json] [--raw]`: a serial monitor.
// Text lines come out as text, TinyTrain telemetry frames decoded into one readable line each
// (device/telemetry/describe.ts), or in hex with --raw. With --json one JSON object per line:
// {"text"} | {"message","type","seq","hex"} | {"state":"open"|"paused"|"gone"|"closed",...}; this is
// what the editor's Serial Monitor reads, and it writes `pause` / `resume` lines on stdin to give
// the port to a flash or a training run and take it back (the port owner's rule). When the port
// vanishes it says so and waits for it to come back. SIGINT / SIGTERM / stdin closing end it.

import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SerialPort } from 'serialport';
import { BOARDS, DEFAULT_BAUD } from '../compiler/config/boards.js';
import { portError } from '../device/an3155/flasher.js';
import { describeMessage, frameHex } from '../device/telemetry/describe.js';
import { TelemetryParser } from '../device/telemetry/parser.js';
import { EXIT, type FlagTable } from './args.js';
import { defineCommand, type CommandContext } from './context.js';

const MONITOR_FLAGS = {
  port: { type: 'string', value: 'PATH', help: 'the serial port (a pty such as the one `tinytrain board --virtual` prints works)' },
  board: { type: 'string', value: 'BOARD', choices: Object.keys(BOARDS), help: `the board whose UART speed to use (default ${DEFAULT_BAUD} baud)` },
  baud: { type: 'int', min: 50, max: 10_000_000, help: 'the speed in baud (overrides --board)' },
  raw: { type: 'boolean', help: 'print telemetry frames as their bytes in hex instead of decoded' },
  json: { type: 'boolean', help: 'one JSON object per line ({"text"}, {"message","type","seq","hex"}, {"state"}); reads pause / resume lines on stdin (the editor\'s Serial Monitor)' },
} satisfies FlagTable;

export const monitorCommand = defineCommand({
  name: 'monitor',
  summary: 'a serial monitor: text lines as text, TinyTrain telemetry frames decoded (or in hex)',
  details: 'Opens the port 8N1 and prints what comes until stopped (Ctrl-C, SIGTERM, SIGHUP, or stdin closing with --json: a clean stop exits 0). When the port vanishes it says so and waits for it to come back.',
  positionals: [],
  flags: MONITOR_FLAGS,
  run: monitor,
});

async function monitor(ctx: CommandContext<typeof MONITOR_FLAGS>): Promise<number> {
  const path = ctx.flags.port;
  if (!path) return ctx.usage('--port is needed: the serial port to monitor');
  const boardName = ctx.flags.board;
  const baud = ctx.flags.baud ?? (boardName ? BOARDS[boardName].baudRate : undefined) ?? DEFAULT_BAUD;
  const json = ctx.flags.json;
  const raw = ctx.flags.raw;
  const emit = (o: Record<string, unknown>, human: string) => ctx.out(json ? JSON.stringify(o) : human);
  const parser = new TelemetryParser({ keepFrames: true });

  let port: SerialPort | undefined;
  let paused = false;
  let ending = false;
  let waiting: NodeJS.Timeout | undefined;
  let lastProblem: string | undefined;

  const take = (events: ReturnType<TelemetryParser['push']>) => {
    for (const e of events) {
      if (e.kind === 'text') emit({ text: e.line }, e.line);
      else {
        const hex = e.frame ? frameHex(e.frame) : '';
        emit({ message: describeMessage(e.msg), type: e.msg.type, seq: e.seq, hex }, raw ? `[frame ${e.seq}] ${hex}` : describeMessage(e.msg));
      }
    }
  };

  const close = () => new Promise<void>((resolve) => {
    const p = port;
    port = undefined;
    take(parser.end());
    if (p?.isOpen) p.close(() => resolve());
    else resolve();
  });

  /** Poll until the port exists again, then open it. */
  const waitForPort = () => {
    if (waiting || ending || paused) return;
    waiting = setInterval(() => {
      if (ending || paused) { clearInterval(waiting); waiting = undefined; return; }
      if (existsSync(path)) { clearInterval(waiting); waiting = undefined; void open(); }
    }, 500);
  };

  const open = async (): Promise<void> => {
    if (port || paused || ending) return;
    const p = new SerialPort({ path, baudRate: baud, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => p.open((e) => (e ? reject(e) : resolve())));
    } catch (e) {
      const err = portError(path, e);
      // Said once until something changes; the port is tried again every half second.
      if (err.message !== lastProblem) {
        lastProblem = err.message;
        if (err.code === 'PORT_NOT_FOUND') emit({ state: 'gone', message: `no serial port at ${path}; waiting for it to appear` }, `-- no serial port at ${path}; waiting for it to appear --`);
        else emit({ state: 'error', message: `${err.message}; trying again` }, `-- ${err.message}; trying again --`);
      }
      return waitForPort();
    }
    if (paused || ending) { p.close(); return; }
    port = p;
    lastProblem = undefined;
    parser.resetSequence();
    emit({ state: 'open', port: path, baud }, `-- ${path} at ${baud} baud (8N1) --`);
    const lost = (why: string | undefined) => {
      if (port !== p) return; // closed on purpose
      port = undefined;
      clearInterval(watch);
      take(parser.end());
      emit({ state: 'gone', message: `the port ${path} went away${why ? ` (${why})` : ''}: unplugged, reset or the virtual board stopped; waiting for it to come back` },
        `-- the port ${path} went away: waiting for it to come back --`);
      waitForPort();
    };
    p.on('data', (d: Buffer) => take(parser.push(d)));
    p.on('close', (err?: Error & { disconnected?: boolean }) => lost(err?.message));
    // A pty whose other end closed can read as end-of-file forever instead of failing (the
    // serialport binding then rereads without end and never reports it): watch the path too.
    // A USB adapter's /dev node and a virtual board's pty link both vanish with the port.
    const watch = setInterval(() => {
      if (port !== p) return clearInterval(watch);
      if (!existsSync(path)) {
        lost('its device node is gone');
        if (p.isOpen) p.close();
      }
    }, 500);
    p.on('error', (e: Error) => emit({ state: 'error', message: e.message }, `-- ${e.message} --`));
  };

  return new Promise<number>((resolve) => {
    const end = () => {
      if (ending) return;
      ending = true;
      if (waiting) clearInterval(waiting);
      void close().then(() => { emit({ state: 'closed' }, `-- closed ${path} --`); resolve(EXIT.ok); });
    };
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    process.once('SIGHUP', end);
    if (json) {
      // The editor drives pause / resume; stdin closing means the editor went away.
      const rl = createInterface({ input: process.stdin });
      rl.on('line', (l) => {
        const cmd = l.trim();
        if (cmd === 'pause' && !paused) {
          paused = true;
          void close().then(() => emit({ state: 'paused' }, '-- paused --'));
        } else if (cmd === 'resume' && paused) {
          paused = false;
          void open();
        }
      });
      rl.on('close', end);
    }
    void open();
  });
}
