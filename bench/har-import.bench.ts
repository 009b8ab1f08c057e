// Imported 1-D model (issue 14 item 4): the HAR example's pretrained network written as an int8
// .tflite (`tinytrain export --pretrained`: input [1, 52, 1, 3]) into a temporary folder, then a
// config `model: { import: har.tflite, classes: 3 }` with the example's train: and data: sections
// (the held-out group of ../shared/data/st_har, T and C from the file) adapts it as the example
// does: accuracy before / after on the host and on the virtual stm32f405, SRAM planned and
// measured, instructions per training window (bench/har-run.ts). Prints one JSON object last.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { exportRun } from '../training/export.js';
import { prepare } from '../training/prepare.js';
import { log, measureHar } from './har-run.js';

const EXAMPLE = 'examples/har-adapt/har.tinytrain.yaml';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tt-bench-har-import-'));
  try {
    const yaml = await prepare(EXAMPLE, log);
    const r = await exportRun(yaml, undefined);
    writeFileSync(join(dir, 'har.tflite'), r.bytes);
    const text = readFileSync(EXAMPLE, 'utf8');
    const source = resolve(dirname(EXAMPLE), yaml.spec.data!.source);
    const sections = text.slice(text.indexOf('target:'), text.indexOf('pretrain:')).replace(/source: \S+/, `source: ${source}`).replace(/\n {2}window: \d+[^\n]*/, '');
    const config = join(dir, 'har-imported.tinytrain.yaml');
    writeFileSync(config, `model:\n  name: har-imported\n  import: har.tflite\n  classes: 3\n${sections}`);
    const figures = await measureHar(config);
    console.log(JSON.stringify({
      example: 'har-adapt, exported to .tflite and imported', exportedFrom: EXAMPLE,
      tflite: { bytes: r.bytes.length, input: [1, ...yaml.spec.model.input], logits: r.logits }, ...figures,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => { log(String(err?.stack ?? err)); process.exit(1); });
