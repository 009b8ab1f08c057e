// The analysis as each view needs it (plain JSON, small). No vscode import, so tests use it.

import type { Analysis, PlanSummary } from '../compiler/analysis.js';
import type { ConfigHeader, PlanModel, StepProfile, TimelineBuffer, TimelineModel, TimelineSeries } from '../protocol/webview.js';

const finite = (n: number | undefined): number | null => (n !== undefined && Number.isFinite(n) ? n : null);

export function header(a: Analysis | null, uri: string, version: number): ConfigHeader {
  const fileName = decodeURIComponent(uri.split('/').pop() ?? uri);
  if (!a) return { uri, fileName, version, partial: false, errors: [{ line: 0, message: 'The config is not open in the language server.' }] };
  return {
    uri, fileName, version,
    model: a.model, board: a.board,
    budget: a.budget ? { sramBytes: finite(a.budget.sramBytes), flashBytes: finite(a.budget.flashBytes) } : undefined,
    partial: a.partial,
    errors: a.problems.filter((p) => p.severity === 'error').map((p) => ({ line: p.range.start.line, message: p.message })),
  };
}

export function planModel(a: Analysis | null, uri: string, version: number, profile?: StepProfile | null): PlanModel {
  const h = header(a, uri, version);
  if (!a) return { ...h, layers: [], biases: 0 };
  const p = a.plan;
  return {
    ...h,
    layers: a.layers,
    classifier: a.classifier,
    peakSramBytes: p?.peakSramBytes, arenaBytes: p?.arenaBytes, staticBytes: p?.staticBytes, lowerBoundBytes: p?.lowerBoundBytes, peakAt: p?.peakAt,
    lowering: p?.lowering,
    analyticKB: a.analytic?.extraKB,
    flashBytes: a.flash?.totalBytes,
    biases: a.train?.biases ?? 0,
    ...(profile ? { profile } : {}),
  };
}

function series(s: PlanSummary | undefined, buffers?: TimelineBuffer[]): TimelineSeries | undefined {
  if (!s?.timeline) return undefined;
  return {
    peakSramBytes: s.peakSramBytes, arenaBytes: s.arenaBytes, staticBytes: s.staticBytes, lowerBoundBytes: s.lowerBoundBytes,
    peakAt: s.peakAt, liveAtPeak: s.liveAtPeak, points: s.timeline, ...(buffers ? { buffers } : {}),
  };
}

export function timelineModel(a: Analysis | null, uri: string, version: number, buffers?: TimelineBuffer[]): TimelineModel {
  const h = header(a, uri, version);
  if (!a) return h;
  const plan = series(a.plan, buffers);
  // Buffers that disagree with the analysis' schedule (another version of the text) are dropped.
  if (plan?.buffers && plan.buffers.some((b) => b.last >= plan.points.length)) delete plan.buffers;
  return {
    ...h, plan, noStreaming: series(a.compare?.noStreaming), noChunking: series(a.compare?.noChunking),
    noReorder: series(a.compare?.noReorder), fullUpdate: series(a.compare?.fullUpdate),
  };
}
