// FNV-1a (32 bit): the one short, stable hash of the compiler (model hash in HELLO, network keys).
// Strings are hashed as UTF-8 bytes.

export function fnv1a(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let h = 0x811c9dc5;
  for (const b of bytes) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}
