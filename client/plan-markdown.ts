// The analysis as a Markdown document: the read-only training-plan preview the `Show Training
// Plan` command opens until the plan webview (another issue) replaces it. No vscode import.

import type { Analysis, LayerRow } from '../compiler/analysis.js';
import { formatBytes } from '../compiler/config/units.js';

const count = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n));
const bytes = (n: number): string => (n === 0 ? '–' : formatBytes(n));
const update = (r: LayerRow): string => (r.update === 'weights' ? `weights ${r.k}/${r.cin}` : r.update);

export function planMarkdown(a: Analysis, title: string): string {
  const out: string[] = [`# Training plan — ${title}`, ''];
  if (!a.model || !a.plan || !a.budget) {
    out.push('The config cannot be analyzed yet. Problems:', '');
    for (const p of a.problems) out.push(`- line ${p.range.start.line + 1}: **${p.severity}** ${p.message}`);
    return out.join('\n') + '\n';
  }
  const m = a.model;
  const b = a.budget;
  const p = a.plan;
  out.push(`**${m.name}** · input ${m.input.join('x')} → ${m.classes} classes · ${m.convs} convs · ${count(m.params)} params · ${count(m.macs)} MACs · board **${a.board?.name}**`, '');
  if (a.partial) out.push('> The config has an unreadable layer: figures cover the layers before it only.', '');
  const over = p.peakSramBytes > b.sramBytes;
  out.push(`| | planned | budget |`, `|---|--:|--:|`);
  out.push(`| Peak SRAM | ${formatBytes(p.peakSramBytes)}${over ? ' ⚠' : ''} | ${Number.isFinite(b.sramBytes) ? formatBytes(b.sramBytes) : '–'} |`);
  if (a.flash) out.push(`| Flash (weights, biases, scales) | ${formatBytes(a.flash.totalBytes)} | ${Number.isFinite(b.flashBytes) ? formatBytes(b.flashBytes) : '–'} |`);
  out.push('');
  out.push(`Arena ${formatBytes(p.arenaBytes)} + trained copies ${formatBytes(p.staticBytes)}; schedule lower bound ${formatBytes(p.lowerBoundBytes)}. Peak at op ${p.peakAt.index} \`${p.peakAt.op}\` (${p.peakAt.phase}); live there: ${p.liveAtPeak.slice(0, 5).map((t) => `\`${t.name}\` ${formatBytes(t.bytes)}`).join(', ')}.`, '');
  if (a.analytic) out.push(`Analytic extra memory (the paper's model): ${a.analytic.extraKB.toFixed(1)} KB (activations ${a.analytic.activationKB.toFixed(1)} KB, parameters ${a.analytic.paramKB.toFixed(1)} KB).`, '');
  if (a.compare) out.push(`Without operator reordering: ${formatBytes(a.compare.noReorder.peakSramBytes)}; full update: ${formatBytes(a.compare.fullUpdate.peakSramBytes)} (analytic ${a.compare.fullUpdateAnalyticKB.toFixed(1)} KB).`, '');
  out.push('| # | conv | kind | in → out | MACs | params | update | saved | trained | peak |', '|--:|---|---|---|--:|--:|---|--:|--:|:-:|');
  for (const r of a.layers) {
    out.push(`| ${r.index} | ${r.name} | ${r.kind} | ${r.inShape.join('x')} → ${r.outShape.join('x')} | ${count(r.macs)} | ${count(r.params)} | ${update(r)} | ${bytes(r.savedBytes)} | ${bytes(r.trainedBytes)} | ${r.onPeak ? '●' : ''} |`);
  }
  const c = a.classifier;
  if (c) out.push(`| | classifier | fc | ${c.cin} → ${c.classes} | ${count(c.macs)} | ${count(c.params)} | ${c.trains ? 'weights+bias' : 'frozen'} | – | ${bytes(c.trainedBytes)} | |`);
  const problems = a.problems.filter((x) => x.severity !== 'info');
  if (problems.length) {
    out.push('', '## Problems', '');
    for (const x of problems) out.push(`- line ${x.range.start.line + 1}: **${x.severity}** ${x.message}`);
  }
  out.push('', '_A read-only preview; the interactive plan view replaces it in a later version._');
  return out.join('\n') + '\n';
}
