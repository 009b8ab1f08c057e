// Lenses above `model:`: the planned peak SRAM and the flash against the budgets (runs the plan
// view), "Show Training Plan" and "Compile".

import type { CodeLens } from 'vscode-languageserver/node';
import type { Analysis } from '../compiler/analysis.js';
import { Commands } from '../protocol/lsp.js';
import { formatBytes } from './format.js';

/** `recovered`: the figures come from the syntax-error recovery view (broken lines left out). */
export function summaryTitle(a: Analysis, recovered = false): string {
  if (!a.plan || !a.budget || !a.flash) return 'TinyTrain: no memory figures until the config reads (see Problems)';
  const parts = [
    `Peak SRAM ${formatBytes(a.plan.peakSramBytes)} / ${budget(a.budget.sramBytes)}`,
    `Flash ${formatBytes(a.flash.totalBytes)} / ${budget(a.budget.flashBytes)}`,
  ];
  const over = a.plan.peakSramBytes > a.budget.sramBytes || a.flash.totalBytes > a.budget.flashBytes;
  let title = parts.join(' · ');
  if (a.partial) title += ` (layers 0–${a.source.layers.length - 1} only)`;
  else if (recovered) title += ' (without the lines with syntax errors)';
  else if (over) title += ' · over budget';
  return title;
}

function budget(bytes: number): string {
  return Number.isFinite(bytes) ? formatBytes(bytes) : 'no budget';
}

export function codeLenses(a: Analysis, uri: string, recovered = false): CodeLens[] {
  const at = a.source.model;
  if (!at) return [];
  const range = { start: { line: at.range.start.line, character: 0 }, end: { line: at.range.start.line, character: 0 } };
  return [
    { range, command: { title: summaryTitle(a, recovered), command: Commands.showPlan, arguments: [uri] } },
    { range, command: { title: 'Show Training Plan', command: Commands.showPlan, arguments: [uri] } },
    { range, command: { title: 'Compile', command: Commands.compile, arguments: [uri] } },
  ];
}
