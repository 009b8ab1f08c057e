// The plan view's "Best update plan" section: the Pareto front TinyTrain: Find Best Update Plan…
// found (analytic extra memory against predicted gain, uPlot, theme colours from VS Code's CSS
// variables), the chosen point and random search's best marked, the point the config now says
// ringed, and the front as a short table whose rows apply a point (the extension edits the YAML).

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { currentPoint, type ParetoModel, type ParetoPoint, type PlanModel } from '../protocol/webview.js';
import { el, palette, withAlpha } from './common.js';

export interface ParetoActions {
  apply(index: number): void;
  dismiss(): void;
}

let chart: uPlot | undefined;

const pts = (g: number): string => `${g >= 0 ? '+' : ''}${(g * 100).toFixed(1)}`;
const kb = (x: number): string => `${x.toFixed(1)} KB`;
const schemeText = (p: ParetoPoint): string => `biases ${p.biases}${p.weights.length ? ` · weights ${p.weights.map((w) => `${w.conv}:${w.text}`).join(' ')}` : ''}`;

/** Up to `max` indices of the front spread over memory; the chosen, the current and both ends always in. */
function rowsOf(m: ParetoModel, current: number, max = 12): number[] {
  const n = m.points.length;
  if (n <= max) return m.points.map((_, i) => i);
  const keep = new Set<number>([0, n - 1]);
  if (m.chosen >= 0) keep.add(m.chosen);
  if (current >= 0) keep.add(current);
  const lo = m.points[0].extraKB;
  const hi = m.points[n - 1].extraKB;
  let j = 0;
  for (let i = 1; i < max - 1 && keep.size < max; i++) {
    const target = lo + ((hi - lo) * i) / (max - 1);
    while (j < n - 1 && m.points[j].extraKB < target) j++;
    keep.add(j);
  }
  return [...keep].sort((a, b) => a - b);
}

function draw(holder: HTMLElement, m: ParetoModel, current: number): void {
  chart?.destroy();
  chart = undefined;
  if (!m.points.length) return;
  const pal = palette();
  // One x per distinct memory figure; each series has a value where it has a point.
  const all = [...m.points.map((p) => p.extraKB), ...(m.random ? [m.random.extraKB] : [])];
  const xs = [...new Set(all)].sort((a, b) => a - b);
  const col = (p: ParetoPoint | undefined): (number | null)[] => xs.map((x) => (p && p.extraKB === x ? p.gain * 100 : null));
  const front = xs.map((x) => {
    const p = m.points.find((q) => q.extraKB === x);
    return p ? p.gain * 100 : null;
  });
  const none = () => null;
  const dot = (color: string, size: number, fill = color): uPlot.Series['points'] => ({ show: true, size, stroke: color, fill, width: 2 });
  const series: uPlot.Series[] = [
    {},
    { label: 'Pareto front', stroke: pal.blue, width: 1.5, spanGaps: true, points: dot(pal.blue, 5), paths: uPlot.paths.stepped!({ align: 1 }) },
    { label: 'chosen', stroke: pal.orange, paths: none, points: dot(pal.orange, 13) },
    { label: 'random search best', stroke: pal.purple, paths: none, points: dot(pal.purple, 10, withAlpha(pal.purple, 0.25)) },
    { label: 'in the config', stroke: pal.green, paths: none, points: dot(pal.green, 19, 'transparent') },
  ];
  const data: (number | null)[][] = [xs, front, col(m.points[m.chosen]), col(m.random), col(m.points[current])];
  const width = Math.max(300, Math.min(760, holder.clientWidth));
  const axis = (label: string): uPlot.Axis => ({ stroke: pal.muted, grid: { stroke: pal.grid, width: 1 }, ticks: { stroke: pal.grid }, label, labelSize: 18, font: `11px ${pal.font}`, labelFont: `11px ${pal.font}` });
  chart = new uPlot({
    width,
    height: Math.round(Math.max(200, Math.min(300, width * 0.45))),
    series,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, range: (_u, _lo, hi) => [0, Math.max(hi, m.budgetKB) * 1.04] }, y: { range: (_u, lo, hi) => [Math.min(0, lo), hi > 0 ? hi * 1.12 : 1] } },
    axes: [
      { ...axis('analytic extra memory (KB)'), values: (_u, vals) => vals.map((v) => String(+v.toFixed(1))) },
      { ...axis(m.source === 'measured' ? 'gain (accuracy pts)' : 'gain (nominal pts)'), size: 48 },
    ],
    hooks: {
      draw: [(u) => {
        // The budget as a vertical line.
        const ctx = u.ctx;
        const dpr = devicePixelRatio || 1;
        const x = u.valToPos(m.budgetKB, 'x', true);
        ctx.save();
        ctx.strokeStyle = pal.red;
        ctx.lineWidth = 1.5 * dpr;
        ctx.setLineDash([5 * dpr, 4 * dpr]);
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.setLineDash([]);
        ctx.font = `${11 * dpr}px ${pal.font}`;
        ctx.fillStyle = pal.red;
        const label = `budget ${kb(m.budgetKB)}`;
        const w = ctx.measureText(label).width;
        ctx.textAlign = 'left';
        ctx.fillText(label, x - w - 6 * dpr > u.bbox.left ? x - w - 6 * dpr : x + 6 * dpr, u.bbox.top + 14 * dpr);
        ctx.restore();
      }],
    },
  }, data as uPlot.AlignedData, holder);
}

/** The section, or undefined when there is no search result to show. */
export function paretoSection(m: ParetoModel | undefined, plan: PlanModel | undefined, actions: ParetoActions): HTMLElement | undefined {
  if (!m) return undefined;
  const current = currentPoint(m, plan);
  const chosen = m.points[m.chosen];
  const close = el('a', { class: 'dismiss', href: '#', title: 'Hide the search result', 'aria-label': 'Hide the search result' }, '×');
  close.addEventListener('click', (e) => { e.preventDefault(); actions.dismiss(); });
  const from = m.source === 'measured' ? 'measured contributions' : m.source === 'prior' ? 'the prior (nothing measured)' : 'synthetic contributions';
  const key = (cls: string, text: string) => el('span', { class: `key ${cls}` }, text);
  const holder = el('div', { class: 'pareto-chart' });
  const section = el('section', { class: 'pareto', id: 'pareto', 'data-points': String(m.points.length), 'data-chosen': String(m.chosen) },
    el('div', { class: 'pareto-head' },
      el('h2', {}, 'Best update plan'),
      el('span', { class: 'muted' }, `within ${kb(m.budgetKB)} · ${m.samples} samples in ${m.seconds.toFixed(1)} s · from ${from}`),
      close,
    ),
    chosen
      ? el('p', { class: 'pareto-best' }, el('strong', {}, `${pts(chosen.gain)}`), ` at ${kb(chosen.extraKB)}: ${schemeText(chosen)}`,
        m.random ? el('span', { class: 'muted' }, ` · random search's best at the same samples: ${pts(m.random.gain)} at ${kb(m.random.extraKB)}`) : undefined)
      : el('p', { class: 'notice error' }, `No scheme fits ${kb(m.budgetKB)}.`),
    el('div', { class: 'legend' }, key('front', 'Pareto front'), key('chosen', 'chosen'), key('random', 'random search best'), current >= 0 ? key('current', 'in the config') : undefined),
    holder,
  );
  const table = el('table', { class: 'pareto-table' },
    el('thead', {}, el('tr', {}, el('th', {}, 'extra'), el('th', {}, 'gain'), el('th', {}, 'scheme'), el('th', {}, ''))));
  const body = el('tbody', {});
  for (const i of rowsOf(m, current)) {
    const p = m.points[i];
    const apply = el('a', { href: '#', class: 'apply', 'data-index': String(i), title: 'Write this scheme into train.update (one undoable edit)' }, current === i ? 'in the config' : 'apply');
    apply.addEventListener('click', (e) => { e.preventDefault(); actions.apply(i); });
    body.append(el('tr', { class: `${i === m.chosen ? 'chosen' : ''}${i === current ? ' current' : ''}` },
      el('td', { class: 'num' }, kb(p.extraKB)), el('td', { class: 'num' }, pts(p.gain)), el('td', { class: 'scheme' }, schemeText(p)), el('td', {}, apply)));
  }
  table.append(body);
  section.append(el('details', { class: 'pareto-points' }, el('summary', {}, `${m.points.length} points on the front`), table));
  // uPlot measures its holder: draw once the section is in the page.
  section.dataset.current = String(current);
  requestAnimationFrame(() => { if (holder.isConnected) draw(holder, m, current); });
  return section;
}

/** Redraws the chart (a theme change; with `resized`, only when its holder's width changed). */
export function redrawPareto(m: ParetoModel | undefined, plan: PlanModel | undefined, resized = false): void {
  const holder = document.querySelector<HTMLElement>('.pareto-chart');
  if (!m || !holder) return;
  if (resized && chart && Math.abs(chart.width - Math.max(300, Math.min(760, holder.clientWidth))) < 4) return;
  draw(holder, m, currentPoint(m, plan));
}
