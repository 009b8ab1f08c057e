// The learning comparison of the paper, on a prepared model: which parameters train
// (classifier only, biases only, the config's sparse scheme, full update) crossed with the
// numerics (int8 with QAS, int8 without QAS, fp32), all for the same steps and data.

import { analyticMemory } from '../compiler/sparse/analytic.js';
import { fullUpdate, resolveUpdate, type UpdatePlan } from '../compiler/sparse/scheme.js';
import { trainOnHost } from './host-train.js';
import type { Prepared } from './prepare.js';

export interface Cell { accuracy: number; lr: number }
export interface SchemeRow { scheme: string; extraKB: number; int8Qas: Cell; int8NoQas: Cell; fp32: Cell }

export function comparisonSchemes(p: Prepared): { name: string; plan: UpdatePlan }[] {
  const n = p.net.convs.length;
  return [
    { name: 'classifier only', plan: resolveUpdate(p.net, { biases: 0, weights: [], classifier: true }) },
    { name: 'biases only', plan: resolveUpdate(p.net, { biases: n, weights: [], classifier: true }) },
    { name: 'sparse (config)', plan: p.compilation.update },
    { name: 'full update', plan: fullUpdate(p.net) },
  ];
}

/** Every cell gets the same tuning: the best held-out accuracy over the same learning rates
 * (full fp32 update diverges at a rate that suits a sparse int8 update, and vice versa). */
export async function learningTable(p: Prepared, steps: number, lrs: number[], log: (s: string) => void = () => {}): Promise<SchemeRow[]> {
  const rows: SchemeRow[] = [];
  for (const { name, plan } of comparisonSchemes(p)) {
    const extraKB = analyticMemory(p.net, plan).extraKB;
    const best = async (numerics: 'int8' | 'fp32', qas: boolean): Promise<Cell> => {
      let cell: Cell = { accuracy: -1, lr: lrs[0] };
      for (const lr of lrs) {
        const accuracy = (await trainOnHost(p, { steps, update: plan, numerics, qas, lr })).accuracy;
        if (accuracy > cell.accuracy) cell = { accuracy, lr };
      }
      return cell;
    };
    const row = { scheme: name, extraKB: +extraKB.toFixed(2), int8Qas: await best('int8', true), int8NoQas: await best('int8', false), fp32: await best('fp32', true) };
    const pct = (c: Cell): string => `${(c.accuracy * 100).toFixed(1)} % (lr ${c.lr})`;
    log(`${name.padEnd(16)} ${String(row.extraKB).padStart(7)} KB  int8+QAS ${pct(row.int8Qas)}  int8 no QAS ${pct(row.int8NoQas)}  fp32 ${pct(row.fp32)}`);
    rows.push(row);
  }
  return rows;
}
