// The training plan view: the backbone as a column of layers grouped by block, each conv marked
// frozen / bias / weights with its ratio, bars for its saved-for-backward and trained bytes, and
// the totals against the budget. Clicking a conv asks the extension to cycle its update; the
// extension edits the YAML and the view redraws from the analysis of the edited text (it never
// changes itself optimistically, so it always shows what the text says).

import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { kernelText, strideText } from '../compiler/analysis.js';
import { checkPlanToView, type LayerRow, type ParetoModel, type PlanFromView, type PlanModel, type PlanToView, type StepProfile } from '../protocol/webview.js';
import { connect, el, formatBytes, formatCount, onThemeChange, ratioText } from './common.js';
import { paretoSection, redrawPareto } from './pareto.js';
import './style.css';
import './plan.css';

interface State { model?: PlanModel }

const root = document.getElementById('root')!;
let model: PlanModel | undefined;
/** The last Find Best Update Plan result for this config, until dismissed (the extension sends it
 * again after every `ready`, so it is not kept in the view's state). */
let pareto: ParetoModel | undefined;
/** Clicks waiting for a newer analysis: conv -> {id, version seen when clicked}. */
const pending = new Map<number, { clickId: number; version: number }>();
let nextClick = 1;

const view = connect<PlanToView, PlanFromView, State>(checkPlanToView, (m) => {
  if (m.type === 'notice') return notice(m.level, m.message);
  if (m.type === 'pareto') {
    pareto = m.pareto ?? undefined;
    return render();
  }
  const done = [...pending.entries()].filter(([, p]) => m.model.version > p.version);
  for (const [conv] of done) pending.delete(conv);
  model = m.model;
  view.save({ model });
  render();
  document.body.dataset.version = String(model.version);
  for (const [, p] of done) view.post({ type: 'rendered', version: m.model.version, clickId: p.clickId });
});

let shownNotice: { level: 'info' | 'error'; message: string } | undefined;
function notice(level: 'info' | 'error', message: string): void {
  shownNotice = { level, message };
  if (level === 'error') pending.clear();
  render();
}

function modeLabel(r: LayerRow): string {
  return r.update === 'weights' ? `weights ${ratioText(r.ratio)}` : r.update;
}

function bar(kind: 'saved' | 'trained', bytes: number, max: number): HTMLElement {
  const fill = el('span', { class: `fill ${kind}` });
  fill.style.width = `${max > 0 ? Math.max(bytes > 0 ? 1.5 : 0, (100 * bytes) / max) : 0}%`;
  return el('span', { class: 'bar', title: `${kind === 'saved' ? 'Saved for backward' : 'Trained (SRAM copies)'}: ${formatBytes(bytes)}` }, fill, el('span', { class: 'bar-text' }, bytes ? formatBytes(bytes) : ''));
}

function click(conv: number): void {
  if (!model || pending.has(conv)) return;
  const clickId = nextClick++;
  pending.set(conv, { clickId, version: model.version });
  shownNotice = undefined;
  view.post({ type: 'cycle', conv, version: model.version, clickId });
  render();
}

function layerRow(r: LayerRow, maxSaved: number, maxTrained: number): HTMLElement {
  const row = el('div', {
    class: `conv ${r.update}${pending.has(r.index) ? ' pending' : ''}${r.onPeak ? ' on-peak' : ''}`,
    role: 'button',
    tabindex: '0',
    'data-conv': String(r.index),
    'data-mode': modeLabel(r),
    title: `${r.name}: ${modeLabel(r)}${r.update === 'weights' ? ` (${r.k} of ${r.cin} input channels)` : ''}. Click to cycle: frozen → bias → weights 1/8 → 1/4 → 1/2 → 1 → frozen.`,
  },
  el('span', { class: `mode ${r.update}` }, modeLabel(r)),
  el('span', { class: 'name' }, el('span', { class: 'idx' }, `#${r.index}`), ` ${r.name.replace(/^L\d+\./, '')}`),
  el('span', { class: 'shape', title: `${r.inShape.join('×')} → ${r.outShape.join('×')}, ${kernelText(r, '×')} stride ${strideText(r, '×')}` }, `${r.inShape.join('×')} → ${r.outShape.join('×')}`),
  el('span', { class: 'macs' }, `${formatCount(r.macs)} MACs`),
  bar('saved', r.savedBytes, maxSaved),
  bar('trained', r.trainedBytes, maxTrained),
  el('span', { class: 'peak', title: r.onPeak ? 'A tensor of this conv is live at the peak' : '' }, r.onPeak ? '●' : ''),
  );
  row.addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('.reveal')) return;
    click(r.index);
  });
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      click(r.index);
    }
  });
  return row;
}

const COUNTED_BY: Record<StepProfile['unit'], string> = { instructions: 'QEMU -icount', cycles: 'core cycle counter', ms: 'clock' };

/** The step time of the last `tinytrain profile`, and whether it measured this plan. */
function profileLine(p: StepProfile): HTMLElement {
  const perStep = p.unit === 'ms' ? `${p.perStep.toFixed(2)} ms` : `${formatCount(p.perStep)} ${p.unit}`;
  const when = new Date(p.measuredAt);
  return el('p', { id: 'profile', class: `profile${p.current ? '' : ' stale'}` },
    el('span', { class: 'label' }, 'Step time '), el('span', { class: 'value' }, perStep),
    el('span', { class: 'muted' }, ` per step on ${p.board} (${COUNTED_BY[p.unit]}, ${p.steps} steps), profiled ${Number.isNaN(when.getTime()) ? p.measuredAt : when.toLocaleString()}`),
    p.current ? undefined : el('span', { class: 'notice-inline' }, ' · the plan has changed since: run tinytrain profile again for current shares'),
  );
}

/** A block's share of the profiled step, as text and a small bar. */
function stepShare(share: number, max: number): HTMLElement {
  const fill = el('span', { class: 'fill step' });
  fill.style.width = `${max > 0 ? Math.max(2, (100 * share) / max) : 0}%`;
  return el('span', { class: 'step-share', title: `${(100 * share).toFixed(1)} % of the profiled training step` },
    el('span', { class: 'bar step' }, fill), el('span', { class: 'step-text' }, `${(100 * share).toFixed(1)} % of step`));
}

function totals(m: PlanModel): HTMLElement {
  const budget = m.budget?.sramBytes ?? null;
  const peak = m.peakSramBytes;
  const over = budget !== null && peak !== undefined && peak > budget;
  const meter = el('div', { class: `meter${over ? ' over' : ''}` });
  if (peak !== undefined && budget) {
    const arena = el('span', { class: 'seg arena', title: `Arena (activations, masks, saved slices, gradients, scratch): ${formatBytes(m.arenaBytes)}` });
    const stat = el('span', { class: 'seg static', title: `Trained copies (weights, biases): ${formatBytes(m.staticBytes)}` });
    const scale = Math.max(budget, peak);
    arena.style.width = `${(100 * (m.arenaBytes ?? 0)) / scale}%`;
    stat.style.width = `${(100 * (m.staticBytes ?? 0)) / scale}%`;
    const line = el('span', { class: 'budget-line', title: `Budget ${formatBytes(budget)}` });
    line.style.left = `${(100 * budget) / scale}%`;
    meter.append(arena, stat, line);
  }
  const saved = m.layers.reduce((s, r) => s + r.savedBytes, 0);
  const trained = m.layers.reduce((s, r) => s + r.trainedBytes, 0) + (m.classifier?.trainedBytes ?? 0);
  const fig = (label: string, value: string, cls = '') => el('div', { class: `fig ${cls}` }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, value));
  return el('section', { class: 'totals' },
    el('div', { class: 'figs' },
      fig('Peak SRAM', `${formatBytes(peak)}${budget ? ` / ${formatBytes(budget)}` : ''}`, over ? 'over' : 'peak'),
      fig('Saved for backward', formatBytes(saved), 'saved'),
      fig('Trained', formatBytes(trained), 'trained'),
      fig('Flash', `${formatBytes(m.flashBytes)}${m.budget?.flashBytes ? ` / ${formatBytes(m.budget.flashBytes)}` : ''}`),
      m.analyticKB !== undefined ? fig('Analytic extra', `${m.analyticKB.toFixed(1)} KB`) : undefined,
    ),
    meter,
    el('div', { class: 'legend' },
      el('span', { class: 'key arena' }, 'arena'), el('span', { class: 'key static' }, 'trained copies'), budget ? el('span', { class: 'key budget' }, `budget ${formatBytes(budget)}`) : undefined,
      m.peakAt ? el('span', { class: 'muted' }, ` · peak at ${m.peakAt.op} (${m.peakAt.phase})`) : undefined,
      m.lowering?.stream ? el('span', { class: 'muted' }, ` · streamed ${m.lowering.stream.firstOp} … ${m.lowering.stream.lastOp} (rings ${formatBytes(m.lowering.stream.ringBytes)})`) : undefined,
      m.lowering?.chunks.length ? el('span', { class: 'muted' }, ` · backward chunked in ${m.lowering.chunks.length} blocks`) : undefined,
    ),
  );
}

function render(): void {
  const m = model;
  root.replaceChildren();
  if (!m) {
    root.append(el('p', { class: 'muted' }, 'Waiting for the analysis…'));
    return;
  }
  const title = el('header', {},
    el('h1', {}, `Training plan`, el('span', { class: 'file' }, ` · ${m.fileName}`)),
    el('p', { class: 'muted' }, m.model ? `${m.model.name} · input ${m.model.input.join('×')} → ${m.model.classes} classes · ${m.model.convs} convs · ${formatCount(m.model.params)} params · ${formatCount(m.model.macs)} MACs${m.board ? ` · ${m.board.name}` : ''}` : 'The config cannot be analyzed yet.'),
  );
  root.append(title);
  if (shownNotice) root.append(el('p', { id: 'notice', class: `notice ${shownNotice.level}` }, shownNotice.message));
  if (m.partial) root.append(el('p', { class: 'notice info' }, 'A layer cannot be read: the figures cover the layers before it.'));
  const blocking = m.errors.filter((e) => !/budget|SRAM|flash/i.test(e.message));
  for (const e of m.errors.slice(0, 4)) root.append(el('p', { class: 'notice error' }, `Line ${e.line + 1}: ${e.message}`));
  if (!m.layers.length) return;
  root.append(totals(m));
  const best = paretoSection(pareto?.uri === m.uri ? pareto : undefined, m, {
    apply: (index) => view.post({ type: 'applyPareto', index }),
    dismiss: () => {
      pareto = undefined;
      view.post({ type: 'dismissPareto' });
      render();
    },
  });
  if (best) root.append(best);
  if (m.profile) root.append(profileLine(m.profile));
  const shareOf = new Map((m.profile?.layers ?? []).map((l) => [l.layer, l.share]));
  const maxShare = Math.max(0, ...shareOf.values());
  root.append(el('div', { class: 'legend modes' },
    el('span', { class: 'mode frozen' }, 'frozen'), el('span', { class: 'mode bias' }, 'bias'), el('span', { class: 'mode weights' }, 'weights r'),
    el('span', { class: 'key saved' }, 'saved for backward'), el('span', { class: 'key trained' }, 'trained bytes'),
    el('span', { class: 'muted hint' }, blocking.length ? 'Fix the errors above to edit the plan.' : 'Click a conv to cycle its update.'),
  ));
  const maxSaved = Math.max(0, ...m.layers.map((r) => r.savedBytes));
  const maxTrained = Math.max(0, ...m.layers.map((r) => r.trainedBytes));
  const blocks = new Map<number, LayerRow[]>();
  for (const r of m.layers) blocks.set(r.layer, [...(blocks.get(r.layer) ?? []), r]);
  const list = el('section', { class: 'blocks' });
  for (const [layer, rows] of blocks) {
    const kind = rows.length === 1 && rows[0].kind === 'conv' ? 'conv' : 'mbconv';
    const trains = rows.some((r) => r.update !== 'frozen');
    const streamed = rows.every((r) => r.streamed);
    const chunk = rows.find((r) => r.backwardChunk)?.backwardChunk;
    const head = el('div', { class: 'block-head' },
      el('span', { class: 'block-name' }, `L${layer} ${kind}`),
      el('span', { class: 'muted' }, `${rows[0].inShape.join('×')} → ${rows[rows.length - 1].outShape.join('×')}`),
      streamed ? el('span', { class: 'lowering streamed', title: 'Frozen prefix: runs forward only, a few rows at a time, in rings of rows (no whole activation)' }, 'streamed rows') : undefined,
      chunk ? el('span', { class: 'lowering chunked', title: `The backward through pw2 → dw → pw1 runs ${chunk.chunk} of ${chunk.channels} expanded channels at a time` }, `backward in chunks of ${chunk.chunk}/${chunk.channels} ch`) : undefined,
      shareOf.has(layer) ? stepShare(shareOf.get(layer)!, maxShare) : undefined,
    );
    const reveal = el('a', { class: 'reveal', href: '#', title: 'Show this layer in the config' }, 'go to line');
    reveal.addEventListener('click', (e) => {
      e.preventDefault();
      view.post({ type: 'reveal', conv: rows[0].index });
    });
    head.append(reveal);
    const block = el('div', { class: `block${trains ? ' trains' : ''}${streamed ? ' streamed' : ''}`, 'data-layer': String(layer) }, head);
    for (const r of rows) block.append(layerRow(r, maxSaved, maxTrained));
    list.append(block);
  }
  const c = m.classifier;
  if (c) {
    list.append(el('div', { class: `block${c.trains ? ' trains' : ''}` },
      el('div', { class: 'block-head' }, el('span', { class: 'block-name' }, 'classifier'), el('span', { class: 'muted' }, `fc ${c.cin} → ${c.classes}`)),
      el('div', { class: `conv static ${c.trains ? 'weights' : 'frozen'}`, title: 'The classifier trains unless train.update.classifier is false.' },
        el('span', { class: `mode ${c.trains ? 'weights' : 'frozen'}`, title: c.trains ? 'Its weights and bias train' : 'Frozen' }, c.trains ? 'trains' : 'frozen'),
        el('span', { class: 'name' }, 'fc'), el('span', { class: 'shape' }, `${c.cin} → ${c.classes}`), el('span', { class: 'macs' }, `${formatCount(c.macs)} MACs`),
        bar('saved', 0, maxSaved), bar('trained', c.trainedBytes, Math.max(maxTrained, c.trainedBytes)), el('span', { class: 'peak' }, ''),
      ),
    ));
  }
  root.append(list);
}

model = view.state()?.model;
let resizeTimer: number | undefined;
new ResizeObserver(() => {
  if (resizeTimer) clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => redrawPareto(pareto, model, true), 100);
}).observe(document.body);
onThemeChange(() => redrawPareto(pareto, model));
render();
view.post({ type: 'ready' });
