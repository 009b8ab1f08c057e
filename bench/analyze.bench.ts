// Warm analyze time of the MCUNet-5FPS configs (what every keystroke in the editor costs).
import { readFileSync } from 'node:fs';
import { analyze } from '../compiler/analyze.js';
import { median, percentile, round } from './stats.js';

const result: Record<string, unknown> = {};
for (const scheme of ['99kb', 'full-update']) {
  const text = readFileSync(`examples/mcunet-5fps/${scheme}.tinytrain.yaml`, 'utf8');
  for (let i = 0; i < 20; i++) analyze(text); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    analyze(text);
    times.push(performance.now() - t);
  }
  result[`mcunet-${scheme}`] = { runs: times.length, medianMs: round(median(times)), p95Ms: round(percentile(times, 95)), targetMedianMs: 20 };
}
console.log(JSON.stringify(result));
