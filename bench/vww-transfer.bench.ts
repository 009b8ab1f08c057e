// Issue 13's transfer benchmark: a real pretrained int8 model imported and fine-tuned on a real
// task. The MLPerf Tiny visual wake words MobileNetV1 (96x96x3, from ../shared/models) gets a new
// classifier for four Fashion-MNIST classes (Debian dataset-fashion-mnist, 28x28 gray resized
// bilinear to 96x96 and copied to RGB) and trains EPOCHS passes over the training samples with the
// lr decaying to 0 (train.lr_decay: cosine; at a constant lr a batch-1 run ended wherever its last
// samples pushed it: validation accuracy swung 40-70 % between neighbouring lrs), under four
// update schemes: classifier only, biases only (all convs), a sparse scheme searched at 1/5 of the
// full update's analytic memory (from the prior contributions: nothing measured), and the full
// update; each in int8 with QAS (weight updates rounded stochastically, and with a rounding
// residual byte: train.weight_rounding), int8 without QAS (with the residual byte) (the generated
// trainer on the host) and fp32 (the host fp32 tool from the dequantized int8 model). Held-out
// accuracy on the test split (TEST samples: with 200, one point was two images).
// The paper's shape to compare against: sparse + QAS within 1 point of fp32 full update, int8
// without QAS clearly worse. Prints a table on stderr and ONE JSON object as the last stdout line.
// The learning rate (train.lr, as a user sets it) is chosen per scheme and numerics on a
// VALIDATION split of the training samples (the last quarter held out, the rest trained on), from a
// grid; the held-out test split is touched only by the final run. One lr for every row does not
// do: the full update diverges at an lr the classifier alone needs, and without QAS an int8
// weight moves by lr * s_w^2 * g in real units (s_w ~ 1e-3), so its useful lrs lie orders higher.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyticMemory } from '../compiler/sparse/analytic.js';
import { trainOnHost } from '../training/host-train.js';
import type { Prepared } from '../training/prepare.js';
import { round } from './stats.js';
import { CLASSES, MODEL_FILE, vwwTask, withSamples } from './vww-setup.js';

const VALIDATION = 0.25;
const EPOCHS = 2;
const LR_DECAY = 'cosine' as const;
/** lr grids: int8 + QAS and fp32 update in real units; int8 without QAS by lr * s^2 (see above). */
const LRS = { qas: [0.01, 0.03, 0.1, 0.3, 1], qasResidual: [0.01, 0.03, 0.1, 0.3, 1], noQasResidual: [10, 300, 3000, 30000, 300000], fp32: [0.01, 0.03, 0.1, 0.3, 1] };
type Numerics = keyof typeof LRS;
const NUMERICS_NAME: Record<Numerics, string> = { qas: 'int8 + QAS', qasResidual: 'int8 + QAS, residual', noQasResidual: 'int8 without QAS, residual', fp32: 'fp32' };

/** The prepared run with its training samples split: train on the first (1 - share), evaluate on the rest. */
function validationSplit(p: Prepared, share: number): Prepared {
  const all = p.split.train;
  const cut = Math.round(all.length * (1 - share));
  return withSamples(p, 'val', all.slice(0, cut), all.slice(cut));
}

async function main(): Promise<void> {
  const log = (m: string): void => { process.stderr.write(m + '\n'); };
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-vww-bench-'));
  try {
    const { p, schemes, fullKB, budgetKB } = await vwwTask(dir, log);
    const net = p.net;
    const n = net.convs.length;
    const steps = EPOCHS * p.split.train.length;
    const val = validationSplit(p, VALIDATION);
    log(`VWW MobileNetV1 (${n} convs) -> ${CLASSES.length} Fashion-MNIST classes; ${steps} training steps (${EPOCHS} passes, lr decay ${LR_DECAY}), ${p.split.test.length} held-out samples; full update ${fullKB.toFixed(1)} KB, budget ${budgetKB.toFixed(1)} KB`);
    const rows: Record<string, unknown>[] = [];
    for (const s of schemes) {
      const kb = analyticMemory(net, s.plan).extraKB;
      const kbResidual = analyticMemory(net, { ...s.plan, residual: true }).extraKB;
      const lrs: Record<string, number> = {};
      // A chosen lr at either end of its grid says the grid did not bracket the best one.
      const lrAtGridEdge: string[] = [];
      const validation: Record<string, Record<string, number>> = {};
      const run = async (key: Numerics): Promise<number> => {
        const opts = key === 'fp32'
          ? { update: s.plan, numerics: 'fp32', lrDecay: LR_DECAY } as const
          : { update: s.plan, numerics: 'int8', lrDecay: LR_DECAY, qas: key !== 'noQasResidual', weightRounding: key === 'qas' ? 'stochastic' : 'residual' } as const;
        const what = `${s.name}, ${NUMERICS_NAME[key]}`;
        let best = { lr: NaN, accuracy: -1 };
        validation[key] = {};
        for (const lr of LRS[key]) {
          const r = await trainOnHost(val, { ...opts, lr, steps: EPOCHS * val.split.train.length });
          validation[key][String(lr)] = r.accuracy;
          if (r.accuracy > best.accuracy) best = { lr, accuracy: r.accuracy };
        }
        lrs[key] = best.lr;
        if (best.lr === LRS[key][0] || best.lr === LRS[key][LRS[key].length - 1]) lrAtGridEdge.push(key);
        const t0 = performance.now();
        const r = await trainOnHost(p, { ...opts, lr: best.lr, steps });
        log(`  ${what}: lr ${best.lr} (validation ${LRS[key].map((lr) => `${lr}: ${(validation[key][String(lr)] * 100).toFixed(0)} %`).join(', ')}) -> test ${(r.accuracy * 100).toFixed(1)} % (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        return r.accuracy;
      };
      const row = { scheme: s.name, biases: s.biases, ...(s.weights ? { weights: s.weights } : {}), extraKB: round(kb, 2), extraKBResidual: round(kbResidual, 2), int8Qas: await run('qas'), int8QasResidual: await run('qasResidual'), int8NoQasResidual: await run('noQasResidual'), fp32: await run('fp32'), lr: lrs, lrAtGridEdge, validation };
      rows.push(row);
    }
    const fp32Full = rows[3].fp32 as number;
    const sparseQas = rows[2].int8Qas as number;
    const sparseQasResidual = rows[2].int8QasResidual as number;
    const pct = (v: unknown): string => `${((v as number) * 100).toFixed(1)} %`;
    log(`\n| scheme | extra KB (with residual) | int8 + QAS | int8 + QAS, residual | int8 no QAS, residual | fp32 | lr (${Object.values(NUMERICS_NAME).join(' / ')}) |\n|---|---|---|---|---|---|---|`);
    for (const r of rows) log(`| ${r.scheme} | ${(r.extraKB as number).toFixed(1)} (${(r.extraKBResidual as number).toFixed(1)}) | ${pct(r.int8Qas)} | ${pct(r.int8QasResidual)} | ${pct(r.int8NoQasResidual)} | ${pct(r.fp32)} | ${Object.values(r.lr as Record<string, number>).join(' / ')} |`);
    log(`\nsparse + QAS vs fp32 full update ${pct(fp32Full)}: stochastic ${pct(sparseQas)} (${((sparseQas - fp32Full) * 100).toFixed(1)} points), residual ${pct(sparseQasResidual)} (${((sparseQasResidual - fp32Full) * 100).toFixed(1)} points) (goal: within 1)`);
    console.log(JSON.stringify({
      model: MODEL_FILE, task: { source: 'fashion-mnist', classes: CLASSES, train: p.split.train.length, test: p.split.test.length }, steps, epochs: EPOCHS, lrDecay: LR_DECAY, lrGrids: LRS, validationShare: VALIDATION,
      fullUpdateKB: round(fullKB, 2), budgetKB: round(budgetKB, 2), table: rows,
      // A baseline at chance (a diverged run) makes the comparison meaningless: said, not counted as met.
      fp32FullAtChance: fp32Full <= 1 / CLASSES.length + 0.02,
      sparseQasMinusFp32FullPoints: round((sparseQas - fp32Full) * 100, 2),
      sparseQasResidualMinusFp32FullPoints: round((sparseQasResidual - fp32Full) * 100, 2),
      goalWithin1Point: fp32Full > 1 / CLASSES.length + 0.02 && (Math.abs(sparseQas - fp32Full) <= 0.01 || sparseQas > fp32Full),
      goalWithin1PointResidual: fp32Full > 1 / CLASSES.length + 0.02 && (Math.abs(sparseQasResidual - fp32Full) <= 0.01 || sparseQasResidual > fp32Full),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
