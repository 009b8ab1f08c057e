// The Arm NN oracle (Debian python3-pyarmnn, CpuRef backend) from tests: run a .tflite on N
// samples and read its outputs back. Debian's Python is /usr/bin/python3 (not the pyenv one).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ByteBuffer } from 'flatbuffers';
import { readNpy, writeNpy, type NpyArray } from '../../datasets/npy.js';

const SCRIPT = join(import.meta.dirname, 'armnn_infer.py');

/** True when this machine has the oracle (CI installs it via scripts/ensure-system-deps.sh). */
export function haveArmnn(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import pyarmnn, numpy'], { stdio: 'ignore' }).status === 0;
}

/**
 * Arm NN 20.08 rejects a 1-D bias whose quantized_dimension is not 0 (TFLite ignores it on a
 * 1-D tensor; the TFLM person-detection model stores 3). Rewrites that one int32 in place.
 */
export function zeroVectorQuantAxes(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const bb = new ByteBuffer(out);
  const field = (t: number, slot: number): number => { const o = bb.__offset(t, 4 + 2 * slot); return o ? t + o : 0; };
  const vec = (t: number, slot: number): number[] => {
    const p = field(t, slot);
    if (!p) return [];
    return Array.from({ length: bb.__vector_len(p) }, (_, i) => bb.__indirect(bb.__vector(p) + 4 * i));
  };
  const model = bb.readUint32(0);
  const sg = vec(model, 2)[0];
  for (const t of vec(sg, 0)) {
    const sp = field(t, 0);
    if (!sp || bb.__vector_len(sp) !== 1) continue;
    const qp = field(t, 4);
    if (!qp) continue;
    const axis = field(bb.__indirect(qp), 6);
    if (axis && bb.readInt32(axis) !== 0) bb.writeInt32(axis, 0);
  }
  return out;
}

export function runArmnn(model: Uint8Array, inputs: NpyArray): NpyArray {
  const dir = mkdtempSync(join(tmpdir(), 'tt-armnn-'));
  try {
    writeFileSync(join(dir, 'model.tflite'), zeroVectorQuantAxes(model));
    writeFileSync(join(dir, 'in.npy'), writeNpy(inputs));
    const r = spawnSync('/usr/bin/python3', [SCRIPT, join(dir, 'model.tflite'), join(dir, 'in.npy'), join(dir, 'out.npy')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`Arm NN oracle failed (${r.status}): ${r.stderr}`);
    const { array, error } = readNpy(readFileSync(join(dir, 'out.npy')));
    if (!array) throw new Error(`Arm NN oracle wrote a bad .npy: ${error}`);
    return array;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
