// The memory timeline: SRAM over the training step's schedule (forward ops, then loss, backward
// and updates), stacked by kind, the peak marked, the live tensors listed on hover; toggles
// overlay the same network with a full update and without operator reordering, so the gain of
// each technique shows.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { checkTimelineToView, type TimelineFromView, type TimelineModel, type TimelineSeries, type TimelineToView, type TimelinePoint } from '../protocol/webview.js';
import { connect, el, formatBytes, onThemeChange, palette, withAlpha } from './common.js';
import './style.css';
import './timeline.css';

interface State { model?: TimelineModel; showFull: boolean; showNoReorder: boolean; showNoStreaming: boolean; showNoChunking: boolean }

const root = document.getElementById('root')!;
let state: State = { showFull: false, showNoReorder: false, showNoStreaming: false, showNoChunking: false };
let chart: uPlot | undefined;

const view = connect<TimelineToView, TimelineFromView, State>(checkTimelineToView, (m) => {
  state = { ...state, model: m.model };
  view.save(state);
  render();
  document.body.dataset.version = String(m.model.version);
});
state = view.state() ?? state;

/** The kinds, grouped as the chart stacks them (bottom first). */
const GROUPS: { key: string; label: string; kinds: (keyof TimelinePoint['byKind'])[]; color: (p: ReturnType<typeof palette>) => string }[] = [
  { key: 'act', label: 'activations', kinds: ['input', 'activation'], color: (p) => p.blue },
  { key: 'saved', label: 'saved for backward', kinds: ['saved', 'mask'], color: (p) => p.purple },
  { key: 'grad', label: 'gradients', kinds: ['gradient', 'param-grad'], color: (p) => p.red },
  { key: 'ws', label: 'workspace', kinds: ['workspace'], color: (p) => p.yellow },
];

function groupBytes(pt: TimelinePoint, kinds: (keyof TimelinePoint['byKind'])[]): number {
  return kinds.reduce((s, k) => s + (pt.byKind[k] ?? 0), 0);
}
const total = (s: TimelineSeries, pt: TimelinePoint): number => s.staticBytes + Object.values(pt.byKind).reduce((a, b) => a + b, 0);

function summary(m: TimelineModel): HTMLElement {
  const p = m.plan!;
  const card = (label: string, s: TimelineSeries | undefined, cls: string) => {
    if (!s) return undefined;
    const ratio = s.peakSramBytes / p.peakSramBytes;
    const note = s === p ? `arena ${formatBytes(s.arenaBytes)} + trained copies ${formatBytes(s.staticBytes)}` : `${ratio >= 1 ? `${ratio.toFixed(ratio >= 10 ? 0 : 1)}× this plan` : `${(ratio * 100).toFixed(0)} % of this plan`}`;
    return el('div', { class: `fig ${cls}` }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, formatBytes(s.peakSramBytes)), el('span', { class: 'muted small' }, note));
  };
  const budget = m.budget?.sramBytes;
  return el('div', { class: 'figs' },
    card('Peak SRAM, this plan', p, p.peakSramBytes > (budget ?? Infinity) ? 'over' : 'peak'),
    card('Without streaming', m.noStreaming, 'cmp-nostream'),
    card('Without chunking', m.noChunking, 'cmp-nochunk'),
    card('Without reordering', m.noReorder, 'cmp-noreorder'),
    card('Full update', m.fullUpdate, 'cmp-full'),
    budget ? el('div', { class: 'fig' }, el('span', { class: 'label' }, 'Budget'), el('span', { class: 'value' }, formatBytes(budget)), el('span', { class: 'muted small' }, m.board?.name ?? '')) : undefined,
  );
}

function toggles(): HTMLElement {
  const box = (id: string, label: string, checked: boolean, set: (v: boolean) => void) => {
    const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean; label: string };
    c.id = id;
    c.checked = checked;
    c.label = label;
    c.addEventListener('change', () => {
      set(c.checked);
      view.save(state);
      draw();
    });
    return c;
  };
  return el('div', { class: 'toolbar' },
    box('cmp-full', 'Compare with full update', state.showFull, (v) => (state.showFull = v)),
    box('cmp-noreorder', 'Compare with no reordering', state.showNoReorder, (v) => (state.showNoReorder = v)),
    box('cmp-nostream', 'Compare with no streaming', state.showNoStreaming, (v) => (state.showNoStreaming = v)),
    box('cmp-nochunk', 'Compare with no chunking', state.showNoChunking, (v) => (state.showNoChunking = v)),
  );
}

/** Tick spacings that read as round numbers of KB / MB. */
const KB_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500].map((k) => k * 1024).concat([1, 2, 5, 10].map((m) => m * 1024 * 1024));

let hoverBox: HTMLElement;
/** Chart sample -> op index of the config's own schedule (set by draw()). */
let opAt = (k: number) => k;

function describeOp(s: TimelineSeries, i: number): void {
  const pt = s.points[i];
  if (!pt || !hoverBox) return;
  const rows = GROUPS.map((g) => [g.label, groupBytes(pt, g.kinds)] as const);
  const live = (s.buffers ?? []).filter((b) => b.first <= i && i <= b.last).sort((a, b) => b.bytes - a.bytes);
  hoverBox.replaceChildren(
    el('div', { class: 'op' }, el('b', {}, `#${i} ${pt.op}`), el('span', { class: `phase ${pt.phase}` }, pt.phase)),
    el('div', { class: 'muted' }, `live ${formatBytes(total(s, pt))} = trained copies ${formatBytes(s.staticBytes)} + ${rows.filter(([, b]) => b > 0).map(([l, b]) => `${l} ${formatBytes(b)}`).join(' + ') || 'nothing'}`),
    el('table', { class: 'live' },
      ...live.slice(0, 10).map((b) => el('tr', {}, el('td', { class: `k ${b.kind}` }, b.kind), el('td', {}, b.name), el('td', { class: 'num' }, formatBytes(b.bytes)))),
      live.length > 10 ? el('tr', {}, el('td', {}, ''), el('td', { class: 'muted' }, `+ ${live.length - 10} smaller`), el('td', { class: 'num muted' }, formatBytes(live.slice(10).reduce((a, b) => a + b.bytes, 0)))) : undefined,
    ),
  );
}

function draw(): void {
  chart?.destroy();
  chart = undefined;
  const holder = document.getElementById('chart');
  const m = state.model;
  if (!holder || !m?.plan) return;
  const s = m.plan;
  const pal = palette();
  const overlays: { label: string; s: TimelineSeries; color: string }[] = [];
  if (state.showFull && m.fullUpdate) overlays.push({ label: 'full update', s: m.fullUpdate, color: pal.fg });
  if (state.showNoReorder && m.noReorder) overlays.push({ label: 'no reordering', s: m.noReorder, color: pal.orange });
  if (state.showNoStreaming && m.noStreaming) overlays.push({ label: 'no streaming', s: m.noStreaming, color: pal.red });
  if (state.showNoChunking && m.noChunking) overlays.push({ label: 'no chunking', s: m.noChunking, color: pal.purple });
  // Alone, the x axis is the op index. Compared, schedules of different lengths share an axis
  // of "share of the training step" (each resampled as a step function), so shapes line up.
  const n = s.points.length;
  const shared = overlays.length > 0;
  const G = shared ? Math.max(400, ...overlays.map((o) => o.s.points.length), n) : n;
  const xs = Array.from({ length: G }, (_, k) => (shared ? (100 * k) / (G - 1) : k));
  const at = (len: number, k: number) => (shared ? Math.min(len - 1, Math.floor((k * len) / G)) : k);
  const xOf = (i: number) => (shared ? (100 * i) / n : i);
  opAt = (k: number) => at(n, k);
  // Cumulative stacks, drawn top first so each lower band paints over the one above it.
  const stacks: number[][] = [];
  let acc = s.points.map(() => s.staticBytes);
  stacks.push(acc);
  for (const g of GROUPS) {
    acc = acc.map((v, i) => v + groupBytes(s.points[i], g.kinds));
    stacks.push(acc);
  }
  const layers = [
    { label: 'trained copies', color: pal.green, data: stacks[0] },
    ...GROUPS.map((g, i) => ({ label: g.label, color: g.color(pal), data: stacks[i + 1] })),
  ].reverse();
  const stepped = uPlot.paths.stepped!({ align: 1 });
  const series: uPlot.Series[] = [{ label: shared ? 'share of the step' : 'op' }];
  const data: (number | null)[][] = [xs];
  for (const l of layers) {
    series.push({ label: l.label, stroke: l.color, fill: withAlpha(l.color, 0.8), width: 1, points: { show: false }, paths: stepped });
    data.push(xs.map((_, k) => l.data[at(n, k)]));
  }
  for (const o of overlays) {
    series.push({ label: o.label, stroke: o.color, width: 2, dash: [6, 4], points: { show: false }, paths: stepped });
    const totals = o.s.points.map((pt) => total(o.s, pt));
    data.push(xs.map((_, k) => totals[at(totals.length, k)]));
  }
  const firstBackward = s.points.findIndex((p) => p.phase !== 'forward');
  const budget = m.budget?.sramBytes ?? null;
  const maxY = Math.max(s.peakSramBytes, ...overlays.map((o) => o.s.peakSramBytes));
  const showBudget = budget !== null && budget <= maxY * 1.35;
  const width = Math.max(320, holder.clientWidth);
  const opts: uPlot.Options = {
    width,
    height: Math.max(260, Math.min(420, Math.round(width * 0.42))),
    series,
    legend: { show: false },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    // Headroom above the peak keeps its label clear of the phase labels at the top.
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, showBudget ? budget! : 0, s.peakSramBytes) * 1.25] } },
    axes: [
      { stroke: pal.muted, grid: { stroke: pal.grid, width: 1 }, ticks: { stroke: pal.grid }, label: shared ? 'share of the training step (each schedule scaled to the same width)' : 'schedule position (op)', labelSize: 18, font: `11px ${pal.font}`, labelFont: `11px ${pal.font}`, values: (_u, vals) => vals.map((v) => (shared ? `${Math.round(v)} %` : String(v))) },
      { stroke: pal.muted, grid: { stroke: pal.grid, width: 1 }, ticks: { stroke: pal.grid }, size: 70, font: `11px ${pal.font}`, incrs: KB_STEPS, values: (_u, vals) => vals.map((v) => formatBytes(v)) },
    ],
    hooks: {
      drawClear: [(u) => {
        if (firstBackward <= 0) return;
        const ctx = u.ctx;
        const x0 = u.valToPos(xOf(firstBackward), 'x', true);
        const x1 = u.bbox.left + u.bbox.width;
        ctx.save();
        ctx.fillStyle = withAlpha(pal.fg, 0.05);
        ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
        ctx.restore();
      }],
      draw: [(u) => {
        const ctx = u.ctx;
        const dpr = devicePixelRatio || 1;
        ctx.save();
        ctx.font = `${11 * dpr}px ${pal.font}`;
        ctx.textAlign = 'left'; // uPlot leaves the axes' alignment on the context
        ctx.textBaseline = 'alphabetic';
        ctx.fillStyle = pal.muted;
        const xb = firstBackward > 0 ? u.valToPos(xOf(firstBackward), 'x', true) : Infinity;
        if (ctx.measureText('forward').width + 12 * dpr < xb - u.bbox.left) ctx.fillText('forward', u.bbox.left + 6 * dpr, u.bbox.top + 14 * dpr);
        if (firstBackward > 0) ctx.fillText('backward + updates', xb + 6 * dpr, u.bbox.top + 14 * dpr);
        // The planned peak (arena + trained copies, as the device allocates it).
        const yPeak = u.valToPos(s.peakSramBytes, 'y', true);
        ctx.strokeStyle = pal.fg;
        ctx.setLineDash([3 * dpr, 3 * dpr]);
        ctx.lineWidth = dpr;
        ctx.beginPath(); ctx.moveTo(u.bbox.left, yPeak); ctx.lineTo(u.bbox.left + u.bbox.width, yPeak); ctx.stroke();
        const xPeak = u.valToPos(shared ? xOf(s.peakAt.index + 0.5) : s.peakAt.index, 'x', true);
        ctx.beginPath(); ctx.moveTo(xPeak, u.bbox.top); ctx.lineTo(xPeak, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = pal.fg;
        ctx.beginPath(); ctx.arc(xPeak, yPeak, 4 * dpr, 0, Math.PI * 2); ctx.fill();
        const label = `peak ${formatBytes(s.peakSramBytes)} at ${s.peakAt.op}`;
        const w = ctx.measureText(label).width;
        const right = u.bbox.left + u.bbox.width;
        const lx = xPeak + 8 * dpr + w < right ? xPeak + 8 * dpr : Math.max(u.bbox.left + 2 * dpr, xPeak - 8 * dpr - w);
        ctx.fillStyle = pal.bg;
        ctx.fillRect(lx - 2 * dpr, yPeak - 15 * dpr, w + 4 * dpr, 13 * dpr);
        ctx.fillStyle = pal.fg;
        ctx.fillText(label, lx, yPeak - 5 * dpr);
        if (showBudget) {
          const yB = u.valToPos(budget!, 'y', true);
          ctx.strokeStyle = pal.red;
          ctx.lineWidth = 2 * dpr;
          ctx.beginPath(); ctx.moveTo(u.bbox.left, yB); ctx.lineTo(u.bbox.left + u.bbox.width, yB); ctx.stroke();
          ctx.fillStyle = pal.red;
          ctx.fillText(`budget ${formatBytes(budget!)}`, u.bbox.left + 6 * dpr, yB - 4 * dpr);
        }
        ctx.restore();
      }],
      setCursor: [(u) => {
        const k = u.cursor.idx;
        if (k !== null && k !== undefined) describeOp(s, opAt(k));
      }],
    },
  };
  chart = new uPlot(opts, data as uPlot.AlignedData, holder);
  const legend = document.getElementById('legend');
  legend?.replaceChildren(...[...layers].reverse().map((l) => {
    const k = el('span', { class: 'key' }, l.label);
    k.style.setProperty('--c', l.color);
    return k;
  }), ...overlays.map((o) => {
    const k = el('span', { class: 'key dashed' }, `${o.label} (${formatBytes(o.s.peakSramBytes)})`);
    k.style.setProperty('--c', o.color);
    return k;
  }));
}

function render(): void {
  const m = state.model;
  root.replaceChildren();
  if (!m) {
    root.append(el('p', { class: 'muted' }, 'Waiting for the analysis…'));
    return;
  }
  root.append(el('header', {},
    el('h1', {}, 'Memory timeline', el('span', { class: 'file' }, ` · ${m.fileName}`)),
    el('p', { class: 'muted' }, m.model ? `${m.model.name}${m.board ? ` on ${m.board.name}` : ''} · ${m.plan?.points.length ?? 0} ops in the training step` : 'The config cannot be analyzed yet.'),
  ));
  for (const e of m.errors.slice(0, 3)) root.append(el('p', { class: 'notice error' }, `Line ${e.line + 1}: ${e.message}`));
  if (!m.plan) return;
  root.append(summary(m), toggles(), el('div', { id: 'legend', class: 'legend' }), el('div', { id: 'chart' }));
  hoverBox = el('div', { id: 'hover', class: 'hover' });
  root.append(hoverBox);
  draw();
  describeOp(m.plan, m.plan.peakAt.index);
}

let resizeTimer: number | undefined;
new ResizeObserver(() => {
  if (resizeTimer) clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    const holder = document.getElementById('chart');
    if (chart && holder && Math.abs(chart.width - holder.clientWidth) > 4) draw();
  }, 80);
}).observe(document.body);
onThemeChange(draw);
render();
view.post({ type: 'ready' });
