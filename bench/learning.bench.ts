// The learning table of the MNIST transfer example (pretrained on digits 0-4, learns 5-9):
// held-out accuracy after the same steps for classifier only, biases only, the config's sparse
// scheme and full update, each in int8 + QAS, int8 without QAS and fp32, each cell the best of
// the same learning rates.
import { learningTable } from '../training/experiments.js';
import { prepare } from '../training/prepare.js';

async function main(): Promise<void> {
  const p = await prepare('examples/mnist-transfer/transfer.tinytrain.yaml', (m) => process.stderr.write(m + '\n'));
  const steps = p.spec.train.steps ?? p.split.train.length;
  const t = performance.now();
  const lrs = [0.05, 0.02];
  const rows = await learningTable(p, steps, lrs, (s) => process.stderr.write(s + '\n'));
  const full = rows.find((r) => r.scheme === 'full update')!;
  console.log(JSON.stringify({
    example: 'mnist-transfer', steps, learningRates: lrs, testSamples: p.split.test.length, pretrainAccuracy: p.pretrainAccuracy,
    sparseToFullMemory: +(rows.find((r) => r.scheme === 'sparse (config)')!.extraKB / full.extraKB).toFixed(3),
    rows, seconds: +((performance.now() - t) / 1000).toFixed(1),
  }));
}

main().catch((err) => { console.error(err); process.exit(1); });
