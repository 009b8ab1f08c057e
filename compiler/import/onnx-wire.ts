// An .onnx file patched at the protobuf wire level: named initializers get new data (and dims),
// named values get a new last dimension; every other byte of the file is copied as it was, so
// fields TinyTrain's reading schema (onnx.ts) leaves out survive an export. Field numbers are
// onnx.proto's (../shared/reference/model-formats.md section 6).

import protobuf from 'protobufjs';

export interface InitializerPatch {
  /** The new contents, little-endian, written as raw_data. */
  data: Uint8Array;
  /** New dims (absent: the initializer keeps its own). */
  dims?: number[];
}

/** One field of a message: its number, wire type, where it lies, and for a length-delimited one its body. */
interface Field { no: number; wire: number; start: number; end: number; body?: Uint8Array }

const MODEL = { graph: 7 };
const GRAPH = { initializer: 5, input: 11, output: 12, valueInfo: 13 };
const TENSOR = { dims: 1, name: 8, rawData: 9, dataFields: new Set([4, 5, 6, 7, 9, 10, 11, 13]) };
const VALUE_INFO = { name: 1, type: 2 };
const TYPE = { tensorType: 1 };
const TENSOR_TYPE = { shape: 2 };
const SHAPE = { dim: 1 };
const DIMENSION = { value: 1 };

function fieldsOf(buf: Uint8Array): Field[] {
  const r = protobuf.Reader.create(buf);
  const out: Field[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const no = tag >>> 3, wire = tag & 7;
    if (wire === 2) {
      const len = r.uint32();
      const b0 = r.pos;
      r.skip(len);
      out.push({ no, wire, start, end: r.pos, body: buf.subarray(b0, b0 + len) });
    } else {
      r.skipType(wire);
      out.push({ no, wire, start, end: r.pos });
    }
  }
  return out;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const lengthDelimited = (no: number, body: Uint8Array): Uint8Array => protobuf.Writer.create().uint32((no << 3) | 2).bytes(body).finish();
const text = (b: Uint8Array | undefined): string => (b ? new TextDecoder().decode(b) : '');

/** Copies a message, giving each length-delimited field `edit` a chance to replace its body (or drop it: null). */
function rewrite(buf: Uint8Array, edit: (f: Field) => Uint8Array | null | undefined, append: Uint8Array[] = []): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fieldsOf(buf)) {
    const body = f.body ? edit(f) : undefined;
    if (body === null) continue;
    parts.push(body === undefined ? buf.subarray(f.start, f.end) : lengthDelimited(f.no, body));
  }
  return concat([...parts, ...append]);
}

function patchTensor(buf: Uint8Array, p: InitializerPatch): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fieldsOf(buf)) {
    if (TENSOR.dataFields.has(f.no) || (p.dims && f.no === TENSOR.dims)) continue;
    parts.push(buf.subarray(f.start, f.end));
  }
  const w = protobuf.Writer.create();
  for (const d of p.dims ?? []) w.uint32((TENSOR.dims << 3) | 0).int64(d);
  w.uint32((TENSOR.rawData << 3) | 2).bytes(p.data);
  return concat([...parts, w.finish()]);
}

/** The value's last dimension `from` becomes `to` (a dim_param or another size is left alone). */
function patchValueInfo(buf: Uint8Array, dims: { from: number; to: number }): Uint8Array {
  return rewrite(buf, (f) => f.no !== VALUE_INFO.type ? undefined
    : rewrite(f.body!, (t) => t.no !== TYPE.tensorType ? undefined
      : rewrite(t.body!, (tt) => {
        if (tt.no !== TENSOR_TYPE.shape) return undefined;
        const dimsOf = fieldsOf(tt.body!).filter((d) => d.no === SHAPE.dim);
        const last = dimsOf[dimsOf.length - 1];
        return rewrite(tt.body!, (d) => {
          if (d.no !== SHAPE.dim || d.start !== last.start) return undefined;
          const fs = fieldsOf(d.body!);
          const value = fs.find((x) => x.no === DIMENSION.value && x.wire === 0);
          if (!value) return undefined; // a dim_param: a name, not a size
          const r = protobuf.Reader.create(d.body!.subarray(value.start, value.end));
          r.uint32(); // the tag
          if (r.uint32() !== dims.from) return undefined;
          const kept = fs.filter((x) => x !== value).map((x) => d.body!.subarray(x.start, x.end));
          return concat([...kept, protobuf.Writer.create().uint32((DIMENSION.value << 3) | 0).int64(dims.to).finish()]);
        });
      })));
}

/**
 * The file with the initializers named in `initializers` rewritten and the values named in `shapes`
 * given their new last dimension. Throws when a named initializer is not in the file.
 */
export function patchOnnx(file: Uint8Array, initializers: Map<string, InitializerPatch>, shapes: Map<string, { from: number; to: number }>): Uint8Array {
  const done = new Set<string>();
  const out = rewrite(file, (f) => f.no !== MODEL.graph ? undefined : rewrite(f.body!, (g) => {
    if (g.no === GRAPH.initializer) {
      const name = text(fieldsOf(g.body!).find((x) => x.no === TENSOR.name)?.body);
      const p = initializers.get(name);
      if (!p) return undefined;
      done.add(name);
      return patchTensor(g.body!, p);
    }
    if (g.no === GRAPH.input || g.no === GRAPH.output || g.no === GRAPH.valueInfo) {
      const name = text(fieldsOf(g.body!).find((x) => x.no === VALUE_INFO.name)?.body);
      const s = shapes.get(name);
      return s ? patchValueInfo(g.body!, s) : undefined;
    }
    return undefined;
  }));
  const missing = [...initializers.keys()].filter((n) => !done.has(n));
  if (missing.length) throw new Error(`the file has no initializer ${missing.map((n) => JSON.stringify(n)).join(', ')} (the file changed since the run?)`);
  return out;
}
