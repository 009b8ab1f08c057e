// `npm run demo`: the main job on a fresh machine. Analyzes the paper's MCUNet-5FPS scheme,
// then compiles and trains the MNIST transfer example on the host-built device (the generated
// int8 training program run natively), printing the loss as it falls.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

const node = process.execPath;
const cli = 'bin/tinytrain.js';

const deps = spawnSync('bash', ['scripts/ensure-system-deps.sh', 'host'], { stdio: 'inherit' });
if (deps.status !== 0) process.exit(deps.status ?? 1);

console.log('== 1. What on-device training of MCUNet-5FPS costs (the paper\'s 99 KB scheme on an STM32F746)\n');
const a = spawnSync(node, [cli, 'analyze', 'examples/mcunet-5fps/99kb.tinytrain.yaml', '--compare'], { stdio: 'inherit' });
if (a.status !== 0) process.exit(a.status ?? 1);

console.log('\n== 2. Train it: MNIST transfer (pretrained on digits 0-4, learns 5-9 on the device in int8)\n');
const child = spawn(node, [cli, 'train', 'examples/mnist-transfer/transfer.tinytrain.yaml'], { stdio: ['ignore', 'pipe', 'inherit'] });
const window = [];
let correct = 0;
let seen = 0;
let firstAvg;
createInterface({ input: child.stdout }).on('line', (line) => {
  let m;
  try { m = JSON.parse(line); } catch { console.log(line); return; }
  if (m.done) {
    console.log(`\nheld-out accuracy on digits 5-9 after ${m.steps} steps: ${(m.accuracy * 100).toFixed(1)} %`);
    return;
  }
  window.push(m.loss);
  if (window.length > 100) window.shift();
  seen++;
  correct += m.correct ? 1 : 0;
  if (m.step % 100 === 0) {
    const avg = window.reduce((s, x) => s + x, 0) / window.length;
    firstAvg ??= avg;
    const bar = '#'.repeat(Math.max(1, Math.round((avg / firstAvg) * 40)));
    console.log(`step ${String(m.step).padStart(5)}  loss ${avg.toFixed(3)}  ${bar}  (running accuracy ${((correct / seen) * 100).toFixed(1)} %)`);
  }
});
child.on('close', (code) => process.exit(code ?? 1));
