// A device run's TRAINED frames (docs/telemetry.md) joined into its trained tensors, the TTP1
// file a host run saves (docs/file-formats.md), so `tinytrain export --run <device csv>` reads a
// device run as it reads a host run. Frames lost on the link leave gaps: then no file, and why.

import { encodeTrainedTensors, type TrainedTensor } from '../compiler/weights/files.js';
import type { TrainedMsg } from '../device/telemetry/index.js';

/** The TTP1 bytes of a run's TRAINED frames, or why they do not make one. */
export function joinTrainedFrames(modelHash: number, frames: readonly TrainedMsg[]): { bytes: Buffer } | { missing: string } {
  if (!frames.length) return { missing: 'the firmware sent no trained tensors (TRAINED frames)' };
  const count = frames[0].count;
  const tensors: { conv: number; kind: number; data: Uint8Array; got: Uint8Array }[] = [];
  for (const f of frames) {
    if (f.count !== count || f.index >= count) return { missing: `TRAINED frames disagree on the tensor count (${f.count} and ${count}, index ${f.index})` };
    let t = tensors[f.index];
    if (!t) t = tensors[f.index] = { conv: f.conv, kind: f.kind, data: new Uint8Array(f.bytes), got: new Uint8Array(f.bytes) };
    if (t.conv !== f.conv || t.kind !== f.kind || t.data.length !== f.bytes) return { missing: `TRAINED frames of tensor ${f.index} disagree on what it is` };
    t.data.set(f.data, f.offset);
    t.got.fill(1, f.offset, f.offset + f.data.length);
  }
  const out: TrainedTensor[] = [];
  for (let i = 0; i < count; i++) {
    const t = tensors[i];
    if (!t) return { missing: `trained tensor ${i + 1} of ${count} never arrived (frames lost on the link)` };
    const gap = t.got.indexOf(0);
    if (gap >= 0) return { missing: `trained tensor ${i + 1} of ${count} (${t.conv < 0 ? 'classifier' : `conv ${t.conv}`}) misses bytes from ${gap} of ${t.data.length} (frames lost on the link)` };
    out.push({ conv: t.conv, kind: t.kind, data: t.data });
  }
  return { bytes: encodeTrainedTensors(modelHash, out) };
}
