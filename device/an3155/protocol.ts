// ST AN3155 (STM32 ROM bootloader over USART) constants and flash sector maps.
export const ACK = 0x79;
export const NACK = 0x1f;
export const SYNC = 0x7f;

export const Cmd = {
  GET: 0x00,
  GET_VERSION: 0x01,
  GET_ID: 0x02,
  READ_MEMORY: 0x11,
  GO: 0x21,
  WRITE_MEMORY: 0x31,
  ERASE: 0x43,
  EXTENDED_ERASE: 0x44,
} as const;

const KB = 1024;
/** STM32F40x/41x (PID 0x413), 1 MB: 4 x 16 KB, 64 KB, 7 x 128 KB. */
export const STM32F4_SECTORS: readonly number[] = [16 * KB, 16 * KB, 16 * KB, 16 * KB, 64 * KB, ...Array<number>(7).fill(128 * KB)];
/** STM32F74x/75x (PID 0x449), 1 MB: 4 x 32 KB, 128 KB, 3 x 256 KB. */
export const STM32F7_SECTORS: readonly number[] = [32 * KB, 32 * KB, 32 * KB, 32 * KB, 128 * KB, 256 * KB, 256 * KB, 256 * KB];

export const FLASH_BASE = 0x08000000;

export interface ChipInfo { pid: number; name: string; flashBase: number; sectors: readonly number[]; ramBase: number; ramBytes: number }

export const CHIPS: Readonly<Record<number, ChipInfo>> = {
  0x413: { pid: 0x413, name: 'STM32F40x/41x', flashBase: FLASH_BASE, sectors: STM32F4_SECTORS, ramBase: 0x20000000, ramBytes: 128 * KB },
  0x449: { pid: 0x449, name: 'STM32F74x/75x', flashBase: FLASH_BASE, sectors: STM32F7_SECTORS, ramBase: 0x20000000, ramBytes: 320 * KB },
};

/** Sector numbers covering [address, address + length) of a flash starting at `base`. */
export function sectorsFor(address: number, length: number, sectors: readonly number[], base = FLASH_BASE): number[] {
  const out: number[] = [];
  let start = base;
  const end = address + length;
  sectors.forEach((size, i) => {
    if (start < end && start + size > address) out.push(i);
    start += size;
  });
  const total = sectors.reduce((a, b) => a + b, 0);
  if (length > 0 && (address < base || end > base + total)) throw new RangeError(`0x${address.toString(16)}+${length} is outside the flash (0x${base.toString(16)}, ${total} bytes)`);
  return out;
}

export const xor = (bytes: ArrayLike<number>, init = 0): number => {
  let x = init;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i];
  return x & 0xff;
};

export const addrBytes = (a: number): number[] => {
  const b = [(a >>> 24) & 0xff, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff];
  return [...b, xor(b)];
};
