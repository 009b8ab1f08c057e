// The run stream: what `tinytrain train` prints on stdout, one JSON object per line, for a run on
// the host (the generated trainer's own lines) or on a board (the STEP/EVAL/DONE frames turned
// into the same lines). Typed once here; the CLI's writers, its tests and the extension's
// dashboard read it through `checkRunLine` / `parseRunLine`. Progress and errors go to stderr as
// text, so stdout stays this stream.

export interface StepLine {
  step: number;
  loss: number;
  correct: boolean;
  /** The board's cycle or instruction counter for this step (device runs; under QEMU -icount
   * one count is one guest instruction). Host lines have no counter. */
  counter?: number;
}
/** A held-out evaluation during the run. */
export interface EvalLine { step: number; accuracy: number }
/** The end of the run: held-out accuracy after `steps` steps, with the held-out counts per class
 * (confusion[label][predicted]) and the class names in label order when the run knows them. */
export interface DoneLine { done: true; accuracy: number; steps: number; confusion?: number[][]; classNames?: string[] }

/** A parsed line; an evaluation is marked `eval: true` (it is printed without the mark). */
export type RunLine = StepLine | ({ eval: true } & EvalLine) | DoneLine;

/** What a writer prints. */
export type RunLineOut = StepLine | EvalLine | DoneLine;

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const count = (v: unknown): v is number => num(v) && Number.isInteger(v) && v >= 0;

/** A square table of counts. */
function isTable(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((r) => Array.isArray(r) && r.length === v.length && r.every(count));
}

/** A done line with the config's class names added when they name every row of its table. */
export function withClassNames(line: DoneLine, names: readonly (string | number)[] | undefined): DoneLine {
  return line.confusion && names && names.length === line.confusion.length ? { ...line, classNames: names.map(String) } : line;
}

/** One parsed JSON object as a line of the stream, or why it is not one. */
export function checkRunLine(o: unknown): { ok: true; line: RunLine } | { ok: false; reason: string } {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, reason: 'not a JSON object' };
  const r = o as Record<string, unknown>;
  if (r.done === true) {
    if (!num(r.accuracy) || !count(r.steps)) return { ok: false, reason: 'a done line needs a finite accuracy and a step count' };
    // A malformed table is dropped, not the line: the accuracy still stands.
    const confusion = isTable(r.confusion) ? r.confusion : undefined;
    const classNames = confusion && Array.isArray(r.classNames) && r.classNames.length === confusion.length && r.classNames.every((n) => typeof n === 'string') ? r.classNames as string[] : undefined;
    return { ok: true, line: { done: true, accuracy: r.accuracy, steps: r.steps, ...(confusion ? { confusion } : {}), ...(classNames ? { classNames } : {}) } };
  }
  if (!count(r.step)) return { ok: false, reason: 'a line needs done: true or a step number' };
  if ('loss' in r) {
    if (!num(r.loss)) return { ok: false, reason: `step ${r.step}: the loss is not a finite number` };
    if (typeof r.correct !== 'boolean') return { ok: false, reason: `step ${r.step}: correct is not true or false` };
    if (r.counter !== undefined && !count(r.counter)) return { ok: false, reason: `step ${r.step}: the counter is not a whole number` };
    return { ok: true, line: { step: r.step, loss: r.loss, correct: r.correct, ...(r.counter !== undefined ? { counter: r.counter as number } : {}) } };
  }
  if (num(r.accuracy)) return { ok: true, line: { eval: true, step: r.step, accuracy: r.accuracy } };
  return { ok: false, reason: `step ${r.step}: neither a loss nor an accuracy` };
}

/** One stdout line: the stream's line, or undefined for anything else (text, broken JSON). */
export function parseRunLine(text: string): RunLine | undefined {
  const s = text.trim();
  if (!s.startsWith('{')) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(s);
  } catch {
    return undefined;
  }
  const c = checkRunLine(o);
  return c.ok ? c.line : undefined;
}

/** The median of the counters seen so far (the dashboard's instructions per step). */
export function medianCounter(counters: readonly number[]): number | undefined {
  const v = counters.filter((x) => x > 0).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : undefined;
}
