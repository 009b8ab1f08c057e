// The learning comparison of the paper, on a prepared model: which parameters train
// (classifier only, biases only, the config's sparse scheme, full update) crossed with the
// numerics (int8 with QAS, int8 without QAS, fp32), all for the same steps and data.

import { analyticMemory } from '../compiler/sparse/analytic.js';
import { fullUpdate, resolveUpdate, type UpdatePlan } from '../compiler/sparse/scheme.js';
import { trainOnHost } from './host-train.js';
import type { Prepared } from './prepare.js';

export interface SchemeRow { scheme: string; extraKB: number; int8Qas: number; int8NoQas: number; fp32: number }

export function comparisonSchemes(p: Prepared): { name: string; plan: UpdatePlan }[] {
  const n = p.net.convs.length;
  return [
    { name: 'classifier only', plan: resolveUpdate(p.net, { biases: 0, weights: [], classifier: true }) },
    { name: 'biases only', plan: resolveUpdate(p.net, { biases: n, weights: [], classifier: true }) },
    { name: 'sparse (config)', plan: p.compilation.update },
    { name: 'full update', plan: fullUpdate(p.net) },
  ];
}

export async function learningTable(p: Prepared, steps: number, log: (s: string) => void = () => {}): Promise<SchemeRow[]> {
  const rows: SchemeRow[] = [];
  for (const { name, plan } of comparisonSchemes(p)) {
    const extraKB = analyticMemory(p.net, plan).extraKB;
    const acc = async (numerics: 'int8' | 'fp32', qas: boolean): Promise<number> => (await trainOnHost(p, { steps, update: plan, numerics, qas })).accuracy;
    const row = { scheme: name, extraKB: +extraKB.toFixed(2), int8Qas: await acc('int8', true), int8NoQas: await acc('int8', false), fp32: await acc('fp32', true) };
    log(`${name.padEnd(16)} ${String(row.extraKB).padStart(7)} KB  int8+QAS ${(row.int8Qas * 100).toFixed(1)} %  int8 ${(row.int8NoQas * 100).toFixed(1)} %  fp32 ${(row.fp32 * 100).toFixed(1)} %`);
    rows.push(row);
  }
  return rows;
}
