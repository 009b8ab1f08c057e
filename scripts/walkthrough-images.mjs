// Makes the walkthrough's images (media/walkthrough/<step>-<dark|light>.png) from the screenshots
// the e2e suite takes (test-artifacts/e2e/, `npm run test:e2e`): real product, both themes.
// Whole-window shots are halved (a 2x2 box filter), view shots kept at their size.
// Usage: node scripts/walkthrough-images.mjs
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

const SHOTS = 'test-artifacts/e2e';
const OUT = 'media/walkthrough';
// step -> [screenshot (without the theme prefix), downscale factor]
const STEPS = {
  config: ['new-config', 2],       // first-hour.test.ts: the config New Config… wrote, its code lens
  peak: ['plan-window', 2],        // extension.test.ts: the code lens and inlay hints beside the plan view
  plan: ['plan', 1],               // extension.test.ts: the plan view
  train: ['monitor-window', 2],    // first-hour.test.ts: the serial monitor on the virtual board
  loss: ['dashboard', 1],          // extension.test.ts: the dashboard after a host run
  csv: ['dashboard', 1],           // extension.test.ts: the dashboard, its Export buttons on top
};

function downscale(src, k) {
  if (k === 1) return src;
  const w = Math.floor(src.width / k), h = Math.floor(src.height / k);
  const out = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const acc = [0, 0, 0, 0];
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) {
      const i = ((y * k + dy) * src.width + (x * k + dx)) * 4;
      for (let c = 0; c < 4; c++) acc[c] += src.data[i + c];
    }
    const o = (y * w + x) * 4;
    for (let c = 0; c < 4; c++) out.data[o + c] = Math.round(acc[c] / (k * k));
  }
  return out;
}

mkdirSync(OUT, { recursive: true });
for (const [step, [shot, k]] of Object.entries(STEPS)) {
  for (const theme of ['dark', 'light']) {
    const src = PNG.sync.read(readFileSync(join(SHOTS, `${theme}-${shot}.png`)));
    const img = downscale(src, k);
    const file = join(OUT, `${step}-${theme}.png`);
    writeFileSync(file, PNG.sync.write(img, { colorType: 2, deflateLevel: 9 }));
    console.log(`${file}: ${img.width}x${img.height} from ${theme}-${shot}.png`);
  }
}
