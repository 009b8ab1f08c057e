// DEVICE side of AN3155: an emulator of the STM32 ROM bootloader. Bytes from the host go in
// through feed(); answers go out through the `write` callback. It keeps flash (erased =
// 0xFF; programming a non-erased byte to a different value is refused, as on the chip) and
// RAM in memory, and emits 'go' with the address and the flashed image. Faults can be
// injected for tests (NACK a write, corrupt a stored byte, stay silent).
import { EventEmitter } from 'node:events';
import { ACK, NACK, SYNC, Cmd, CHIPS, xor } from './protocol.js';

export interface BootloaderFaults {
  /** NACK the n-th (1-based) Write Memory data block counted from when the faults were set. */
  nackWriteBlock?: number;
  /** Store this flash address with one bit flipped (read-back verify then differs). */
  corruptAddress?: number;
  /** Answer nothing (a board that is not in bootloader mode). */
  silent?: boolean;
}

export interface BootloaderOptions {
  /** Product id for Get ID (0x413 STM32F405 default, 0x449 STM32F746). */
  pid?: number;
  /** Bootloader version byte (default 0x31). */
  version?: number;
  faults?: BootloaderFaults;
}

export interface GoEvent {
  address: number;
  /** Flash contents from flashBase up to the last programmed byte (rounded up to 4). */
  image: Uint8Array;
  flashBase: number;
}

export interface BootloaderEvents {
  go: [GoEvent];
  command: [number];
  error: [Error];
}

const COMMANDS = [Cmd.GET, Cmd.GET_VERSION, Cmd.GET_ID, Cmd.READ_MEMORY, Cmd.GO, Cmd.WRITE_MEMORY, Cmd.EXTENDED_ERASE];

export class An3155Bootloader extends EventEmitter<BootloaderEvents> {
  readonly pid: number;
  readonly version: number;
  readonly flashBase: number;
  readonly sectors: readonly number[];
  readonly flash: Uint8Array;
  readonly ramBase: number;
  readonly ram: Uint8Array;
  private _faults: BootloaderFaults = {};
  private faultWrites = 0;
  /** Statistics for tests and logs. */
  readonly counts = { commands: 0, writes: 0, reads: 0, erasedSectors: 0, nacks: 0 };
  private queue: number[] = [];
  private qpos = 0;
  private waiter: (() => void) | undefined;
  private synced = false;
  private running = false;
  private highWater = 0;
  private epoch = 0;

  constructor(private readonly write: (bytes: Uint8Array) => void, opts: BootloaderOptions = {}) {
    super();
    this.pid = opts.pid ?? 0x413;
    const chip = CHIPS[this.pid];
    if (!chip) throw new Error(`unknown STM32 PID 0x${this.pid.toString(16)}`);
    this.version = opts.version ?? 0x31;
    this.flashBase = chip.flashBase;
    this.sectors = chip.sectors;
    this.flash = new Uint8Array(chip.sectors.reduce((a, b) => a + b, 0)).fill(0xff);
    this.ramBase = chip.ramBase;
    this.ram = new Uint8Array(chip.ramBytes);
    this.faults = opts.faults ?? {};
    void this.loop(this.epoch);
  }

  /** Injected faults (tests); setting them restarts the write count for nackWriteBlock. */
  get faults(): BootloaderFaults { return this._faults; }
  set faults(f: BootloaderFaults) { this._faults = { ...f }; this.faultWrites = 0; }

  /** Bytes from the host. */
  feed(bytes: Uint8Array): void {
    if (this.running) return;
    for (const b of bytes) this.queue.push(b);
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Back to "reset into bootloader": waits for 0x7F again; flash contents are kept. */
  reset(): void {
    this.epoch++;
    this.queue = [];
    this.qpos = 0;
    this.synced = false;
    this.running = false;
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
    void this.loop(this.epoch);
  }

  /** The programmed image (flash base .. last programmed byte). */
  image(): Uint8Array {
    return this.flash.slice(0, (this.highWater + 3) & ~3);
  }

  private async byte(epoch: number): Promise<number> {
    for (;;) {
      if (epoch !== this.epoch) throw new Stale();
      if (this.qpos < this.queue.length) {
        const b = this.queue[this.qpos++];
        if (this.qpos > 4096) { this.queue = this.queue.slice(this.qpos); this.qpos = 0; }
        return b;
      }
      await new Promise<void>((r) => { this.waiter = r; });
    }
  }

  private async bytes(n: number, epoch: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await this.byte(epoch));
    return out;
  }

  private send(...b: number[]): void {
    if (this.faults.silent) return;
    this.write(Uint8Array.from(b));
  }

  private nack(): void {
    this.counts.nacks++;
    this.send(NACK);
  }

  private async loop(epoch: number): Promise<void> {
    try {
      for (;;) {
        const b = await this.byte(epoch);
        if (this.faults.silent) continue;
        if (!this.synced) {
          if (b === SYNC) { this.synced = true; this.send(ACK); }
          continue;
        }
        const c = await this.byte(epoch);
        if ((b ^ c) !== 0xff) { this.nack(); continue; }
        this.counts.commands++;
        this.emit('command', b);
        await this.command(b, epoch);
        if (this.running) return;
      }
    } catch (e) {
      if (!(e instanceof Stale)) this.emit('error', e as Error);
    }
  }

  private async address(epoch: number): Promise<number | undefined> {
    const a = await this.bytes(5, epoch);
    if (xor(a.slice(0, 4)) !== a[4]) { this.nack(); return undefined; }
    return ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
  }

  /** [memory, offset] for a range, or undefined when it is not all in flash or RAM. */
  private region(addr: number, len: number): [Uint8Array, number, 'flash' | 'ram'] | undefined {
    if (addr >= this.flashBase && addr + len <= this.flashBase + this.flash.length) return [this.flash, addr - this.flashBase, 'flash'];
    if (addr >= this.ramBase && addr + len <= this.ramBase + this.ram.length) return [this.ram, addr - this.ramBase, 'ram'];
    return undefined;
  }

  private async command(cmd: number, epoch: number): Promise<void> {
    switch (cmd) {
      case Cmd.GET:
        this.send(ACK, COMMANDS.length, this.version, ...COMMANDS, ACK);
        return;
      case Cmd.GET_VERSION:
        this.send(ACK, this.version, 0x00, 0x00, ACK);
        return;
      case Cmd.GET_ID:
        this.send(ACK, 0x01, this.pid >> 8, this.pid & 0xff, ACK);
        return;
      case Cmd.READ_MEMORY: {
        this.send(ACK);
        const addr = await this.address(epoch);
        if (addr === undefined) return;
        this.send(ACK);
        const [n, nc] = await this.bytes(2, epoch);
        if ((n ^ nc) !== 0xff) { this.nack(); return; }
        const r = this.region(addr, n + 1);
        if (!r) { this.nack(); return; }
        this.counts.reads++;
        this.send(ACK, ...r[0].subarray(r[1], r[1] + n + 1));
        return;
      }
      case Cmd.GO: {
        this.send(ACK);
        const addr = await this.address(epoch);
        if (addr === undefined) return;
        if (!this.region(addr, 4)) { this.nack(); return; }
        this.send(ACK);
        this.running = true;
        this.emit('go', { address: addr, image: this.image(), flashBase: this.flashBase });
        return;
      }
      case Cmd.WRITE_MEMORY: {
        this.send(ACK);
        const addr = await this.address(epoch);
        if (addr === undefined) return;
        this.send(ACK);
        const n = await this.byte(epoch);
        const data = await this.bytes(n + 1, epoch);
        const sum = await this.byte(epoch);
        this.counts.writes++;
        if (this.faults.nackWriteBlock === ++this.faultWrites) { this.nack(); return; }
        if (xor(data, n) !== sum) { this.nack(); return; }
        const r = this.region(addr, n + 1);
        if (!r) { this.nack(); return; }
        const [mem, off, kind] = r;
        if (kind === 'flash') {
          if (addr % 4 !== 0 || (n + 1) % 4 !== 0) { this.nack(); return; }
          // Flash bits only go 1 -> 0 without an erase: refuse to program a non-erased byte.
          for (let i = 0; i < data.length; i++) if (mem[off + i] !== 0xff && mem[off + i] !== data[i]) { this.nack(); return; }
          for (let i = 0; i < data.length; i++) {
            let v = data[i];
            if (this.faults.corruptAddress === addr + i) v ^= 0x10;
            mem[off + i] = v;
          }
          this.highWater = Math.max(this.highWater, off + data.length);
        } else mem.set(data, off);
        this.send(ACK);
        return;
      }
      case Cmd.EXTENDED_ERASE: {
        this.send(ACK);
        const nb = await this.bytes(2, epoch);
        const n = (nb[0] << 8) | nb[1];
        if (n >= 0xfff0) {
          const sum = await this.byte(epoch);
          if (xor(nb) !== sum || n !== 0xffff) { this.nack(); return; } // mass erase only (no banks)
          this.flash.fill(0xff);
          this.highWater = 0;
          this.counts.erasedSectors += this.sectors.length;
          this.send(ACK);
          return;
        }
        const pages = await this.bytes(2 * (n + 1), epoch);
        const sum = await this.byte(epoch);
        if (xor(pages, xor(nb)) !== sum) { this.nack(); return; }
        const list: number[] = [];
        for (let i = 0; i < pages.length; i += 2) list.push((pages[i] << 8) | pages[i + 1]);
        if (list.some((s) => s >= this.sectors.length)) { this.nack(); return; }
        for (const s of list) {
          const start = this.sectors.slice(0, s).reduce((a, b) => a + b, 0);
          this.flash.fill(0xff, start, start + this.sectors[s]);
          this.counts.erasedSectors++;
        }
        let hw = this.highWater;
        while (hw > 0 && this.flash[hw - 1] === 0xff) hw--;
        this.highWater = hw;
        this.send(ACK);
        return;
      }
      default:
        this.nack();
    }
  }
}

class Stale extends Error {}
