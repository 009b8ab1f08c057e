// Host speed of the generated training step: median ms per step, and instructions per step
// under callgrind (deterministic), for MCUNet-5FPS with the paper's 99 KB scheme (random
// weights and images: speed does not depend on them) and for the MNIST transfer example.
import { readFileSync } from 'node:fs';
import { instructionsPerStep, msPerStep } from '../training/measure.js';
import { buildHostTrainer } from '../training/host-train.js';
import { prepare } from '../training/prepare.js';
import { prepareSynthetic } from '../training/synthetic.js';
import { round } from './stats.js';

async function main(): Promise<void> {
const result: Record<string, unknown> = {};

const mcunet = await prepareSynthetic(readFileSync('examples/mcunet-5fps/99kb.tinytrain.yaml', 'utf8'), { train: 8, test: 2 });
const mcunetProgram = buildHostTrainer(mcunet);
const m1 = msPerStep(mcunetProgram, mcunet.files.trainS8, mcunet.files.testS8, 5, 3);
result['mcunet-5fps-99kb'] = {
  msPerStepMedian: round(m1.medianMs, 2), runs: m1.samples.map((s) => round(s, 2)),
  instructionsPerStep: instructionsPerStep(mcunetProgram, mcunet.files.trainS8, mcunet.files.testS8, 1),
  plannedPeakSramBytes: mcunet.compilation.memory.peakSramBytes,
};

const mnist = await prepare('examples/mnist-transfer/transfer.tinytrain.yaml', (m) => process.stderr.write(m + '\n'));
const mnistProgram = buildHostTrainer(mnist);
const m2 = msPerStep(mnistProgram, mnist.files.trainS8, mnist.files.testS8, 200, 5);
result['mnist-transfer'] = {
  msPerStepMedian: round(m2.medianMs, 3), runs: m2.samples.map((s) => round(s, 3)),
  instructionsPerStep: instructionsPerStep(mnistProgram, mnist.files.trainS8, mnist.files.testS8, 4),
  plannedPeakSramBytes: mnist.compilation.memory.peakSramBytes,
};
console.log(JSON.stringify(result));
}

main().catch((err) => { console.error(err); process.exit(1); });
