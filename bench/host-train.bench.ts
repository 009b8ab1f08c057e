// Host speed of the generated training step, side by side with PyTorch in the same run:
//   MCUNet-5FPS with the paper's 99 KB scheme (random weights and images: speed does not depend
//   on them): TinyTrain's host trainer (the program behind `train --board host` and contribution
//   analysis) in median ms per step, and PyTorch (Debian python3-torch, CPU, 1 thread, fp32) on
//   the same network with the same parameters and the same sparse update at batch 1, median ms
//   per step; their ratio. Runs alternate (TinyTrain, PyTorch, TinyTrain, ...) so machine load
//   hits both alike. Instructions per step under callgrind (deterministic) as well.
//   The MNIST transfer example: ms and instructions per step.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { instructionsPerStep, msPerStep } from '../training/measure.js';
import { buildHostTrainer } from '../training/host-train.js';
import { prepare, type Prepared } from '../training/prepare.js';
import { prepareSynthetic } from '../training/synthetic.js';
import { median, round } from './stats.js';

const PYTHON = '/usr/bin/python3'; // Debian's python3-torch lives there (not in a pyenv python3)

/** The network, its float parameters and the update plan, as bench/pytorch-step.py reads them. */
function writeTorchSpec(p: Prepared, steps: number, repeats: number): string {
  const net = p.net;
  const update = p.compilation.update;
  const parts: Float32Array[] = [];
  for (const cv of net.convs) parts.push(p.float.convs[cv.index].w, p.float.convs[cv.index].b);
  parts.push(p.float.fc.w, p.float.fc.b);
  const weights = join(p.dir, 'torch-weights.f32');
  writeFileSync(weights, Buffer.concat(parts.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  const spec = {
    input: [net.input.h, net.input.w, net.input.c], classes: net.classifier.classes, featureC: net.classifier.cin,
    convs: net.convs.map((cv) => ({ cin: cv.cin, cout: cv.cout, kh: cv.kh, kw: cv.kw, sh: cv.sh, sw: cv.sw, pad: [cv.pad.top, cv.pad.left, cv.pad.bottom, cv.pad.right], depthwise: cv.depthwise, relu6: cv.act === 'relu6', trainBias: update.convs[cv.index].bias, trainK: update.convs[cv.index].k })),
    blocks: net.blocks.map((b) => ({ convs: b.convs.map((c) => c.index), residual: b.residual })),
    classifierTrains: update.classifier, lr: p.spec.train.lr, steps, repeats, weights,
  };
  const path = join(p.dir, 'torch-spec.json');
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

function torchMsPerStep(specPath: string): { msPerStep: number; torch: string; threads: number } {
  const r = spawnSync(PYTHON, ['bench/pytorch-step.py', specPath], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`PyTorch step failed: ${r.stderr.trim().slice(-1500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = {};

  const mcunet = await prepareSynthetic(readFileSync('examples/mcunet-5fps/99kb.tinytrain.yaml', 'utf8'), { train: 8, test: 2 });
  const program = buildHostTrainer(mcunet);
  const spec = writeTorchSpec(mcunet, 10, 1); // one run of 10 steps per call, alternating with TinyTrain's
  const tiny: number[] = [], torch: number[] = [];
  let torchInfo = { torch: '', threads: 0 };
  for (let i = 0; i < 5; i++) {
    tiny.push(msPerStep(program, mcunet.files.trainS8, mcunet.files.testS8, 10, 1).medianMs);
    const t = torchMsPerStep(spec);
    torch.push(t.msPerStep);
    torchInfo = { torch: t.torch, threads: t.threads };
  }
  const tm = median(tiny), pm = median(torch);
  process.stderr.write(`mcunet-5fps-99kb host: TinyTrain ${tm.toFixed(2)} ms/step, PyTorch ${pm.toFixed(2)} ms/step (${(pm / tm).toFixed(2)}x)\n`);
  result['mcunet-5fps-99kb'] = {
    msPerStepMedian: round(tm, 2), runs: tiny.map((s) => round(s, 2)),
    pytorch: { msPerStepMedian: round(pm, 2), runs: torch.map((s) => round(s, 2)), version: torchInfo.torch, threads: torchInfo.threads, note: 'fp32, CPU, batch 1, same network, parameters and sparse update' },
    speedupOverPytorch: round(pm / tm, 2),
    instructionsPerStep: instructionsPerStep(program, mcunet.files.trainS8, mcunet.files.testS8, 1),
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
