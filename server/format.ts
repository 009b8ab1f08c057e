// Short figures for hovers, inlay hints and lenses.

import type { Analysis, LayerRow } from '../compiler/analysis.js';
import { formatBytes } from '../compiler/config/units.js';

export { formatBytes };

/** `0.9M`, `82K`, `640`: MAC counts at a glance. */
export function shortCount(n: number): string {
  if (n >= 50_000) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1000) return `${Math.round(n / 1000)}K`;
  return String(n);
}

export const shape = (s: readonly number[]): string => s.join('x');

/** KB with one decimal, the unit the paper's analytic model speaks. */
export const kb = (kbValue: number): string => `${+kbValue.toFixed(1)} KB`;

/** The rows (convs) of one model.layers item, in conv order. */
export function rowsOfLayer(a: Analysis, layer: number): LayerRow[] {
  return a.layers.filter((l) => l.layer === layer);
}

/** `1/8` as the user wrote it for a conv whose weights train, else the trained fraction k/cin. */
export function ratioText(a: Analysis, row: LayerRow): string {
  const w = a.train?.weights.find((x) => x.conv === row.index);
  return w ? w.text : `${row.k}/${row.cin}`;
}

export function pct(part: number, whole: number): string {
  return `${Math.round((part / whole) * 100)} %`;
}
