// Per-conv SRAM costs the way the editor explains them (bias copy vs weight copy). The figures
// are the memory planner's own (memory/memory-plan.ts staticSram), carried on each LayerRow.

import type { LayerRow } from './analysis.js';

/** Bytes of the SRAM copy of this conv's bias (0 when frozen). */
export function trainedBiasBytes(row: Pick<LayerRow, 'trainedBiasBytes'>): number {
  return row.trainedBiasBytes;
}

/** Bytes of the SRAM copy of this conv's trained weight slice (0 unless weights train). */
export function trainedWeightBytes(row: Pick<LayerRow, 'trainedWeightBytes'>): number {
  return row.trainedWeightBytes;
}

/** What training this conv adds to SRAM: saved-for-backward bytes plus trained copies. */
export function trainingBytes(row: Pick<LayerRow, 'savedBytes' | 'trainedBytes'>): number {
  return row.savedBytes + row.trainedBytes;
}
