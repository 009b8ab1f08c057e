// The HAR adaptation measured on one config (bench/har.bench.ts: the example's YAML network;
// bench/har-import.bench.ts: the same network exported to a .tflite and imported): accuracy on
// the new group's TEST recordings (split by recording) before and after adaptation, on the host
// (the generated int8 program built with gcc) and on the virtual board (stm32f405 in QEMU; windows
// streamed over SAMPLE frames through the AN3155-flashed firmware), with the planned and measured
// SRAM and the instructions per training window (QEMU -icount shift=0: one instruction per ns of
// virtual time, exact).
import { buildAndMeasure } from '../devicerun/measure.js';
import { trainOnDevice } from '../devicerun/train.js';
import { trainOnHost } from '../training/host-train.js';
import { prepare } from '../training/prepare.js';

const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (a: number): number => Math.round(a * 1000) / 10;
/** Accuracy per true class (percent) from confusion[label][predicted]. */
const perClass = (names: (string | number)[], c: number[][] | undefined): Record<string, number> | undefined =>
  c && Object.fromEntries(c.map((row, i) => [String(names[i]), pct(row[i] / Math.max(1, row.reduce((a, b) => a + b, 0)))]));

export const log = (m: string): void => { process.stderr.write(m + '\n'); };

/** The figures of one HAR config, as one JSON-ready object. */
export async function measureHar(config: string): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const p = await prepare(config, log);
  const steps = p.spec.train.steps ?? p.split.train.length;
  const rec = p.split.recordings!;

  const hostBefore = await trainOnHost(p, { steps: 0 });
  const hostAfter = await trainOnHost(p, { steps });
  log(`host: ${pct(hostBefore.accuracy)} % -> ${pct(hostAfter.accuracy)} % after ${steps} steps`);

  const device = async (n: number) => {
    const r = await trainOnDevice({ config, prepared: p, virtual: true, steps: n, qemuTimeoutMs: 3_600_000, idleTimeoutMs: 600_000, onProgress: (x) => { if (x.phase !== 'flash') log(`  [${x.phase}] ${x.message}`); } });
    if (!r.completed || r.accuracy === undefined) throw new Error(`the virtual board run stopped: ${r.stopReason}`);
    return r;
  };
  const boardBefore = await device(0);
  const boardAfter = await device(steps);
  log(`virtual board: ${pct(boardBefore.accuracy!)} % -> ${pct(boardAfter.accuracy!)} %`);

  const sram = await buildAndMeasure(p, { steps: 4 });
  const m = sram.measurement!;
  return {
    config, input: p.spec.model.input, classes: p.split.classes,
    recordings: { pretrain: 'first half of each class', adapt: 'second half', adaptTrain: rec.train.length, adaptTest: rec.test.length },
    windows: { adaptTrain: p.split.train.length, adaptTest: p.split.test.length }, steps, pretrainHeldOutAccuracy: p.pretrainAccuracy,
    host: {
      before: pct(hostBefore.accuracy), after: pct(hostAfter.accuracy), gainPoints: pct(hostAfter.accuracy - hostBefore.accuracy), trainSeconds: +hostAfter.seconds.toFixed(2),
      perClassBefore: perClass(p.split.classes, hostBefore.confusion), perClassAfter: perClass(p.split.classes, hostAfter.confusion), confusionAfter: hostAfter.confusion,
    },
    virtualBoard: {
      board: 'stm32f405 (QEMU netduinoplus2)', before: pct(boardBefore.accuracy!), after: pct(boardAfter.accuracy!), gainPoints: pct(boardAfter.accuracy! - boardBefore.accuracy!),
      evalWindows: boardAfter.eval?.total, instructionsPerTrainingWindow: Math.round(median(boardAfter.counterNsPerStep)),
      perClassBefore: perClass(p.split.classes, boardBefore.confusion), perClassAfter: perClass(p.split.classes, boardAfter.confusion), confusionAfter: boardAfter.confusion,
    },
    sram: { plannedPeakBytes: m.plannedPeakSramBytes, measuredBytes: m.measuredSramBytes, differenceBytes: m.differenceBytes, breakdown: m.breakdown },
    target10Points: hostAfter.accuracy - hostBefore.accuracy >= 0.1 && boardAfter.accuracy! - boardBefore.accuracy! >= 0.1,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
}
