// The CSV of a training run, the same for the host and a device: one row per step, the
// held-out evaluation, `done` when the run completed, and always a last `end` row whose note
// says how the run ended (completed, stopped by SIGTERM, the link went away, ...). Rows are
// appended as they arrive, so a run that stops keeps what it did.

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './workspace.js';

export const RUN_CSV_HEADER = 'kind,step,loss,predicted,label,correct,counter,counter_ns,eval_correct,eval_total,note';

export interface CsvStep { step: number; loss: number; predicted?: number; label?: number; correct: boolean; counter?: number; counterNs?: number }

export class RunCsv {
  private ended = false;
  private steps = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, `${RUN_CSV_HEADER}\n`);
  }

  step(s: CsvStep): void {
    this.steps = Math.max(this.steps, s.step);
    this.row(['step', s.step, s.loss, s.predicted, s.label, s.correct ? 1 : 0, s.counter, s.counterNs === undefined ? undefined : Math.round(s.counterNs)]);
  }

  eval(e: { step: number; loss?: number; correct: number; total: number }): void {
    this.row(['eval', e.step, e.loss, undefined, undefined, undefined, undefined, undefined, e.correct, e.total]);
  }

  /** One held-out sample's prediction (the per-class table is read back from these). */
  prediction(x: { predicted: number; label: number }): void {
    this.row(['prediction', undefined, undefined, x.predicted, x.label, x.predicted === x.label ? 1 : 0]);
  }

  done(d: { steps: number; counter?: number }): void {
    this.row(['done', d.steps, undefined, undefined, undefined, undefined, d.counter]);
  }

  /** The last row: how the run ended. Written once; later calls are ignored. */
  end(note: string): void {
    if (this.ended) return;
    this.ended = true;
    this.row(['end', this.steps, ...Array(8).fill(undefined), note.replace(/[,\r\n]+/g, ' ').trim()]);
  }

  private row(cells: (string | number | undefined)[]): void {
    while (cells.length < 11) cells.push(undefined);
    appendFileSync(this.path, `${cells.map((c) => (c === undefined ? '' : String(c))).join(',')}\n`);
  }
}

/** The note of an `end` row for a run that did not complete. */
export function stopNote(signal: AbortSignal | undefined, reason: string | undefined): string {
  if (signal?.aborted && typeof signal.reason === 'string') return `stopped by ${signal.reason}`;
  return `stopped: ${reason ?? 'unknown reason'}`;
}

/** A run's CSV name part: its start time, safe in file names. */
export function runTimestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, 'Z');
}
