// QEMU for TinyTrain firmware: always under a timeout, always `-icount shift=0` (one guest
// instruction = 1 ns of virtual time, so counters are deterministic), semihosting on (tt_exit
// makes QEMU exit with the program's code). The UART is a unix socket QEMU connects to at
// start-up: the listener exists before QEMU does, so no early byte is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';

export type QemuMachine = 'netduinoplus2' | 'mps2-an500';

export interface QemuOptions {
  machine: QemuMachine;
  /** ELF loaded with -kernel. */
  elf?: string;
  /** Raw image loaded at an address with -device loader (e.g. a flashed image at 0x08000000). */
  bin?: { path: string; address: number };
  /** Hard limit; QEMU is killed (process group) after it. */
  timeoutMs: number;
  qemuBinary?: string;
  extraArgs?: string[];
}

export interface QemuExit {
  /** Exit code (the firmware's tt_exit code under semihosting); null when killed. */
  code: number | null;
  timedOut: boolean;
  /** Killed by stop(). */
  stopped: boolean;
  stderr: string;
  ms: number;
}

export interface QemuEvents { data: [Buffer]; exit: [QemuExit] }

/** A running QEMU with its UART. */
export class QemuInstance extends EventEmitter<QemuEvents> {
  private socket: Socket | undefined;
  private pendingInput: Buffer[] = [];
  private stopped = false;
  private timedOut = false;
  readonly exited: Promise<QemuExit>;
  private readonly t0 = Date.now();

  constructor(private readonly child: ChildProcess, server: Server, private readonly dir: string, timeoutMs: number) {
    super();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { if (stderr.length < 65536) stderr += d.toString(); });
    child.stdout?.on('data', (d: Buffer) => { if (stderr.length < 65536) stderr += d.toString(); });
    const timer = setTimeout(() => { this.timedOut = true; this.killGroup(); }, timeoutMs);
    let socketClosed: Promise<void> = Promise.resolve();
    let connectedResolve!: () => void;
    const connected = new Promise<void>((r) => { connectedResolve = r; });
    server.once('connection', (s) => {
      this.socket = s;
      socketClosed = new Promise<void>((r) => s.once('close', () => r()));
      s.on('data', (d: Buffer) => this.emit('data', d));
      s.on('error', () => {});
      for (const b of this.pendingInput) s.write(b);
      this.pendingInput = [];
      server.close();
      connectedResolve();
    });
    const processExit = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (e) => { stderr += String(e); resolve(null); });
    });
    this.exited = processExit.then(async (code) => {
      clearTimeout(timer);
      // Let the socket drain what QEMU wrote before exiting (it closes with the process).
      await Promise.race([connected.then(() => socketClosed), new Promise((r) => setTimeout(r, 200))]);
      this.socket?.destroy();
      server.close();
      rmSync(this.dir, { recursive: true, force: true });
      const timedOut = this.timedOut || code === 124;
      const exit: QemuExit = { code: timedOut || this.stopped ? null : code, timedOut, stopped: this.stopped, stderr, ms: Date.now() - this.t0 };
      this.emit('exit', exit);
      return exit;
    });
  }

  get pid(): number | undefined { return this.child.pid; }

  /** Bytes to the guest's UART RX. */
  write(bytes: Uint8Array): void {
    const b = Buffer.from(bytes);
    if (this.socket) this.socket.write(b);
    else this.pendingInput.push(b);
  }

  /** Kill QEMU's process group; resolves when it is gone. */
  async stop(): Promise<QemuExit> {
    this.stopped = true;
    this.killGroup();
    return this.exited;
  }

  private killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

/** The QEMU command line for a machine (exported for logs and docs). */
export function qemuArgs(opts: QemuOptions, uartSocket: string): string[] {
  const args = [
    '-M', opts.machine, '-display', 'none', '-monitor', 'none', '-nodefaults', '-no-reboot',
    '-icount', 'shift=0',
    '-semihosting-config', 'enable=on,target=native',
    '-chardev', `socket,id=uart0,path=${uartSocket}`, '-serial', 'chardev:uart0',
  ];
  if (opts.elf) args.push('-kernel', opts.elf);
  if (opts.bin) args.push('-device', `loader,file=${opts.bin.path},addr=0x${opts.bin.address.toString(16)},force-raw=on`);
  if (!opts.elf && !opts.bin) throw new Error('QEMU needs an elf or a bin');
  return [...args, ...(opts.extraArgs ?? [])];
}

/** Start QEMU (in its own process group, under coreutils `timeout` as a second guard). */
export async function startQemu(opts: QemuOptions): Promise<QemuInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'tt-qemu-'));
  const sock = join(dir, 'uart.sock');
  const server = createServer();
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(sock, () => resolve()); });
  const secs = Math.max(1, Math.ceil(opts.timeoutMs / 1000) + 1);
  const child = spawn('timeout', ['-k', '1', String(secs), opts.qemuBinary ?? 'qemu-system-arm', ...qemuArgs(opts, sock)], {
    detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new QemuInstance(child, server, dir, opts.timeoutMs);
}

export interface RunResult extends QemuExit {
  /** Everything the firmware wrote to its UART. */
  uart: Buffer;
}

/** Run a firmware ELF to completion and capture its UART bytes and exit code. */
export async function runFirmware(opts: QemuOptions & { input?: Uint8Array; onData?: (d: Buffer) => void }): Promise<RunResult> {
  const q = await startQemu(opts);
  const chunks: Buffer[] = [];
  q.on('data', (d) => { chunks.push(d); opts.onData?.(d); });
  if (opts.input) q.write(opts.input);
  const exit = await q.exited;
  return { ...exit, uart: Buffer.concat(chunks) };
}
