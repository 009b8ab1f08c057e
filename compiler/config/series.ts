// How a model input holds a window of recorded samples, and the check that a config's recordings
// (data.series) fit it. A YAML 1-D model says its T and C itself (input [T, C]); an imported
// model's come from its file, so for an `import:` config the check runs once the import is
// resolved: T x C map onto a file input [1, T, 1, C], [1, T, C] (read as [1, T, 1, C]) or
// [1, T, C, 1] (the bytes of a window, sample after sample, are in the same order in all three).

import type { ConfigSpec, Located, Problem } from './spec.js';

/** The default hop: half a window. */
export const defaultHop = (window: number): number => Math.max(1, Math.floor(window / 2));

/** T and C of a model input [H, W, C] read as a window: [T, 1, C] (time on H, a 1-D model's
 * layout) or [T, C, 1] (a window as an image of one channel, e.g. a keyword model's MFCC frames). */
export function seriesLayout(input: [number, number, number]): { window: number; channels: number } | undefined {
  const [h, w, c] = input;
  if (w === 1) return { window: h, channels: c };
  if (c === 1) return { window: h, channels: w };
  return undefined;
}

/**
 * Completes an imported config's data.series from its file's input (resolved first): its data are
 * recordings when the file's input is [1, T, 1, C] or [1, T, C], or [1, T, C, 1] and the config
 * wrote a recordings key (window, hop, ...); otherwise images. Returns the problems, located.
 */
export function resolveImportedSeries(spec: ConfigSpec): Problem[] {
  const d = spec.data, m = spec.model;
  if (!d?.series || !d.seriesAt || !m.imported || !m.import) return [];
  const at = d.seriesAt;
  delete d.seriesAt;
  const err = (l: Located, code: string, message: string): Problem => ({ message, severity: 'error', code, range: l.range, offsets: l.offsets });
  const fileInput = `${m.import.path}'s input [${m.imported.input.shape.join(', ')}]`;
  const [, w] = m.input;
  const oneD = w === 1 || m.imported.input.shape.length === 3;
  const layout = oneD || at.key ? seriesLayout(m.input) : undefined;
  if (!layout) {
    delete d.series;
    return at.key ? [err(at.key, 'series-key-2d', `'${at.key.name}' is for recordings, windows of T samples of C channels; ${fileInput} is an image (recordings fit an input [1, T, 1, C], [1, T, C] or [1, T, C, 1]).`)] : [];
  }
  const s = d.series;
  const problems: Problem[] = [];
  if (s.window && s.window !== layout.window && at.window) {
    problems.push(err(at.window, 'window-size', `window: ${s.window} differs from ${fileInput}: a window is one model input of T = ${layout.window} samples, so use window: ${layout.window}.`));
  }
  if (s.columns && s.columns.length !== layout.channels && at.columns) {
    problems.push(err(at.columns, 'series-columns', `columns names ${s.columns.length} column${s.columns.length === 1 ? '' : 's'}, but ${fileInput} takes C = ${layout.channels} channel${layout.channels === 1 ? '' : 's'} per sample.`));
  }
  s.window = layout.window;
  if (!s.hop) s.hop = defaultHop(layout.window);
  return problems;
}
