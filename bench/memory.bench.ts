// Memory of a training step, side by side in one run:
//  - plan: planned peak SRAM (plan.peakSramBytes, batch 1, 128x128x3, stm32f746) of the paper's
//    three networks with their published ~100 KB schemes, with the compact schedule (streamed
//    frozen prefix + chunked backward) and with whole tensors, and what each technique saves
//    (--compare), against the goals (0.8x the reference engine's measured peak) and the
//    reference engine's measured peaks (paper-facts.md);
//  - device: the stm32f746 firmware of MCUNet-5FPS 99 KB in QEMU (mps2-an500), both schedules:
//    instructions per training step (-icount: deterministic) and measured SRAM (.data + .bss +
//    stack high-water) against the plan; and every network's firmware linked with sram: 256KB;
//  - pytorch: peak RSS of PyTorch (Debian python3-torch, CPU, 1 thread) training MobileNetV2-w0.35
//    with the same sparse scheme at batch 1 (bench/pytorch_memory.py), and its ratio to the plan.
// Skip the device part with TT_BENCH_MEMORY_NO_DEVICE=1 (no ARM toolchain / QEMU).
// Prints one JSON object as its last stdout line.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { analyze } from '../compiler/analyze.js';
import type { PlanSummary } from '../compiler/analysis.js';
import { TelemetryParser, type DoneMsg, type HelloMsg, type StepMsg } from '../device/telemetry/index.js';
import { runFirmware } from '../device/virtual-board/qemu.js';
import { buildDeviceFirmware, int8Samples, ramSections } from '../devicerun/build.js';
import { prepareSynthetic } from '../training/synthetic.js';

const NETWORKS = [
  { name: 'mcunet-5fps-99kb', path: 'examples/mcunet-5fps/99kb.tinytrain.yaml', referenceKB: 173, goalKB: 128 },
  { name: 'mobilenetv2-w0.35-99kb', path: 'examples/mobilenetv2-w0.35/99kb.tinytrain.yaml', referenceKB: 141, goalKB: 113 },
  { name: 'proxylessnas-w0.3-98kb', path: 'examples/proxylessnas-w0.3/98kb.tinytrain.yaml', referenceKB: 135, goalKB: 108 },
];

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;
const wholeTensors = (text: string): string => text.replace(/^(\s+)qas:/m, '$1schedule: whole-tensors\n$1qas:');
const withSram = (text: string, sram: string): string => text.replace(/^(\s+)board: (\S+).*$/m, `$1board: $2\n$1sram: ${sram}`);

function planFigures(p: PlanSummary): Record<string, unknown> {
  return { peakSramBytes: p.peakSramBytes, peakSramKB: kb(p.peakSramBytes), arenaKB: kb(p.arenaBytes), staticKB: kb(p.staticBytes), lowerBoundKB: kb(p.lowerBoundBytes), peakAt: p.peakAt.op };
}

function plans(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of NETWORKS) {
    const text = readFileSync(n.path, 'utf8');
    const a = analyze(text, { compare: true });
    const whole = analyze(wholeTensors(text));
    if (!a.plan || !whole.plan || !a.compare) throw new Error(`${n.path}: no plan (${a.problems.map((p) => p.message).join('; ')})`);
    const p = a.plan;
    out[n.name] = {
      compact: planFigures(p), wholeTensors: planFigures(whole.plan),
      withoutStreamingKB: kb(a.compare.noStreaming.peakSramBytes), withoutChunkingKB: kb(a.compare.noChunking.peakSramBytes),
      withoutReorderingKB: kb(a.compare.noReorder.peakSramBytes), fullUpdateKB: kb(a.compare.fullUpdate.peakSramBytes),
      stream: p.lowering.stream ? { from: p.lowering.stream.firstOp, to: p.lowering.stream.lastOp, ringKB: kb(p.lowering.stream.ringBytes), rowSteps: p.lowering.stream.rowSteps } : null,
      chunks: p.lowering.chunks.map((c) => `L${c.layer} ${c.chunk}/${c.channels}`),
      analyticExtraKB: Math.round(a.analytic!.extraKB * 10) / 10,
      goalKB: n.goalKB, goalMet: p.peakSramBytes <= n.goalKB * 1024, overGoalKB: Math.max(0, kb(p.peakSramBytes - n.goalKB * 1024)),
      referenceMeasuredKB: n.referenceKB, ratioToReference: Math.round((p.peakSramBytes / 1024 / n.referenceKB) * 1000) / 1000,
    };
  }
  return out;
}

async function deviceRun(text: string, label: string): Promise<Record<string, unknown>> {
  const p = await prepareSynthetic(text, { train: 2, test: 1 });
  const steps = 3;
  const fw = await buildDeviceFirmware(p, { board: 'stm32f746', qemu: true, embedded: { samples: int8Samples(p, 'train').slice(0, 2), steps } });
  const run = await runFirmware({ machine: fw.target.qemuMachine!, elf: fw.elf, timeoutMs: 900_000 });
  const parser = new TelemetryParser();
  const msgs = [...parser.push(run.uart), ...parser.end()].flatMap((e) => (e.kind === 'message' ? [e.msg] : []));
  const hello = msgs.find((m) => m.type === 'hello') as HelloMsg | undefined;
  const done = msgs.find((m) => m.type === 'done') as DoneMsg | undefined;
  const stepMsgs = msgs.filter((m) => m.type === 'step') as StepMsg[];
  if (run.code !== 0 || !hello || !done || stepMsgs.length !== steps) throw new Error(`${label}: the firmware did not finish (exit ${run.code}, ${stepMsgs.length}/${steps} steps) ${run.stderr}`);
  const instr = stepMsgs.map((s) => Math.round((s.counter * 1e9) / hello.counterHz)).sort((a, b) => a - b);
  const sec = await ramSections(fw.elf);
  const measured = sec.data + sec.bss + done.stackHighWater;
  process.stderr.write(`${label}: ${instr[1]} instructions/step; SRAM measured ${measured} B, plan ${fw.plannedPeakSramBytes} B\n`);
  return {
    instructionsPerStep: instr[Math.floor(instr.length / 2)], instructionsPerStepAll: instr,
    measuredSramBytes: measured, data: sec.data, bss: sec.bss, stackHighWater: done.stackHighWater,
    plannedPeakSramBytes: fw.plannedPeakSramBytes,
    measuredOverPlanPercent: Math.round(((measured - fw.plannedPeakSramBytes) / fw.plannedPeakSramBytes) * 10000) / 100,
    text: fw.size.text,
  };
}

async function device(): Promise<Record<string, unknown>> {
  const mcunet = readFileSync(NETWORKS[0].path, 'utf8');
  const compact = await deviceRun(mcunet, 'mcunet compact');
  const whole = await deviceRun(wholeTensors(mcunet), 'mcunet whole-tensors');
  const links: Record<string, unknown> = {};
  for (const n of NETWORKS) {
    const p = await prepareSynthetic(withSram(readFileSync(n.path, 'utf8'), '256KB'), { train: 1, test: 1 });
    try {
      const fw = await buildDeviceFirmware(p, { board: 'stm32f746', embedded: { samples: int8Samples(p, 'train').slice(0, 1), steps: 1 } });
      links[n.name] = { linked: true, budgetBytes: fw.budget, data: fw.size.data, bss: fw.size.bss, text: fw.size.text, plannedPeakSramBytes: fw.plannedPeakSramBytes };
    } catch (e) {
      links[n.name] = { linked: false, error: (e as Error).message };
    }
  }
  return {
    'mcunet-5fps-99kb': {
      compact, wholeTensors: whole,
      instructionRatioCompactToWhole: Math.round(((compact.instructionsPerStep as number) / (whole.instructionsPerStep as number)) * 10000) / 10000,
      goal: 'compact <= 1.05 x whole instructions; measured SRAM within 3 % of the plan',
    },
    linkWithSram256KB: links,
  };
}

function pytorch(peakSramBytes: number): Record<string, unknown> {
  const r = spawnSync('/usr/bin/python3', ['bench/pytorch_memory.py', NETWORKS[1].path, '20'], { encoding: 'utf8', timeout: 900_000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let torch: Record<string, number | string>;
  try { torch = JSON.parse(line); } catch { return { error: `exit ${r.status}: ${(r.stderr ?? '').slice(-400)}` }; }
  const rss = torch.peakRssBytes as number;
  return {
    network: NETWORKS[1].name, ...torch, peakRssMiB: Math.round((rss / 1048576) * 10) / 10,
    tinytrainPlannedPeakBytes: peakSramBytes, ratio: Math.round(rss / peakSramBytes), paperRatio: 2300,
  };
}

async function main(): Promise<void> {
  const plan = plans();
  const result: Record<string, unknown> = { plan };
  result.pytorch = pytorch((plan[NETWORKS[1].name] as { compact: { peakSramBytes: number } }).compact.peakSramBytes);
  if (process.env.TT_BENCH_MEMORY_NO_DEVICE !== '1') result.device = await device();
  console.log(JSON.stringify(result));
}

main().catch((err) => { console.error(err); process.exit(1); });
