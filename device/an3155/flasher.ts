// HOST side of AN3155: flash an image into an STM32 through its ROM bootloader over a serial
// port (8E1, 0x7F sync, Get, Get ID, Extended Erase of only the sectors needed, Write Memory
// in 256-byte chunks, read-back verify, Go). The protocol runs over a ByteLink so it can be
// driven over a `serialport` SerialPort (flash()) or any byte stream (tests).
import { SerialPort } from 'serialport';
import { ACK, NACK, SYNC, Cmd, CHIPS, FLASH_BASE, sectorsFor, xor, addrBytes } from './protocol.js';

export type FlasherErrorCode =
  | 'NO_ANSWER' | 'NACK' | 'VERIFY_MISMATCH' | 'PORT_BUSY' | 'PERMISSION_DENIED' | 'PORT_NOT_FOUND'
  | 'PORT_ERROR' | 'UNSUPPORTED' | 'IMAGE' | 'PROTOCOL';

export class FlasherError extends Error {
  constructor(readonly code: FlasherErrorCode, message: string, readonly details: { address?: number; command?: number; hint?: string; cause?: unknown } = {}) {
    super(details.hint ? `${message} (${details.hint})` : message);
    this.name = 'FlasherError';
  }
}

export type FlashPhase = 'connect' | 'erase' | 'write' | 'verify' | 'go';
export interface FlashProgress { phase: FlashPhase; done: number; total: number }

/** A byte stream the protocol runs over. */
export interface ByteLink {
  write(bytes: Uint8Array): Promise<void>;
  /** Exactly n bytes, or FlasherError('NO_ANSWER') after timeoutMs without them. */
  read(n: number, timeoutMs: number): Promise<Uint8Array>;
  /** Forget bytes received so far (stale output from a running firmware). */
  discardInput(): void;
}

/** ByteLink over callbacks: give it a writer, call push() with incoming data. */
export class StreamLink implements ByteLink {
  private buf: number[] = [];
  private wake: (() => void) | undefined;
  private closedWith: Error | undefined;
  constructor(private readonly writer: (bytes: Uint8Array) => Promise<void> | void) {}
  push(data: Uint8Array): void {
    for (const b of data) this.buf.push(b);
    this.wake?.();
  }
  /** Fail pending and future reads (port closed). */
  close(err: Error): void { this.closedWith = err; this.wake?.(); }
  async write(bytes: Uint8Array): Promise<void> { await this.writer(bytes); }
  discardInput(): void { this.buf = []; }
  /** Take whatever has been received and not read. */
  drain(): Uint8Array { return Uint8Array.from(this.buf.splice(0, this.buf.length)); }
  async read(n: number, timeoutMs: number): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      if (this.closedWith) throw this.closedWith;
      const left = deadline - Date.now();
      if (left <= 0) throw new FlasherError('NO_ANSWER', `no answer from the bootloader within ${timeoutMs} ms (got ${this.buf.length} of ${n} bytes)`, { hint: 'is the board in bootloader mode (BOOT0 high, then reset)?' });
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.wake = undefined; resolve(); }, left);
        this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
      });
    }
    return Uint8Array.from(this.buf.splice(0, n));
  }
}

export interface ClientOptions {
  /** Timeout for an ordinary answer (default 1000 ms). */
  timeoutMs?: number;
  /** Timeout for an erase answer (default 30 s: a 128 KB sector takes ~1-2 s on a real chip). */
  eraseTimeoutMs?: number;
}

/** The AN3155 commands, one method each. */
export class An3155Client {
  private readonly timeout: number;
  private readonly eraseTimeout: number;
  constructor(private readonly link: ByteLink, opts: ClientOptions = {}) {
    this.timeout = opts.timeoutMs ?? 1000;
    this.eraseTimeout = opts.eraseTimeoutMs ?? 30_000;
  }

  private async ack(what: string, command: number, timeout = this.timeout, address?: number): Promise<void> {
    const [b] = await this.link.read(1, timeout);
    if (b === ACK) return;
    if (b === NACK) throw new FlasherError('NACK', `bootloader refused ${what}`, { command, address });
    throw new FlasherError('PROTOCOL', `unexpected byte 0x${b.toString(16)} answering ${what}`, { command, address });
  }

  private async cmd(c: number, what: string): Promise<void> {
    await this.link.write(Uint8Array.of(c, c ^ 0xff));
    await this.ack(what, c);
  }

  /** 0x7F autobaud sync; a NACK means the bootloader was already synchronised. */
  async sync(attempts = 3): Promise<void> {
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      this.link.discardInput();
      await this.link.write(Uint8Array.of(SYNC));
      try {
        const [b] = await this.link.read(1, this.timeout);
        if (b === ACK || b === NACK) return;
        last = new FlasherError('PROTOCOL', `unexpected byte 0x${b.toString(16)} answering the 0x7F sync`);
      } catch (e) { last = e; }
    }
    if (last instanceof FlasherError && last.code === 'NO_ANSWER') {
      throw new FlasherError('NO_ANSWER', `no answer to the 0x7F sync after ${attempts} tries`, { hint: 'put the board in its ROM bootloader: BOOT0 high, then reset; check TX/RX wiring and 8E1' });
    }
    throw last;
  }

  async get(): Promise<{ version: number; commands: number[] }> {
    await this.cmd(Cmd.GET, 'Get');
    const [n] = await this.link.read(1, this.timeout);
    const rest = await this.link.read(n + 1, this.timeout);
    await this.ack('Get (end)', Cmd.GET);
    return { version: rest[0], commands: [...rest.subarray(1)] };
  }

  async getVersion(): Promise<number> {
    await this.cmd(Cmd.GET_VERSION, 'Get Version');
    const b = await this.link.read(3, this.timeout);
    await this.ack('Get Version (end)', Cmd.GET_VERSION);
    return b[0];
  }

  async getId(): Promise<number> {
    await this.cmd(Cmd.GET_ID, 'Get ID');
    const [n] = await this.link.read(1, this.timeout);
    const id = await this.link.read(n + 1, this.timeout);
    await this.ack('Get ID (end)', Cmd.GET_ID);
    return id.reduce((a, b) => (a << 8) | b, 0);
  }

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    if (length < 1 || length > 256) throw new RangeError('read length must be 1..256');
    await this.cmd(Cmd.READ_MEMORY, 'Read Memory');
    await this.link.write(Uint8Array.from(addrBytes(address)));
    await this.ack(`Read Memory address 0x${address.toString(16)}`, Cmd.READ_MEMORY, this.timeout, address);
    await this.link.write(Uint8Array.of(length - 1, (length - 1) ^ 0xff));
    await this.ack('Read Memory length', Cmd.READ_MEMORY, this.timeout, address);
    return this.link.read(length, this.timeout);
  }

  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    if (data.length < 1 || data.length > 256) throw new RangeError('write length must be 1..256');
    await this.cmd(Cmd.WRITE_MEMORY, 'Write Memory');
    await this.link.write(Uint8Array.from(addrBytes(address)));
    await this.ack(`Write Memory address 0x${address.toString(16)}`, Cmd.WRITE_MEMORY, this.timeout, address);
    const n = data.length - 1;
    const frame = new Uint8Array(data.length + 2);
    frame[0] = n;
    frame.set(data, 1);
    frame[data.length + 1] = xor(data, n);
    await this.link.write(frame);
    await this.ack(`Write Memory of ${data.length} bytes at 0x${address.toString(16)}`, Cmd.WRITE_MEMORY, this.timeout, address);
  }

  /** Extended Erase (0x44) of the given sectors ("pages"), or 'mass'. */
  async extendedErase(sectors: number[] | 'mass'): Promise<void> {
    await this.cmd(Cmd.EXTENDED_ERASE, 'Extended Erase');
    let body: number[];
    if (sectors === 'mass') body = [0xff, 0xff];
    else {
      if (!sectors.length) throw new RangeError('no sectors to erase');
      const n = sectors.length - 1;
      body = [n >> 8, n & 0xff, ...sectors.flatMap((s) => [s >> 8, s & 0xff])];
    }
    await this.link.write(Uint8Array.from([...body, xor(body)]));
    await this.ack(`Extended Erase of ${sectors === 'mass' ? 'all sectors' : 'sectors ' + sectors.join(',')}`, Cmd.EXTENDED_ERASE, this.eraseTimeout);
  }

  async go(address: number): Promise<void> {
    await this.cmd(Cmd.GO, 'Go');
    await this.link.write(Uint8Array.from(addrBytes(address)));
    await this.ack(`Go 0x${address.toString(16)}`, Cmd.GO, this.timeout, address);
  }
}

export interface FlashImageOptions extends ClientOptions {
  image: Uint8Array;
  /** Where the image goes (default 0x08000000). */
  address?: number;
  /** Sector sizes from the flash base; default from the chip's Get ID. */
  sectors?: readonly number[];
  verify?: boolean;
  /** Jump to `address` after writing (default true). */
  go?: boolean;
  onProgress?: (p: FlashProgress) => void;
}

export interface FlashResult {
  pid: number;
  bootloaderVersion: number;
  commands: number[];
  sectorsErased: number[];
  bytesWritten: number;
  verified: boolean;
  started: boolean;
  ms: number;
  /** Image bytes per second over erase + write + verify. */
  bytesPerSecond: number;
  /**
   * flash() only: bytes the started firmware sent before the port was closed (feed them to
   * the telemetry parser first so an early HELLO is not lost).
   */
  afterGo?: Uint8Array;
}

/** Pad to a multiple of 4 with 0xFF (flash is written in words). */
export function padImage(image: Uint8Array): Uint8Array {
  const n = (image.length + 3) & ~3;
  if (n === image.length) return image;
  const out = new Uint8Array(n).fill(0xff);
  out.set(image);
  return out;
}

/** The whole flashing sequence over a link. */
export async function flashImage(link: ByteLink, opts: FlashImageOptions): Promise<FlashResult> {
  const t0 = Date.now();
  const address = opts.address ?? FLASH_BASE;
  if (address % 4 !== 0) throw new FlasherError('IMAGE', `address 0x${address.toString(16)} is not 4-byte aligned`);
  if (!opts.image.length) throw new FlasherError('IMAGE', 'empty image');
  const image = padImage(opts.image);
  const progress = opts.onProgress ?? (() => {});
  const c = new An3155Client(link, opts);
  progress({ phase: 'connect', done: 0, total: 1 });
  await c.sync();
  const { version, commands } = await c.get();
  const pid = await c.getId();
  progress({ phase: 'connect', done: 1, total: 1 });
  const chip = CHIPS[pid];
  const sectorMap = opts.sectors ?? chip?.sectors;
  let erased: number[] = [];
  const inFlash = address >= FLASH_BASE && address < FLASH_BASE + 0x1000000;
  if (inFlash) {
    if (!sectorMap) throw new FlasherError('UNSUPPORTED', `unknown chip PID 0x${pid.toString(16)}: pass its sector map`);
    if (!commands.includes(Cmd.EXTENDED_ERASE)) throw new FlasherError('UNSUPPORTED', 'bootloader has no Extended Erase (0x44); this flasher supports F2/F4/F7 class parts only');
    try { erased = sectorsFor(address, image.length, sectorMap); } catch (e) { throw new FlasherError('IMAGE', (e as Error).message); }
    progress({ phase: 'erase', done: 0, total: erased.length });
    await c.extendedErase(erased);
    progress({ phase: 'erase', done: erased.length, total: erased.length });
  }
  for (let off = 0; off < image.length; off += 256) {
    await c.writeMemory(address + off, image.subarray(off, Math.min(off + 256, image.length)));
    progress({ phase: 'write', done: Math.min(off + 256, image.length), total: image.length });
  }
  const verify = opts.verify ?? true;
  if (verify) {
    for (let off = 0; off < image.length; off += 256) {
      const want = image.subarray(off, Math.min(off + 256, image.length));
      const got = await c.readMemory(address + off, want.length);
      for (let i = 0; i < want.length; i++) {
        if (got[i] !== want[i]) {
          const at = address + off + i;
          throw new FlasherError('VERIFY_MISMATCH', `verify failed at 0x${at.toString(16)}: wrote 0x${want[i].toString(16).padStart(2, '0')}, read 0x${got[i].toString(16).padStart(2, '0')}`, { address: at });
        }
      }
      progress({ phase: 'verify', done: Math.min(off + 256, image.length), total: image.length });
    }
  }
  const ms = Date.now() - t0;
  const go = opts.go ?? true;
  if (go) {
    progress({ phase: 'go', done: 0, total: 1 });
    await c.go(address);
    progress({ phase: 'go', done: 1, total: 1 });
  }
  return {
    pid, bootloaderVersion: version, commands, sectorsErased: erased, bytesWritten: image.length, verified: verify, started: go,
    ms: Date.now() - t0, bytesPerSecond: Math.round(image.length / Math.max(ms, 1) * 1000),
  };
}

export interface FlashOptions extends FlashImageOptions {
  /** Serial port path (/dev/ttyUSB0, a pty, ...). */
  path: string;
  baudRate?: number;
  /**
   * Optional reset-into-bootloader with DTR/RTS (DTR -> RESET, RTS -> BOOT0 as on many
   * USB-serial adapters). Fails silently on ports without modem lines (ptys).
   */
  dtrRtsReset?: boolean;
}

/** Map a `serialport` open error to a typed FlasherError. */
export function portError(path: string, e: unknown): FlasherError {
  const msg = (e as Error)?.message ?? String(e);
  if (/permission denied|EACCES/i.test(msg)) {
    return new FlasherError('PERMISSION_DENIED', `permission denied opening ${path}`, { cause: e, hint: 'add yourself to the dialout group (sudo usermod -aG dialout $USER) and log in again' });
  }
  if (/cannot lock port|resource temporarily unavailable|EBUSY|EAGAIN|busy/i.test(msg)) {
    return new FlasherError('PORT_BUSY', `${path} is in use by another program`, { cause: e, hint: 'close serial monitors (screen, minicom, another TinyTrain monitor) first' });
  }
  if (/no such file|ENOENT|not found/i.test(msg)) return new FlasherError('PORT_NOT_FOUND', `no serial port at ${path}`, { cause: e });
  if (/ioctl|baud/i.test(msg)) {
    return new FlasherError('PORT_ERROR', `${path} does not take this serial speed (${msg})`, { cause: e, hint: 'leave out --baud (115200) or give a standard speed such as 57600 or 230400; a pty (the virtual board) takes standard speeds only' });
  }
  return new FlasherError('PORT_ERROR', `cannot use ${path}: ${msg}`, { cause: e });
}

/** Open `path` 8E1 and flash. The port is always closed afterwards. */
export async function flash(opts: FlashOptions): Promise<FlashResult> {
  const port = new SerialPort({ path: opts.path, baudRate: opts.baudRate ?? 115200, dataBits: 8, parity: 'even', stopBits: 1, autoOpen: false, lock: true });
  const link = new StreamLink((b) => new Promise<void>((resolve, reject) => {
    port.write(Buffer.from(b), (err) => (err ? reject(portError(opts.path, err)) : resolve()));
  }));
  port.on('data', (d: Buffer) => link.push(d));
  port.on('error', (e: Error) => link.close(portError(opts.path, e)));
  port.on('close', () => link.close(new FlasherError('PORT_ERROR', `${opts.path} closed during flashing`)));
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(portError(opts.path, err)) : resolve())));
  try {
    await new Promise<void>((resolve) => port.flush(() => resolve()));
    if (opts.dtrRtsReset) await dtrRtsBootReset(port);
    const result = await flashImage(link, opts);
    await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    if (result.started) result.afterGo = link.drain();
    return result;
  } finally {
    await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
  }
}

async function dtrRtsBootReset(port: SerialPort): Promise<void> {
  const set = (o: { dtr?: boolean; rts?: boolean }) => new Promise<void>((resolve) => port.set(o, () => resolve()));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await set({ rts: true, dtr: true }); // BOOT0 high, RESET low
  await sleep(50);
  await set({ rts: true, dtr: false }); // release RESET with BOOT0 high
  await sleep(100);
  await new Promise<void>((resolve) => port.flush(() => resolve()));
}
