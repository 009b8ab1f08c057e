// Hovers: on a layer item, what each of its convs costs; on `biases:` and on a `weights:` entry,
// which convs they select and what that costs; on a key, the schema's description; on a board
// name, the board.

import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import { kernelText, strideText, type Analysis, type LayerRow } from '../compiler/analysis.js';
import { markdownText } from '../compiler/codegen/text.js';
import { BOARDS } from '../compiler/config/boards.js';
import { schemaAt } from '../compiler/config/validate.js';
import { trainedBiasBytes, trainedWeightBytes, trainingBytes } from '../compiler/layer-costs.js';
import { formatBytes, kb, ratioText, rowsOfLayer, shape, shortCount } from './format.js';
import { layerAt, onLineOf, weightEntryAt } from './locate.js';
import { keyPathAt, readLine } from './yaml-path.js';

const md = (value: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value } });

export function hoverAt(a: Analysis, lines: string[], pos: Position): Hover | null {
  const key = keyPathAt(lines, pos.line, pos.character);
  const last = key?.path[key.path.length - 1];
  const docOf = (path: (string | number)[]): string => {
    const d = schemaAt(path)?.description;
    return d ? `\n\n---\n\`${path.filter((p) => typeof p === 'string').join('.')}\` — ${d}` : '';
  };
  // `biases: 22` (key or value) and the `weights:` key: what they select and cost, then the docs.
  if (onLineOf(a.source.biases, pos) || (key && last === 'biases' && key.path[1] === 'update')) {
    return md(biasesHover(a) + docOf(['train', 'update', 'biases']));
  }
  if (key && last === 'weights' && key.path[1] === 'update') return md(weightsHover(a) + docOf(key.path));
  if (key && onKeyOnly(key.path)) return keyHover(key.path);

  if (onLineOf(a.source.import, pos) && a.imported) return md(importHover(a) + docOf(['model', 'import']));
  const entry = weightEntryAt(lines, pos);
  if (entry !== undefined) return md(weightHover(a, entry));
  const layer = layerAt(a, pos);
  if (layer !== undefined) {
    // The figures of the layer; over a key of its body (`out`, `kernel`), that key's docs too.
    const doc = key && key.path.length > 4 ? schemaAt(key.path)?.description : undefined;
    return md(layerHover(a, layer) + (doc ? `\n\n---\n\`${key!.path[key!.path.length - 1]}\` — ${doc}` : ''));
  }
  if (key) return keyHover(key.path);
  const board = boardValueAt(lines, pos);
  if (board) return md(`**${board.name}** — ${board.description}`);
  return null;
}

/** Keys whose hover is their documentation even where the line has figures of its own. */
function onKeyOnly(path: (string | number)[]): boolean {
  const last = path[path.length - 1];
  return last === 'layers' || last === 'update';
}

function keyHover(path: (string | number)[]): Hover | null {
  const s = schemaAt(path);
  if (!s?.description) return null;
  const name = path.filter((p) => typeof p === 'string').join('.');
  const options = s.enum ? `\n\nOne of: ${s.enum.map((e) => `\`${e}\``).join(', ')}` : '';
  return md(`\`${name}\` — ${s.description}${options}`);
}

function boardValueAt(lines: string[], pos: Position) {
  const l = readLine(lines[pos.line] ?? '');
  if (l.key !== 'board' || !l.rest) return undefined;
  return BOARDS[l.rest.replace(/^["']|["']$/g, '')];
}

function updateText(a: Analysis, r: LayerRow): string {
  if (r.update === 'weights') return `bias + weights ${r.k}/${r.cin} ${r.kind === 'dw' ? 'channels' : 'input channels'} (${ratioText(a, r)})`;
  return r.update === 'bias' ? 'bias' : 'frozen';
}

export function layerHover(a: Analysis, layer: number): string {
  const rows = rowsOfLayer(a, layer);
  if (rows.length === 0) return `Layer ${layer}: not analyzed (the config has errors before or at this layer).`;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const kind = first.kind === 'conv' ? 'conv' : 'mbconv';
  const convs = rows.length === 1 ? `conv ${first.index}` : `convs ${first.index}–${last.index}`;
  const out: string[] = [];
  out.push(`**${kind}** · layer ${layer} · ${convs} · ${shape(first.inShape)} → ${shape(last.outShape)}${a.partial ? ' · _partial analysis_' : ''}`);
  out.push('');
  out.push('| conv | in → out | MACs | params | update | saved for backward | trained copies | analytic | on peak |');
  out.push('|---|---|--:|--:|---|--:|--:|--:|:-:|');
  for (const r of rows) {
    out.push(`| ${r.index} \`${r.name}\` (${r.kind}${r.kernel[0] * r.kernel[1] > 1 ? ` ${kernelText(r)}` : ''}${r.stride[0] * r.stride[1] > 1 ? ` /${strideText(r)}` : ''}) | ${shape(r.inShape)} → ${shape(r.outShape)} | ${shortCount(r.macs)} | ${shortCount(r.params)} | ${updateText(a, r)} | ${formatBytes(r.savedBytes)} | ${formatBytes(r.trainedBytes)} | ${kb(r.analyticKB)} | ${r.onPeak ? '**yes**' : 'no'} |`);
  }
  const total = rows.reduce((n, r) => n + trainingBytes(r), 0);
  const analytic = rows.reduce((n, r) => n + r.analyticKB, 0);
  out.push('');
  out.push(`Training this layer adds ${formatBytes(total)} of SRAM (analytic model: ${kb(analytic)}).`);
  const stream = a.plan?.lowering.stream;
  if (stream && rows.some((r) => r.streamed)) {
    const names = new Set(rows.map((r) => r.name));
    const rings = stream.rings.filter((g) => names.has(g.name)).map((g) => `\`${g.name}\` ${g.rows}/${g.of} rows (${formatBytes(g.bytes)})`);
    out.push(`**Streamed** (frozen prefix \`${stream.firstOp}\` … \`${stream.lastOp}\`, forward only, a few rows at a time): ${rings.length ? `rings ${rings.join(', ')}` : `writes \`${stream.output}\` whole (${formatBytes(stream.outputBytes)})`}; the stage's rings take ${formatBytes(stream.ringBytes)} in all.`);
  }
  const chunk = rows.find((r) => r.backwardChunk)?.backwardChunk;
  if (chunk) {
    const c = a.plan?.lowering.chunks.find((x) => x.layer === layer);
    out.push(`**Chunked backward**: pw2 → dw → pw1 run ${chunk.chunk} of ${chunk.channels} expanded channels at a time${c ? ` (gradient chunks ${formatBytes(c.bytes)})` : ''}, so no whole expanded-channel gradient exists.`);
  }
  const peak = a.plan;
  if (peak && rows.some((r) => r.onPeak)) {
    const live = peak.liveAtPeak.filter((t) => rows.some((r) => r.index === t.conv)).map((t) => `\`${t.name}\` ${formatBytes(t.bytes)}`);
    out.push(`**On the SRAM peak** (${formatBytes(peak.peakSramBytes)} at \`${peak.peakAt.op}\`, ${peak.peakAt.phase}): ${live.join(', ') || 'a tensor of this layer is live there'}.`);
  }
  return out.join('\n');
}

export function biasesHover(a: Analysis): string {
  const rows = a.layers.filter((r) => r.update !== 'frozen');
  const n = a.train?.biases ?? rows.length;
  if (rows.length === 0) return `\`biases: ${n}\` — no backbone conv trains its bias.${a.classifier?.trains ? ' The classifier still trains.' : ''}`;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const bias = rows.reduce((s, r) => s + trainedBiasBytes(r), 0);
  const saved = rows.reduce((s, r) => s + r.savedBytes, 0);
  const analytic = rows.reduce((s, r) => s + r.analyticKB, 0);
  const layers = [...new Set(rows.map((r) => r.layer))];
  return [
    `\`biases: ${n}\` — the last ${rows.length} convs train their bias: convs ${first.index}–${last.index} (\`${first.name}\` … \`${last.name}\`), in layers ${layers[0]}–${layers[layers.length - 1]}.`,
    '',
    `- bias copies in SRAM (int32 per output channel): ${formatBytes(bias)}`,
    `- saved for backward in these convs (ReLU masks, and input slices where weights train): ${formatBytes(saved)}`,
    `- analytic extra memory of these convs: ${kb(analytic)}${a.analytic ? ` of ${kb(a.analytic.extraKB)} in all` : ''}`,
  ].join('\n');
}

export function weightsHover(a: Analysis): string {
  const entries = a.train?.weights ?? [];
  if (entries.length === 0) return 'No conv trains its weights in this plan (only biases and the classifier).';
  const out = [`${entries.length} conv${entries.length === 1 ? '' : 's'} train weights:`, ''];
  let total = 0;
  for (const w of entries) {
    const r = a.layers.find((x) => x.index === w.conv);
    if (!r) continue;
    total += trainingBytes(r);
    out.push(`- conv ${w.conv} \`${r.name}\` (${r.kind}, layer ${r.layer}): ${w.text} → ${r.k}/${r.cin} ${r.kind === 'dw' ? 'channels' : 'input channels'}, +${formatBytes(trainingBytes(r))}`);
  }
  out.push('', `Together (with their biases and saved inputs): ${formatBytes(total)}.`);
  return out.join('\n');
}

export function weightHover(a: Analysis, conv: number): string {
  const r = a.layers.find((x) => x.index === conv);
  if (!r) return `conv ${conv} is not in the analyzed backbone (${a.layers.length} convs${a.partial ? ' read so far' : ''}).`;
  if (r.update !== 'weights') return `conv ${conv} (\`${r.name}\`, layer ${r.layer}): its weights do not train in this plan (${r.update}).`;
  const what = r.kind === 'dw' ? `its first ${r.k} of ${r.cin} channels` : `the weights of its first ${r.k} of ${r.cin} input channels`;
  return [
    `conv ${conv} — \`${r.name}\` (${r.kind}, layer ${r.layer}), ${shape(r.inShape)} → ${shape(r.outShape)}: trains ${what} (${ratioText(a, r)}).`,
    '',
    `- weight copy in SRAM: ${formatBytes(trainedWeightBytes(r))}${a.train?.weightRounding === 'residual' ? ' (int8 weights and their rounding residual bytes)' : ''}, bias copy: ${formatBytes(trainedBiasBytes(r))}`,
    `- saved for backward (input slice and mask): ${formatBytes(r.savedBytes)}${r.plannedSavedBytes < r.savedBytes ? `; the plan keeps ${formatBytes(r.plannedSavedBytes)} of its own (all channels train, so the input itself stays alive instead of a copy)` : ''}`,
    `- analytic extra memory: ${kb(r.analyticKB)}${r.onPeak ? ' · **on the SRAM peak**' : ''}`,
  ].join('\n');
}

/** On the `import:` line: the imported layers as the file names them, with what each trains. */
export function importHover(a: Analysis): string {
  const m = a.imported!;
  const byConv = new Map(a.layers.map((r) => [r.index, r]));
  const out: string[] = [];
  const head = m.classifier.kept ? `its classifier kept (${m.classifier.fileClasses} classes)` : `a new classifier for ${a.model?.classes} classes (the file has ${m.classifier.fileClasses})`;
  out.push(`**imported** ${markdownText(m.file)} · ${a.layers.length} convs · ${shape(a.model?.input ?? [])} in · ${head}${m.description ? ` · ${markdownText(m.description.slice(0, 80))}` : ''}`);
  out.push('');
  out.push('| op | kind | conv | out | update | tensor |');
  out.push('|--:|---|--:|---|---|---|');
  for (const l of m.layers) {
    const r = l.conv !== undefined ? byConv.get(l.conv) : undefined;
    const update = r ? (r.update === 'weights' ? `bias + weights ${r.k}/${r.cin}` : r.update) : l.opName === 'FULLY_CONNECTED' || (l.conv === undefined && l.opName === 'CONV_2D') ? (a.classifier?.trains ? 'trains' : 'frozen') : '';
    out.push(`| ${l.op} | ${l.opName} | ${l.conv ?? ''} | ${shape(l.outShape.filter((d, i) => i > 0 || d !== 1))} | ${update} | ${markdownText(l.tensorName.slice(0, 60))} |`);
  }
  return out.join('\n');
}
