// The virtual board: a serial port (a pty made by socat) that behaves like an STM32F405 board
// held in its ROM bootloader. The far end of the pty is served by the AN3155 bootloader
// emulator; on Go the flashed image boots in QEMU `netduinoplus2` and the firmware's USART1
// is relayed onto the SAME port. When the firmware exits (or times out) the port is back in
// bootloader mode, so the next flash works like a reset with BOOT0 high.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { An3155Bootloader, type BootloaderFaults, type GoEvent } from '../an3155/bootloader.js';
import { startQemu, type QemuExit, type QemuInstance } from './qemu.js';

export interface VirtualBoardOptions {
  /** Folder for the port link (default: a fresh temp dir, removed on stop). */
  dir?: string;
  /** Name of the user-facing link in `dir` (default "ttyTinyTrain"). */
  linkName?: string;
  /** Kill the firmware after this long (default 10 minutes). */
  firmwareTimeoutMs?: number;
  /** AN3155 product id (default 0x413, STM32F405). */
  pid?: number;
  faults?: BootloaderFaults;
  qemuBinary?: string;
}

export type BoardMode = 'bootloader' | 'firmware';

export interface VirtualBoardEvents {
  /** Firmware started from `address` (image bytes in the event). */
  boot: [GoEvent];
  /** Firmware ended: exit code, timeout. The port is back in bootloader mode. */
  exit: [QemuExit];
  /** Something went wrong inside the board (never thrown). */
  error: [Error];
  log: [string];
}

export class VirtualBoard extends EventEmitter<VirtualBoardEvents> {
  /** The user-facing serial port path (a symlink to a /dev/pts/N). */
  readonly portPath: string;
  readonly bootloader: An3155Bootloader;
  private mode: BoardMode = 'bootloader';
  private qemu: QemuInstance | undefined;
  private stopping = false;
  private readonly ownDir: boolean;
  boots = 0;

  private constructor(
    private readonly dir: string,
    ownDir: boolean,
    portPath: string,
    private readonly socat: ChildProcess,
    private readonly keeperFd: number,
    private readonly devicePort: SerialPort,
    private readonly opts: VirtualBoardOptions,
  ) {
    super();
    this.ownDir = ownDir;
    this.portPath = portPath;
    this.bootloader = new An3155Bootloader((b) => this.toUser(b), { pid: opts.pid, faults: opts.faults });
    this.bootloader.on('go', (g) => void this.boot(g));
    this.bootloader.on('error', (e) => this.emit('error', e));
    devicePort.on('data', (d: Buffer) => {
      if (this.mode === 'bootloader') this.bootloader.feed(d);
      else this.qemu?.write(d);
    });
    devicePort.on('error', (e) => this.emit('error', e));
  }

  /** Create the pty pair and serve it. */
  static async start(opts: VirtualBoardOptions = {}): Promise<VirtualBoard> {
    const ownDir = !opts.dir;
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tt-vboard-'));
    const portPath = join(dir, opts.linkName ?? 'ttyTinyTrain');
    const devPath = portPath + '.device';
    const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${portPath}`, `pty,raw,echo=0,link=${devPath}`], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let socatErr = '';
    socat.stderr?.on('data', (d: Buffer) => { socatErr += d.toString(); });
    const spawnError = new Promise<Error>((resolve) => socat.once('error', (e) => resolve(e)));
    const killSocat = () => { try { if (socat.pid) process.kill(-socat.pid, 'SIGTERM'); } catch { /* gone */ } };
    const deadline = Date.now() + 5000;
    while (!(existsSync(portPath) && existsSync(devPath) && /starting data transfer loop/.test(socatErr))) {
      const e = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20))]);
      if (e) throw new Error(`cannot start socat: ${e.message}`);
      if (socat.exitCode !== null || Date.now() > deadline) {
        killSocat();
        throw new Error(`socat did not create the pty pair: ${socatErr.trim()}`);
      }
    }
    // Hold the user-facing side open (never read): when the user's program closes the port,
    // socat then sees no hang-up and the board stays alive for the next connection.
    const keeperFd = openSync(portPath, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    const devicePort = new SerialPort({ path: devPath, baudRate: 115200, autoOpen: false, lock: false });
    try {
      await new Promise<void>((resolve, reject) => devicePort.open((err) => (err ? reject(err) : resolve())));
    } catch (e) {
      closeSync(keeperFd);
      killSocat();
      throw e;
    }
    return new VirtualBoard(dir, ownDir, portPath, socat, keeperFd, devicePort, opts);
  }

  get currentMode(): BoardMode { return this.mode; }

  /** Change the bootloader's injected faults (tests). */
  setFaults(f: BootloaderFaults): void { this.bootloader.faults = { ...f }; }

  private toUser(b: Uint8Array): void {
    if (this.stopping) return;
    this.devicePort.write(Buffer.from(b));
  }

  private booting: Promise<void> | undefined;
  private resetRequested = false;

  private boot(g: GoEvent): Promise<void> {
    this.booting = this.runFirmware(g).finally(() => { this.booting = undefined; });
    return this.booting;
  }

  private async runFirmware(g: GoEvent): Promise<void> {
    this.mode = 'firmware';
    this.boots++;
    this.emit('log', `Go 0x${g.address.toString(16)}: booting ${g.image.length} bytes in QEMU netduinoplus2`);
    if (g.address !== g.flashBase) {
      this.emit('error', new Error(`Go to 0x${g.address.toString(16)}: the virtual board boots from the flash base 0x${g.flashBase.toString(16)} only`));
    }
    this.emit('boot', g);
    const bin = join(this.dir, `flash-${this.boots}.bin`);
    try {
      writeFileSync(bin, g.image.length ? g.image : Uint8Array.of(0xff, 0xff, 0xff, 0xff));
      const q = await startQemu({ machine: 'netduinoplus2', bin: { path: bin, address: g.flashBase }, timeoutMs: this.opts.firmwareTimeoutMs ?? 600_000, qemuBinary: this.opts.qemuBinary });
      this.qemu = q;
      if (this.stopping || this.resetRequested) void q.stop(); // stop()/reset() came while QEMU was starting
      q.on('data', (d) => this.toUser(d));
      const exit = await q.exited;
      this.emit('log', `firmware exited: code ${exit.code}${exit.timedOut ? ' (timed out)' : ''}`);
      if (exit.code === null && !exit.timedOut && !exit.stopped && exit.stderr) this.emit('error', new Error(`QEMU failed: ${exit.stderr.trim()}`));
      this.finish(exit);
    } catch (e) {
      this.emit('error', e as Error);
      this.finish({ code: null, timedOut: false, stopped: false, stderr: String(e), ms: 0 });
    } finally {
      rmSync(bin, { force: true });
    }
  }

  private finish(exit: QemuExit): void {
    this.qemu = undefined;
    this.mode = 'bootloader';
    if (!this.stopping) this.bootloader.reset();
    this.emit('exit', exit);
  }

  /** Kill the firmware (if running) and return to bootloader mode, like a reset with BOOT0 high. */
  async reset(): Promise<void> {
    const q = this.qemu;
    if (q) await q.stop();
    else if (this.booting) {
      this.resetRequested = true;
      await this.booting;
    } else this.bootloader.reset();
    this.resetRequested = false;
  }

  /** Stop everything: QEMU, the port, socat; remove the temp dir. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.qemu) await this.qemu.stop();
    if (this.booting) await this.booting;
    await new Promise<void>((resolve) => (this.devicePort.isOpen ? this.devicePort.close(() => resolve()) : resolve()));
    try { closeSync(this.keeperFd); } catch { /* closed */ }
    const exited = new Promise<void>((r) => (this.socat.exitCode !== null || this.socat.signalCode !== null ? r() : this.socat.once('exit', () => r())));
    try { if (this.socat.pid) process.kill(-this.socat.pid, 'SIGTERM'); } catch { /* gone */ }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    try { if (this.socat.pid) process.kill(-this.socat.pid, 'SIGKILL'); } catch { /* gone */ }
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** start(): the virtual board's port path and a stop(). */
export async function start(opts: VirtualBoardOptions = {}): Promise<VirtualBoard> {
  return VirtualBoard.start(opts);
}
