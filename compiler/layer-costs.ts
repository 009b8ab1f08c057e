// Per-conv SRAM costs split the way the editor explains them (bias copy vs weight copy). Derived
// from a LayerRow alone, with the same accounting as the memory planner's static SRAM
// (memory/memory-plan.ts: an int32 bias per output channel for every conv whose bias trains,
// int8 weights for the trained slice).

import type { LayerRow } from './analysis.js';

/** Bytes of the SRAM copy of this conv's bias (0 when frozen). */
export function trainedBiasBytes(row: Pick<LayerRow, 'update' | 'outShape'>): number {
  return row.update === 'frozen' ? 0 : 4 * row.outShape[2];
}

/** Bytes of the SRAM copy of this conv's trained weight slice (0 unless weights train). */
export function trainedWeightBytes(row: Pick<LayerRow, 'update' | 'outShape' | 'trainedBytes'>): number {
  return row.update === 'weights' ? row.trainedBytes - trainedBiasBytes(row) : 0;
}

/** What training this conv adds to SRAM: saved-for-backward bytes plus trained copies. */
export function trainingBytes(row: Pick<LayerRow, 'savedBytes' | 'trainedBytes'>): number {
  return row.savedBytes + row.trainedBytes;
}
