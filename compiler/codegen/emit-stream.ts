// C for one stream op (schedule/stream.ts): the frozen forward prefix as a fixed table of row
// computations, run by one loop. Input rows come from the caller's row source (memory, flash or
// a serial link); every other streamed tensor lives in its ring in the arena; the stream's
// output is written whole. Kernels: tt_stream.h, tt_pwconv_s8, tt_add_s8 and tt_clamp_s8 on one
// row, or with fast kernels the ones of tt_fast.h (tt_add_s8_fast; a conv's when its
// requantization is precomputed).

import type { Op, Tensor } from '../ir/graph.js';
import { isPointwise, type Network } from '../ir/network.js';
import type { QParams } from '../weights/model-weights.js';
import { cComment } from './text.js';

export interface StreamEmitContext {
  net: Network;
  tensors: Tensor[];
  /** Arena offset of a whole tensor. */
  offsetOf: (t: number) => number;
  /** Arena offsets of the op's rings, in the order of its stage's rings. */
  ringOffsets: number[];
  qp: (t: number) => QParams;
  fmtF: (v: number) => string;
  /** The int8 range an add's fused activation clamps to (imported blocks), if it has one. */
  addClamp: (add: Op) => [number, number] | undefined;
  /** The conv has its requantization precomputed (cN_rq), so it takes the fast row kernels. */
  fast: (conv: number) => boolean;
  /** Adds take tt_add_s8_fast (fast kernels on; same results bit for bit). */
  fastAdd: boolean;
}

export function streamLines(op: Op, c: StreamEmitContext): string[] {
  const stage = op.stream!;
  const ring = new Map(stage.rings.map((r, i) => [r.tensor, { ...r, offset: c.ringOffsets[i] }]));
  const rowBytes = (t: number): number => c.tensors[t].shape[1] * c.tensors[t].shape[2];
  const rowsOf = (t: number): number => c.tensors[t].shape[0];
  // Where row r of tensor t lives: in its ring, or in the whole output tensor.
  const rowPtr = (t: number): string => {
    const g = ring.get(t);
    if (g) return `(tt_arena.bytes + ${g.offset} + (r % ${g.rows}) * ${g.rowBytes})`;
    return `(tt_arena.bytes + ${c.offsetOf(t)} + r * ${rowBytes(t)})`;
  };
  const ringArgs = (t: number): string => {
    const g = ring.get(t);
    if (!g) return `(const int8_t *)(tt_arena.bytes + ${c.offsetOf(t)}), ${rowsOf(t)}`; // whole: a ring of all rows
    return `(const int8_t *)(tt_arena.bytes + ${g.offset}), ${g.rows}`;
  };
  const cases: string[] = [];
  const input = ring.get(0);
  if (input) cases.push(`case 0: src(src_ctx, r, (int8_t *)${rowPtr(0)}, ${input.rowBytes}); break;`);
  stage.ops.forEach((o, i) => {
    const [x] = o.inputs;
    const y = o.outputs[0];
    const out = `(int8_t *)${rowPtr(y)}`;
    let call: string;
    if (o.type === 'add') {
      const [a, b] = o.inputs;
      const qa = c.qp(a), qb = c.qp(b), qy = c.qp(y);
      call = `tt_add_s8${c.fastAdd ? '_fast' : ''}((const int8_t *)${rowPtr(a)}, ${c.fmtF(qa.scale)}, ${qa.zeroPoint}, (const int8_t *)${rowPtr(b)}, ${c.fmtF(qb.scale)}, ${qb.zeroPoint}, ${rowBytes(y)}, ${c.fmtF(qy.scale)}, ${qy.zeroPoint}, ${out}, 0);`;
      const clamp = c.addClamp(o);
      if (clamp) call += ` tt_clamp_s8(${out}, ${rowBytes(y)}, ${clamp[0]}, ${clamp[1]}, 0);`;
    } else {
      const cv = c.net.convs[o.conv!];
      const n = `c${cv.index}`;
      const [h, w, cin] = c.tensors[x].shape;
      const fast = c.fast(cv.index);
      if (o.type === 'dwconv2d') {
        call = fast
          ? `tt_dwconv_s8_row_fast(${ringArgs(x)}, ${h}, ${w}, ${cin}, ${n}_w, ${n}_b, &${n}_g, &${n}_rq, r, ${out});`
          : `tt_dwconv_s8_row(${ringArgs(x)}, ${h}, ${w}, ${cin}, ${n}_w, ${n}_b, &${n}_g, &${n}_q, r, ${out});`;
      } else if (isPointwise(cv)) {
        call = fast
          ? `tt_pwconv_s8_fast((const int8_t *)${rowPtr(x)}, ${w}, ${cin}, ${n}_w, 0, 0, ${n}_b, 0, ${cv.cout}, &${n}_rq, ${out}, 0);`
          : `tt_pwconv_s8((const int8_t *)${rowPtr(x)}, 1, ${w}, ${cin}, ${n}_w, 0, 0, ${n}_b, 0, ${cv.cout}, &${n}_q, ${out}, 0);`;
      } else {
        call = fast
          ? `tt_conv2d_s8_row_fast(${ringArgs(x)}, ${h}, ${w}, ${cin}, ${n}_w, ${n}_b, ${cv.cout}, &${n}_g, &${n}_rq, r, ${out});`
          : `tt_conv2d_s8_row(${ringArgs(x)}, ${h}, ${w}, ${cin}, ${n}_w, ${n}_b, ${cv.cout}, &${n}_g, &${n}_q, r, ${out});`;
      }
    }
    cases.push(`case ${i + 1}: ${call} break;`);
  });
  const table: string[] = [];
  for (let i = 0; i < stage.events.length; i += 16) {
    table.push('    ' + stage.events.slice(i, i + 16).map(([s, r]) => `{${s + 1},${r}}`).join(','));
  }
  const names = stage.ops.map((o) => o.name);
  return [
    `/* ${cComment(names[0])} .. ${cComment(names[names.length - 1])} streamed: ${stage.events.length} row computations; rings: ${stage.rings.map((g) => `${cComment(c.tensors[g.tensor].name)} ${g.rows}/${rowsOf(g.tensor)} rows`).join(', ')} */`,
    `{ static const uint16_t ev[${stage.events.length}][2] = {`,
    table.join(',\n'),
    '  };',
    `  int e; for (e = 0; e < ${stage.events.length}; e++) { const int r = ev[e][1]; switch (ev[e][0]) {`,
    ...cases.map((l) => `    ${l}`),
    '  } } }',
  ];
}
