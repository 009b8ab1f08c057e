// The training dashboard: loss and accuracy streaming from a run (the host trainer now, a board
// or the virtual board through the same messages), steps per second, instructions per step and
// the estimated time on the board when the run knows them; pause / stop; CSV and PNG export.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import {
  checkDashboardToView, type DashboardFromView, type DashboardToView, type EvalPoint, type RunInfo, type RunStatus, type StepPoint,
} from '../protocol/webview.js';
import { connect, el, formatCount, onThemeChange, palette, withAlpha } from './common.js';
import './style.css';
import './dashboard.css';

interface State { run?: RunInfo; points: StepPoint[]; evals: EvalPoint[]; status?: RunStatus; logs: string[] }

const MAX_POINTS = 50_000;
const LOSS_WINDOW = 25;
const ACC_WINDOW = 50;
const root = document.getElementById('root')!;
let s: State = { points: [], evals: [], logs: [] };
let lossChart: uPlot | undefined;
let accChart: uPlot | undefined;

const view = connect<DashboardToView, DashboardFromView, State>(checkDashboardToView, (m) => {
  if (m.type === 'run') {
    // Every `run` starts the history over: the panel sends one when a run attaches and again
    // before replaying the whole history to a view that (re)loaded, so keeping what the view had
    // (its saved state) would show each replayed log line and evaluation twice.
    s = { run: m.run, points: [], evals: [], logs: [], status: { state: 'preparing' } };
    renderAll();
    return;
  }
  if (!s.run || m.runId !== s.run.id) {
    console.warn(`TinyTrain view: dropped a message of run ${m.runId} (showing run ${s.run?.id})`);
    return;
  }
  switch (m.type) {
    case 'steps': {
      const last = s.points.length ? s.points[s.points.length - 1].step : -1;
      for (const p of m.points) if (p.step > last || s.points.length === 0) s.points.push(p);
      if (s.points.length > MAX_POINTS) s.points.splice(0, s.points.length - MAX_POINTS);
      break;
    }
    case 'eval':
      s.evals.push(m.point);
      break;
    case 'status':
      s.status = m.status;
      break;
    case 'log':
      s.logs.push(m.line);
      if (s.logs.length > 200) s.logs.splice(0, s.logs.length - 200);
      break;
  }
  schedule();
});

/** Moving average over the last `w` values (shorter at the start). */
function movingAverage(v: number[], w: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    sum += v[i];
    if (i >= w) sum -= v[i - w];
    out.push(sum / Math.min(i + 1, w));
  }
  return out;
}

function stepsPerSecond(): number | undefined {
  const p = s.points;
  if (p.length < 2) return undefined;
  const last = p[p.length - 1];
  let j = p.length - 1;
  while (j > 0 && last.t - p[j - 1].t <= 2000) j--;
  const first = p[j] === last ? p[p.length - 2] : p[j];
  const dt = (last.t - first.t) / 1000;
  return dt > 0 ? (last.step - first.step) / dt : undefined;
}

function seconds(x: number): string {
  if (x < 1e-3) return `${(x * 1e6).toFixed(0)} µs`;
  if (x < 1) return `${(x * 1e3).toFixed(1)} ms`;
  if (x < 120) return `${x.toFixed(1)} s`;
  return `${Math.floor(x / 60)} min ${Math.round(x % 60)} s`;
}

const SOURCE: Record<RunInfo['source'], string> = { host: 'host', 'virtual-board': 'virtual board', board: 'board' };

function figures(): HTMLElement {
  const r = s.run!;
  const st = s.status;
  const last = s.points[s.points.length - 1];
  const losses = s.points.map((p) => p.loss);
  const avg = losses.length ? movingAverage(losses, LOSS_WINDOW)[losses.length - 1] : undefined;
  const acc = s.points.length ? movingAverage(s.points.map((p) => (p.correct ? 1 : 0)), ACC_WINDOW)[s.points.length - 1] : undefined;
  const sps = stepsPerSecond();
  const ips = st?.instructionsPerStep;
  const clock = r.board?.clockHz;
  const perStep = ips && clock ? ips / clock : undefined;
  const fig = (label: string, value: string, title?: string, id?: string) =>
    el('div', { class: 'fig', title, id }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, value));
  return el('div', { class: 'figs' },
    fig('Step', last ? `${last.step}${r.steps ? ` / ${r.steps}` : ''}` : '–', undefined, 'fig-step'),
    fig(`Loss (mean of ${LOSS_WINDOW})`, avg !== undefined ? avg.toFixed(3) : '–', undefined, 'fig-loss'),
    fig(`Train accuracy (last ${ACC_WINDOW})`, acc !== undefined ? `${(acc * 100).toFixed(0)} %` : '–'),
    fig('Held-out accuracy', st?.accuracy !== undefined ? `${(st.accuracy * 100).toFixed(1)} %` : s.evals.length ? `${(s.evals[s.evals.length - 1].accuracy * 100).toFixed(1)} %` : '–'),
    fig('Steps / s', sps !== undefined ? (sps >= 100 ? sps.toFixed(0) : sps.toFixed(1)) : '–', 'Over the last two seconds of the run'),
    fig('Instructions / step', ips ? formatCount(ips) : '–', ips ? undefined : 'Counted by the device run (the virtual board counts instructions exactly); the host run does not measure them.'),
    fig(`Time on ${r.board?.name ?? 'the board'}`, perStep ? `${seconds(perStep)} / step` : '–',
      perStep ? `${formatCount(ips!)} instructions at ${(clock! / 1e6).toFixed(0)} MHz, one instruction per cycle; ${r.steps ? `${seconds(perStep * r.steps)} for ${r.steps} steps` : ''}` : `Needs the instructions per step (a device run)${clock ? `; ${r.board?.name} runs at ${(clock / 1e6).toFixed(0)} MHz` : ''}.`),
  );
}

function buttons(): HTMLElement {
  const state = s.status?.state ?? 'preparing';
  const live = state === 'running' || state === 'paused' || state === 'preparing';
  const button = (id: string, label: string, enabled: boolean, msg: DashboardFromView | (() => DashboardFromView), secondary = true) => {
    const b = document.createElement('vscode-button') as HTMLElement & { disabled: boolean; secondary: boolean };
    b.id = id;
    b.textContent = label;
    b.disabled = !enabled;
    b.secondary = secondary;
    b.addEventListener('click', () => {
      if (!b.disabled) view.post(typeof msg === 'function' ? msg() : msg);
    });
    return b;
  };
  const badge = el('span', { class: `state ${state}`, id: 'run-state' }, s.status?.message ? `${state}: ${s.status.message}` : state);
  return el('div', { class: 'toolbar' },
    state === 'paused' ? button('resume', 'Resume', true, { type: 'resume' }, false) : button('pause', 'Pause', state === 'running', { type: 'pause' }, false),
    button('stop', 'Stop', live, { type: 'stop' }),
    button('export-csv', 'Export CSV', s.points.length > 0, { type: 'exportCsv' }),
    button('export-png', 'Export PNG', s.points.length > 0, () => ({ type: 'exportPng', dataUrl: exportPng() })),
    badge,
  );
}

/** The loss axis: up to the 98th percentile of the per-step losses (rare spikes are clipped, so
 * the trend stays readable), and never below the highest mean. */
function lossTop(): number {
  const raw = s.points.map((p) => p.loss).sort((a, b) => a - b);
  if (!raw.length) return 1;
  const q = raw[Math.min(raw.length - 1, Math.floor(raw.length * 0.98))];
  const mean = Math.max(...movingAverage(s.points.map((p) => p.loss), LOSS_WINDOW));
  return Math.max(q, mean) * 1.05 || 1;
}

function chartOpts(title: string, width: number, series: uPlot.Series[], yFormat: (v: number) => string, yRange?: [number, number] | (() => [number, number])): uPlot.Options {
  const pal = palette();
  return {
    title,
    width,
    height: 230,
    series,
    legend: { show: true, live: false },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: false }, y: { range: typeof yRange === 'function' ? () => yRange() : yRange ?? ((_u, _min, max) => [0, max > 0 ? max * 1.05 : 1]) } },
    axes: [
      { stroke: pal.muted, grid: { stroke: pal.grid }, ticks: { stroke: pal.grid }, label: 'step', labelSize: 18, font: `11px ${pal.font}`, labelFont: `11px ${pal.font}` },
      { stroke: pal.muted, grid: { stroke: pal.grid }, ticks: { stroke: pal.grid }, size: 52, font: `11px ${pal.font}`, values: (_u, vals) => vals.map(yFormat) },
    ],
  };
}

function lossData(): uPlot.AlignedData {
  const steps = s.points.map((p) => p.step);
  const loss = s.points.map((p) => p.loss);
  return [steps, loss, movingAverage(loss, LOSS_WINDOW)];
}

function accData(): uPlot.AlignedData {
  const steps = s.points.map((p) => p.step);
  const acc = movingAverage(s.points.map((p) => (p.correct ? 100 : 0)), ACC_WINDOW);
  const evalAt = new Map(s.evals.map((e) => [e.step, e.accuracy * 100]));
  if (s.status?.accuracy !== undefined && steps.length) evalAt.set(steps[steps.length - 1], s.status.accuracy * 100);
  return [steps, acc, steps.map((st) => evalAt.get(st) ?? null)];
}

function drawCharts(): void {
  lossChart?.destroy();
  accChart?.destroy();
  lossChart = accChart = undefined;
  const holder = document.getElementById('charts');
  if (!holder) return;
  holder.replaceChildren();
  const pal = palette();
  const width = Math.max(320, Math.min(1100, holder.clientWidth));
  const lossBox = el('div', { id: 'loss-chart' });
  const accBox = el('div', { id: 'acc-chart' });
  holder.append(lossBox, accBox);
  lossChart = new uPlot(chartOpts('Loss', width, [
    { label: 'step' },
    { label: 'loss per step', stroke: withAlpha(pal.blue, 0.2), width: 1, points: { show: false } },
    { label: `mean of ${LOSS_WINDOW}`, stroke: pal.blue, width: 2.5, points: { show: false } },
  ], (v) => v.toFixed(2), () => [0, lossTop()]), lossData(), lossBox);
  accChart = new uPlot(chartOpts('Accuracy', width, [
    { label: 'step' },
    { label: `train, last ${ACC_WINDOW}`, stroke: pal.green, width: 2, points: { show: false } },
    { label: 'held-out', stroke: pal.orange, width: 0, points: { show: true, size: 9, fill: pal.orange, stroke: pal.orange }, spanGaps: false },
  ], (v) => `${v.toFixed(0)} %`, [0, 100]), accData(), accBox);
}

let timer: number | undefined;
let lastSave = 0;
function schedule(): void {
  if (timer !== undefined) return;
  timer = window.setTimeout(() => {
    timer = undefined;
    update();
  }, 100);
}

function update(): void {
  if (!s.run) return renderAll();
  if (!lossChart || !accChart) return renderAll();
  lossChart.setData(lossData());
  accChart.setData(accData());
  document.getElementById('figures')?.replaceChildren(figures());
  document.getElementById('buttons')?.replaceChildren(buttons());
  document.getElementById('classes')?.replaceWith(classTable());
  renderLogs();
  document.body.dataset.points = String(s.points.length);
  document.body.dataset.state = s.status?.state ?? '';
  const now = Date.now();
  if (now - lastSave > 1000 || (s.status && !['running', 'preparing'].includes(s.status.state))) {
    lastSave = now;
    view.save(s);
  }
}

/** The held-out per-class table: accuracy per true class, and where its samples went. */
function classTable(): HTMLElement {
  const c = s.status?.confusion;
  const names = s.status?.classNames ?? c?.map((_, i) => `class ${i}`) ?? [];
  if (!c || c.length === 0) return el('div', { id: 'classes', hidden: '' });
  const head = el('tr', {}, el('th', {}, 'true class'), el('th', {}, 'accuracy'), ...names.map((n) => el('th', { title: `predicted ${n}` }, `→ ${n}`)));
  const rows = c.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return el('tr', {},
      el('th', {}, names[i] ?? `class ${i}`),
      el('td', { class: 'acc' }, total ? `${((100 * row[i]) / total).toFixed(1)} % (${row[i]}/${total})` : '–'),
      ...row.map((v, j) => el('td', { class: i === j ? 'hit' : v ? 'miss' : '' }, String(v))));
  });
  return el('div', { id: 'classes' },
    el('h2', {}, 'Held-out accuracy per class'),
    el('table', { class: 'confusion' }, el('thead', {}, head), el('tbody', {}, ...rows)));
}

function renderLogs(): void {
  const box = document.getElementById('logs');
  if (!box) return;
  box.textContent = s.logs.slice(-8).join('\n');
  box.hidden = s.logs.length === 0;
}

function renderAll(): void {
  root.replaceChildren();
  if (!s.run) {
    root.append(el('header', {}, el('h1', {}, 'Training')), el('p', { class: 'muted' }, 'No run yet. Run “TinyTrain: Train on Host” on a config.'));
    return;
  }
  const r = s.run;
  root.append(
    el('header', {},
      el('h1', {}, 'Training', el('span', { class: 'file' }, ` · ${r.fileName}`)),
      el('p', { class: 'muted' }, `on the ${SOURCE[r.source]}${r.steps ? ` · ${r.steps} steps` : ''}${r.board ? ` · configured for ${r.board.name} at ${(r.board.clockHz / 1e6).toFixed(0)} MHz` : ''} · started ${new Date(r.startedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`),
    ),
    el('div', { id: 'buttons' }, buttons()),
    el('div', { id: 'figures' }, figures()),
    el('div', { id: 'charts' }),
    classTable(),
    el('pre', { id: 'logs', class: 'logs' }),
  );
  drawCharts();
  renderLogs();
  document.body.dataset.points = String(s.points.length);
  document.body.dataset.state = s.status?.state ?? '';
}

/** Both charts and the figures as one PNG on the theme's background. */
function exportPng(): string {
  const canvases = [lossChart, accChart].filter((c): c is uPlot => !!c).map((c) => c.ctx.canvas);
  const pal = palette();
  const dpr = devicePixelRatio || 1;
  const w = Math.max(...canvases.map((c) => c.width));
  const head = 46 * dpr;
  const out = document.createElement('canvas');
  out.width = w;
  out.height = head + canvases.reduce((a, c) => a + c.height + 24 * dpr, 0);
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = pal.bg;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = pal.fg;
  ctx.font = `600 ${15 * dpr}px ${pal.font}`;
  ctx.fillText(`TinyTrain · ${s.run?.fileName ?? ''} on the ${s.run ? SOURCE[s.run.source] : ''}`, 8 * dpr, 20 * dpr);
  ctx.font = `${12 * dpr}px ${pal.font}`;
  const last = s.points[s.points.length - 1];
  ctx.fillStyle = pal.muted;
  ctx.fillText(`${last ? `step ${last.step}` : ''}${s.status?.accuracy !== undefined ? ` · held-out accuracy ${(s.status.accuracy * 100).toFixed(1)} %` : ''}`, 8 * dpr, 38 * dpr);
  let y = head;
  const titles = ['Loss', 'Accuracy'];
  canvases.forEach((c, i) => {
    ctx.fillStyle = pal.fg;
    ctx.font = `${12 * dpr}px ${pal.font}`;
    ctx.fillText(titles[i], 8 * dpr, y + 14 * dpr);
    y += 20 * dpr;
    ctx.drawImage(c, 0, y);
    y += c.height + 4 * dpr;
  });
  return out.toDataURL('image/png');
}

let resizeTimer: number | undefined;
new ResizeObserver(() => {
  if (resizeTimer) clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    const holder = document.getElementById('charts');
    if (lossChart && holder && Math.abs(lossChart.width - Math.min(1100, holder.clientWidth)) > 4) drawCharts();
  }, 80);
}).observe(document.body);
onThemeChange(() => {
  drawCharts();
});

const restored = view.state();
if (restored && Array.isArray(restored.points)) s = restored;
renderAll();
view.post({ type: 'ready' });
