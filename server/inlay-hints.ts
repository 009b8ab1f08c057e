// One short hint at the end of each layer line: what a frozen layer computes
// (`64x64x16 · 1.8M MAC · frozen`) or what training it costs (`8x8x48 · bias+w 1/8 · +6.9 KB`).

import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver/node';
import type { Analysis, LayerRow } from '../compiler/analysis.js';
import { trainingBytes } from '../compiler/layer-costs.js';
import { formatBytes, ratioText, rowsOfLayer, shape, shortCount } from './format.js';
import { endOfLine, lineSpan } from './locate.js';

const TOOLTIP = 'Output shape · MACs · frozen, or what trains (bias, bias+w with the weight ratio) · +SRAM that training this layer adds (saved for backward + trained copies) · peak: a tensor of this layer is live at the SRAM peak. Hover the line for every conv.';

export function layerHintLabel(a: Analysis, rows: LayerRow[]): string {
  const last = rows[rows.length - 1];
  const parts = [shape(last.outShape)];
  const trained = rows.filter((r) => r.update !== 'frozen');
  if (trained.length === 0) {
    parts.push(`${shortCount(rows.reduce((n, r) => n + r.macs, 0))} MAC`, 'frozen');
  } else {
    const w = trained.filter((r) => r.update === 'weights');
    const ratios = [...new Set(w.map((r) => ratioText(a, r)))];
    parts.push(w.length === 0 ? 'bias' : ratios.length === 1 && (ratios[0] === '1' || ratios[0] === '1.0') ? 'bias+w' : `bias+w ${ratios.join(',')}`);
    parts.push(`+${formatBytes(trained.reduce((n, r) => n + trainingBytes(r), 0))}`);
  }
  if (rows.some((r) => r.onPeak)) parts.push('peak');
  return parts.join(' · ');
}

export function inlayHints(a: Analysis, lines: string[], range: Range): InlayHint[] {
  const hints: InlayHint[] = [];
  const byLayer = new Map<number, LayerRow[]>();
  for (const r of a.layers) {
    const list = byLayer.get(r.layer);
    if (list) list.push(r);
    else byLayer.set(r.layer, [r]);
  }
  a.source.layers.forEach((loc, i) => {
    const { last } = lineSpan(loc);
    if (last < range.start.line || last > range.end.line || last >= lines.length) return;
    const rows = byLayer.get(i) ?? rowsOfLayer(a, i);
    if (rows.length === 0) return;
    hints.push({ position: endOfLine(lines, last), label: layerHintLabel(a, rows), kind: InlayHintKind.Type, paddingLeft: true, tooltip: TOOLTIP });
  });
  return hints;
}
