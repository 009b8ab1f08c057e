// NumPy .npy arrays (format versions 1-3, C order, little-endian): the sample files
// `tinytrain infer --input` reads, and what tests exchange with Python oracles.

export type NpyDtype = 'int8' | 'uint8' | 'int32' | 'float32';
export type NpyData = Int8Array | Uint8Array | Int32Array | Float32Array;
export interface NpyArray { dtype: NpyDtype; shape: number[]; data: NpyData }

const DESCR: Record<string, NpyDtype> = { '|i1': 'int8', '<i1': 'int8', 'i1': 'int8', '|u1': 'uint8', '<u1': 'uint8', 'u1': 'uint8', '<i4': 'int32', '<f4': 'float32' };
const WRITE_DESCR: Record<NpyDtype, string> = { int8: '|i1', uint8: '|u1', int32: '<i4', float32: '<f4' };
const BYTES: Record<NpyDtype, number> = { int8: 1, uint8: 1, int32: 4, float32: 4 };

/** Parses a .npy file; a malformed one gives a message saying what is wrong. */
export function readNpy(bytes: Uint8Array): { array?: NpyArray; error?: string } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) return { error: 'not a NumPy .npy file (no \\x93NUMPY magic)' };
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : bytes.length >= 12 ? dv.getUint32(8, true) : -1;
  const start = major === 1 ? 10 : 12;
  if (major < 1 || major > 3 || headerLen < 0 || start + headerLen > bytes.length) return { error: `unsupported or damaged .npy header (version ${major})` };
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return { error: 'the .npy header lacks descr, fortran_order or shape' };
  const dtype = DESCR[descr];
  if (!dtype) return { error: `.npy dtype ${descr} is not supported (int8, uint8, int32 or float32)` };
  if (fortran === 'True') return { error: '.npy array is in Fortran order; save it in C order' };
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) return { error: `.npy shape (${shapeText}) is not a list of sizes` };
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < count * BYTES[dtype]) return { error: `.npy data is ${bytes.length - dataStart} bytes, shape (${shape.join(', ')}) of ${dtype} needs ${count * BYTES[dtype]}` };
  const copy = new Uint8Array(bytes.subarray(dataStart, dataStart + count * BYTES[dtype])); // a copy (Buffer.slice would share memory)
  const data = dtype === 'int8' ? new Int8Array(copy.buffer) : dtype === 'uint8' ? copy : dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
  return { array: { dtype, shape, data } };
}

export function writeNpy(a: NpyArray): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${WRITE_DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, header.length, true);
  head.set(new TextEncoder().encode(header), 10);
  const body = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
