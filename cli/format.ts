// Plain-text rendering of an analysis for the terminal.

import type { Analysis, LayerRow } from '../compiler/analysis.js';
import type { Problem } from '../compiler/config/spec.js';
import { formatBytes } from '../compiler/config/units.js';

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

const kb = (bytes: number): string => (bytes === 0 ? '-' : formatBytes(bytes));

export function updateLabel(l: Pick<LayerRow, 'update' | 'k' | 'cin'>): string {
  if (l.update === 'weights') return `weights ${l.k}/${l.cin}`;
  return l.update;
}

export function formatProblem(file: string, p: Problem): string {
  return `${file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity}: ${oneLine(p.message)}`;
}

/** Text as the terminal may see it: a class name, a folder name or a device line can hold escape
 * sequences (ESC, CSI), carriage returns that overwrite the line, or bidirectional overrides
 * that reorder it; each becomes '?'. Newlines and tabs stay. Every line the CLI prints goes
 * through this (cli/main.ts). */
export function terminalText(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '?');
}

/** The first line of a message as terminalText shows it, cut to `max` characters: a parser
 *  quoting a whole token of a binary file must not print megabytes. */
export function oneLine(text: string, max = 400): string {
  const first = terminalText(text.split(/\r?\n/, 1)[0]);
  return first.length > max ? `${first.slice(0, max)}... (cut; ${text.length} characters in all)` : first;
}

export function formatAnalysis(a: Analysis): string {
  const out: string[] = [];
  const m = a.model!;
  const b = a.budget!;
  out.push(`${m.name} · ${m.input.join('x')} -> ${m.classes} classes · ${m.convs} convs · ${formatCount(m.params)} params · ${formatCount(m.macs)} MACs · board ${a.board!.name} (${formatBytes(b.sramBytes)} SRAM, ${formatBytes(b.flashBytes)} flash)`);
  out.push('');
  const header = ['#', 'layer', 'kind', 'out', 'MACs', 'params', 'update', 'saved', 'trained'];
  const rows: string[][] = a.layers.map((l) => [
    String(l.index), l.name, l.kind, l.outShape.join('x'), formatCount(l.macs), formatCount(l.params), updateLabel(l),
    kb(l.savedBytes), kb(l.trainedBytes),
  ]);
  const c = a.classifier!;
  rows.push(['', 'classifier', 'fc', String(c.classes), formatCount(c.macs), formatCount(c.params), c.trains ? 'weights+bias' : 'frozen', '-', kb(c.trainedBytes)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([0, 4, 5, 7, 8]);
  const line = (r: string[]): string => r.map((cell, i) => (right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  out.push(line(header));
  for (const r of rows) out.push(line(r));
  out.push('');
  const an = a.analytic!;
  out.push(`Analytic extra memory (paper's model): ${an.extraKB.toFixed(1)} KB (activations ${an.activationKB.toFixed(1)} KB, parameters ${an.paramKB.toFixed(1)} KB)`);
  const p = a.plan!;
  const overhead = p.lowerBoundBytes > 0 ? ((p.peakSramBytes / p.lowerBoundBytes - 1) * 100).toFixed(1) : '0.0';
  out.push(`Peak SRAM (planned): ${formatBytes(p.peakSramBytes)} of ${formatBytes(b.sramBytes)} = arena ${formatBytes(p.arenaBytes)} + trained copies ${formatBytes(p.staticBytes)}; schedule lower bound ${formatBytes(p.lowerBoundBytes)} (planner overhead ${overhead} %)`);
  out.push(`Peak at op ${p.peakAt.index} ${p.peakAt.op} (${p.peakAt.phase}); live there: ${p.liveAtPeak.slice(0, 5).map((t) => `${t.name} ${formatBytes(t.bytes)}`).join(', ')}`);
  const low = p.lowering;
  if (low.stream) {
    const s = low.stream;
    out.push(`Streamed stage (frozen prefix, forward only): ${s.firstOp} .. ${s.lastOp}, ${s.ops} ops as ${s.rowSteps} row computations; rings ${formatBytes(s.ringBytes)} (${s.rings.map((r) => `${r.name} ${r.rows}/${r.of} rows`).join(', ')}); writes ${s.output} whole (${formatBytes(s.outputBytes)})`);
  }
  if (low.chunks.length) {
    out.push(`Chunked backward (pw2 -> dw -> pw1 in chunks of expanded channels): ${low.chunks.map((c) => `L${c.layer} ${c.chunk}/${c.channels} ch (${formatBytes(c.bytes)})`).join(', ')}`);
  }
  if (low.schedule === 'whole-tensors') out.push('Schedule: whole tensors (train.schedule: whole-tensors)');
  if (a.compare) {
    const cmp = a.compare;
    out.push(`Without streaming: ${formatBytes(cmp.noStreaming.peakSramBytes)}; without chunking: ${formatBytes(cmp.noChunking.peakSramBytes)}; without operator reordering: ${formatBytes(cmp.noReorder.peakSramBytes)}; full update: ${formatBytes(cmp.fullUpdate.peakSramBytes)} (analytic ${cmp.fullUpdateAnalyticKB.toFixed(1)} KB)`);
  }
  const f = a.flash!;
  out.push(`Flash: ${formatBytes(f.totalBytes)} of ${formatBytes(b.flashBytes)} (weights ${formatBytes(f.weightBytes)}, biases ${formatBytes(f.biasBytes)}, scales ${formatBytes(f.scaleBytes)}; code size comes from a firmware build)`);
  return out.join('\n');
}
