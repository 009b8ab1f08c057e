// Sizes (`256KB`, `1MB`, `1.5 KB`) and ratios (`0.25`, `1/8`) as the config language writes them.

const UNIT: Record<string, number> = { B: 1, KB: 1024, MB: 1024 * 1024 };

/** Parses a size with a unit; returns bytes, or an error message saying what would be right. */
export function parseSize(value: unknown): { bytes: number } | { error: string } {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value > 0) return { bytes: value };
    return { error: `a size must be a positive number of bytes or a string like 256KB; got ${value}` };
  }
  if (typeof value !== 'string') return { error: 'a size must be written like 256KB, 1MB or 4096B' };
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|KiB|MiB)?\s*$/i.exec(value);
  if (!m) return { error: `'${value}' is not a size; write it like 256KB, 1MB or 4096B (1 KB = 1024 B)` };
  const unit = (m[2] ?? 'B').toUpperCase().replace('IB', 'B');
  const bytes = Math.round(parseFloat(m[1]) * UNIT[unit]);
  if (!(bytes > 0)) return { error: `a size must be more than 0; got '${value}'` };
  if (bytes > 1 << 30) return { error: `'${value}' is larger than any microcontroller memory this tool plans for (1 GB at most)` };
  return { bytes };
}

/** Parses a ratio written as a number or as `a/b`. Range checks are the caller's. */
export function parseRatio(value: unknown): { ratio: number } | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { error: `a ratio must be a finite number between 0 and 1; got ${value}` };
    return { ratio: value };
  }
  if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
    if (m) {
      const b = Number(m[2]);
      if (b === 0) return { error: `'${value}' divides by zero; write a fraction like 1/8` };
      return { ratio: Number(m[1]) / b };
    }
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n)) return { ratio: n };
  }
  return { error: `a ratio must be a number in (0, 1] or a fraction like 1/8; got ${JSON.stringify(value)}` };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(2)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}
