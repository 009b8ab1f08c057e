// A training run's history as the dashboard panel keeps it, its CSV, and its restoration from a
// view's saved state. No vscode import.

import type { EvalPoint, RunInfo, RunStatus, StepPoint } from '../protocol/webview.js';

export interface History { info: RunInfo; points: StepPoint[]; evals: EvalPoint[]; status: RunStatus; logs: string[] }

export function toCsv(h: History): string {
  const evalAt = new Map(h.evals.map((e) => [e.step, e.accuracy]));
  const lines = ['step,loss,correct,t_ms,heldout_accuracy'];
  for (const p of h.points) lines.push(`${p.step},${p.loss},${p.correct ? 1 : 0},${p.t},${evalAt.get(p.step) ?? ''}`);
  if (h.status.accuracy !== undefined && h.points.length) lines.push(`# held-out accuracy at the end: ${h.status.accuracy}`);
  const c = h.status.confusion;
  if (c && h.points.length) {
    // the per-class table: one comment line per true class, counts by predicted class
    const names = h.status.classNames ?? c.map((_, i) => `class ${i}`);
    lines.push(`# held-out per class: true class,accuracy,${names.map((n) => `predicted ${n}`).join(',')}`);
    c.forEach((row, i) => { const total = row.reduce((a, b) => a + b, 0); lines.push(`# ${names[i]},${total ? row[i] / total : ''},${row.join(',')}`); });
  }
  return lines.join('\n') + '\n';
}

export function emptyHistory(): History {
  return { info: { id: 0, config: '', fileName: '', source: 'host', startedAt: 0 }, points: [], evals: [], status: { state: 'done' }, logs: [] };
}

/** Restores a dashboard from the view's saved state (the run itself is gone after a reload).
 * The replayed history goes through the view's own checks like any message. */
export function historyFromState(state: unknown): History | undefined {
  const s = state as { run?: RunInfo; points?: StepPoint[]; evals?: EvalPoint[]; status?: RunStatus; logs?: string[] } | undefined;
  if (!s?.run || !Array.isArray(s.points)) return undefined;
  const status: RunStatus = s.status && ['running', 'paused', 'preparing'].includes(s.status.state) ? { ...s.status, state: 'stopped', message: 'the window reloaded during the run' } : s.status ?? { state: 'done' };
  return { info: s.run, points: s.points, evals: Array.isArray(s.evals) ? s.evals : [], status, logs: Array.isArray(s.logs) ? s.logs : [] };
}
