// How much of the VWW transfer table (vww-transfer.bench.ts) is the numerics and how much is the
// run: the sparse scheme and the full update, each in int8 + QAS (stochastic rounding and with
// the rounding residual) and fp32, at one fixed learning rate per scheme, over ORDERS orders of the same 400
// training samples (2 passes, cosine decay), evaluated on the same 1000 held-out samples.
// vww-transfer picks one lr per cell from one validation run; at batch 1 a run at the edge of
// stability can collapse on the full training set (a cell at chance) or land 30 points from its
// validation figure, so that table's differences of a few points are within the spread this
// bench measures. Prints a table on stderr and ONE JSON object as the last stdout line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../compiler/random.js';
import { trainOnHost } from '../training/host-train.js';
import { round } from './stats.js';
import { MODEL_FILE, vwwTask, withSamples } from './vww-setup.js';

const ORDERS = 3;
const EPOCHS = 2;
/** One lr per scheme: where vww-transfer's validation put most of its int8 + QAS and fp32 cells. */
const LRS: Record<string, number> = { sparse: 0.1, full: 0.01 };
const NUMERICS = ['qas', 'qasResidual', 'fp32'] as const;
const NAME = { qas: 'int8 + QAS', qasResidual: 'int8 + QAS, residual', fp32: 'fp32' };

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]): number => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / Math.max(1, v.length - 1));

async function main(): Promise<void> {
  const log = (m: string): void => { process.stderr.write(m + '\n'); };
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-vww-spread-'));
  try {
    const { p, schemes } = await vwwTask(dir, log);
    const runs = Array.from({ length: ORDERS }, (_, k) => {
      const rand = mulberry32(1000 + k);
      const order = p.split.train.map((s) => ({ s, r: rand() })).sort((a, b) => a.r - b.r).map((x) => x.s);
      return withSamples(p, `order${k}`, order, p.split.test);
    });
    const steps = EPOCHS * p.split.train.length;
    const rows: Record<string, unknown>[] = [];
    for (const s of schemes.filter((x) => x.name.startsWith('sparse') || x.name === 'full update')) {
      for (const key of NUMERICS) {
        for (const lr of [LRS[s.name.startsWith('sparse') ? 'sparse' : 'full']]) {
          const acc: number[] = [];
          for (const run of runs) {
            const opts = key === 'fp32'
              ? { update: s.plan, numerics: 'fp32', lrDecay: 'cosine', lr, steps } as const
              : { update: s.plan, numerics: 'int8', lrDecay: 'cosine', lr, steps, qas: true, weightRounding: key === 'qas' ? 'stochastic' : 'residual' } as const;
            acc.push((await trainOnHost(run, opts)).accuracy);
          }
          log(`  ${s.name}, ${NAME[key]}, lr ${lr}: ${acc.map((a) => (a * 100).toFixed(1)).join(' / ')} % -> mean ${(mean(acc) * 100).toFixed(1)} +- ${(sd(acc) * 100).toFixed(1)}`);
          rows.push({ scheme: s.name, numerics: key, lr, accuracy: acc.map((a) => round(a, 4)), mean: round(mean(acc), 4), sd: round(sd(acc), 4) });
        }
      }
    }
    console.log(JSON.stringify({ model: MODEL_FILE, orders: ORDERS, steps, lrs: LRS, rows }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
