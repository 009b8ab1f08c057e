// Planned peak SRAM of a training step for the paper's three networks with their published ~100 KB
// schemes (batch 1, 128x128x3, stm32f746), against the goals (0.8x the reference engine's
// measured peak) and the reference engine's own measured peaks (paper-facts.md).
// Prints one JSON object as its last stdout line.
import { readFileSync } from 'node:fs';
import { analyze } from '../compiler/analyze.js';

const NETWORKS = [
  { name: 'mcunet-5fps-99kb', path: 'examples/mcunet-5fps/99kb.tinytrain.yaml', referenceKB: 173, goalKB: 128 },
  { name: 'mobilenetv2-w0.35-99kb', path: 'examples/mobilenetv2-w0.35/99kb.tinytrain.yaml', referenceKB: 141, goalKB: 113 },
  { name: 'proxylessnas-w0.3-98kb', path: 'examples/proxylessnas-w0.3/98kb.tinytrain.yaml', referenceKB: 135, goalKB: 108 },
];

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;
const result: Record<string, unknown> = {};
for (const n of NETWORKS) {
  const a = analyze(readFileSync(n.path, 'utf8'));
  if (!a.plan) throw new Error(`${n.path}: no plan (${a.problems.map((p) => p.message).join('; ')})`);
  const p = a.plan;
  result[n.name] = {
    peakSramBytes: p.peakSramBytes, peakSramKB: kb(p.peakSramBytes), arenaKB: kb(p.arenaBytes), staticKB: kb(p.staticBytes),
    lowerBoundKB: kb(p.lowerBoundBytes), peakAt: p.peakAt.op, analyticExtraKB: Math.round(a.analytic!.extraKB * 10) / 10,
    goalKB: n.goalKB, goalMet: p.peakSramBytes <= n.goalKB * 1024, referenceMeasuredKB: n.referenceKB,
    ratioToReference: Math.round((p.peakSramBytes / 1024 / n.referenceKB) * 1000) / 1000,
  };
}
console.log(JSON.stringify(result));
