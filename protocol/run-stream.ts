// The run stream: what `tinytrain train` prints on stdout, one JSON object per line, for a run on
// the host (the generated trainer's own lines) or on a board (the STEP/EVAL/DONE frames turned
// into the same lines). Typed once here; the CLI's writers, its tests and the extension's
// dashboard read it through `checkRunLine` / `parseRunLine`. Progress and errors go to stderr as
// text, so stdout stays this stream.
// The other long commands' `--json` lines are typed here too: `tinytrain contrib --json` and
// `tinytrain flash --json` print progress lines before their result (flash: a flashed line),
// `tinytrain build --json` one build line; the extension reads them with `parseProgressLine`,
// `parseFlashedLine` and `parseBuildLine` instead of matching their text.

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

type Check<T> = (o: unknown) => { ok: true; line: T } | { ok: false; reason: string };

/** A stdout line through a check: its typed line, or undefined for anything else (text, broken JSON). */
function parseWith<T>(text: string, check: Check<T>): T | undefined {
  const s = text.trim();
  if (!s.startsWith('{')) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(s);
  } catch {
    return undefined;
  }
  const c = check(o);
  return c.ok ? c.line : undefined;
}

/** The last of a command's stdout lines that passes the check (its result line). */
function lastLineWith<T>(stdout: string, check: Check<T>): T | undefined {
  for (const l of stdout.split('\n').reverse()) {
    const line = parseWith(l, check);
    if (line) return line;
  }
  return undefined;
}

/** One stdout line: the stream's line, or undefined for anything else (text, broken JSON). */
export function parseRunLine(text: string): RunLine | undefined {
  return parseWith(text, checkRunLine);
}

// ---------------------------------------------------------------------------------------------
// Progress of the contribution runs and of flashing (`--json`, before the result line)

export interface ContribProgressLine {
  progress: 'contrib';
  /** Runs finished of all the runs. */
  done: number;
  total: number;
  /** What finished last (`L4.pw1 weights 1/2 (24/72) #2`). */
  label: string;
  seconds: number;
  etaSeconds?: number;
}

export const FLASH_PHASES = ['connect', 'erase', 'write', 'verify', 'go'] as const;
/** The AN3155 flasher's phases: bytes for write and verify, steps for the others. */
export interface FlashProgressLine { progress: 'flash'; phase: (typeof FLASH_PHASES)[number]; done: number; total: number }

export type ProgressLine = ContribProgressLine | FlashProgressLine;

export function checkProgressLine(o: unknown): { ok: true; line: ProgressLine } | { ok: false; reason: string } {
  const r = o as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || (r.progress !== 'contrib' && r.progress !== 'flash')) return { ok: false, reason: 'not a progress line' };
  if (!count(r.done) || !count(r.total) || r.done > r.total) return { ok: false, reason: 'progress: done and total must be counts, done <= total' };
  if (r.progress === 'flash') {
    if (!(FLASH_PHASES as readonly unknown[]).includes(r.phase)) return { ok: false, reason: `progress: the flash phase is one of ${FLASH_PHASES.join(', ')}` };
    return { ok: true, line: { progress: 'flash', phase: r.phase as FlashProgressLine['phase'], done: r.done, total: r.total } };
  }
  if (typeof r.label !== 'string' || !num(r.seconds) || (r.etaSeconds !== undefined && !num(r.etaSeconds))) return { ok: false, reason: 'progress: a label, seconds and an optional etaSeconds' };
  return { ok: true, line: { progress: 'contrib', done: r.done, total: r.total, label: r.label, seconds: r.seconds, ...(r.etaSeconds !== undefined ? { etaSeconds: r.etaSeconds as number } : {}) } };
}

/** `tinytrain flash --json`'s last line: the outcome as one sentence (what the editor shows). */
export interface FlashedLine { flashed: true; summary: string; ms: number; verified?: boolean; started?: boolean }

export function checkFlashedLine(o: unknown): { ok: true; line: FlashedLine } | { ok: false; reason: string } {
  const r = o as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || r.flashed !== true || typeof r.summary !== 'string' || !num(r.ms)) return { ok: false, reason: 'a flashed line has flashed: true, a summary and ms' };
  if ((r.verified !== undefined && typeof r.verified !== 'boolean') || (r.started !== undefined && typeof r.started !== 'boolean')) return { ok: false, reason: 'flashed: verified and started are true or false' };
  return { ok: true, line: r as unknown as FlashedLine };
}

/** The flashed line among stdout's lines. */
export function parseFlashedLine(stdout: string): FlashedLine | undefined {
  return lastLineWith(stdout, checkFlashedLine);
}

export function parseProgressLine(text: string): ProgressLine | undefined {
  return parseWith(text, checkProgressLine);
}

/** A duration as the progress bar and the editor's notification write it: `41s`, `2m08s`. */
export function durationText(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

// ---------------------------------------------------------------------------------------------
// `tinytrain build --json`: the firmware against its budget, the plan's prediction, the measurement

export interface BuildLine {
  board: string;
  target: string;
  elf: string;
  bin: string;
  size: { text: number; data: number; bss: number };
  budget: { ramBytes: number; flashBytes: number };
  plan: { peakSramBytes: number; arenaBytes: number; sramCopyBytes: number };
  /** The SRAM measured in QEMU after a few training steps, or null (no emulator, --no-measure). */
  measured: null | {
    measuredSramBytes: number; dataBytes: number; bssBytes: number; stackHighWaterBytes: number; plannedPeakSramBytes: number;
    differenceBytes: number; differencePercent: number; steps: number; qemuMachine: string; instructionsPerStep: number;
  };
  measurementSkipped?: string;
}

const counts = (o: unknown, keys: readonly string[]): boolean => typeof o === 'object' && o !== null && keys.every((k) => count((o as Record<string, unknown>)[k]));

export function checkBuildLine(o: unknown): { ok: true; line: BuildLine } | { ok: false; reason: string } {
  const r = o as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || typeof r.board !== 'string' || typeof r.target !== 'string' || typeof r.elf !== 'string' || typeof r.bin !== 'string') return { ok: false, reason: 'a build line names its board, target, elf and bin' };
  if (!counts(r.size, ['text', 'data', 'bss']) || !counts(r.budget, ['ramBytes', 'flashBytes']) || !counts(r.plan, ['peakSramBytes', 'arenaBytes', 'sramCopyBytes'])) return { ok: false, reason: 'a build line has byte counts for size, budget and plan' };
  if (r.measured !== null && !counts(r.measured, ['measuredSramBytes', 'dataBytes', 'bssBytes', 'stackHighWaterBytes', 'plannedPeakSramBytes', 'steps', 'instructionsPerStep'])) return { ok: false, reason: 'build: measured is null or the measured byte counts' };
  return { ok: true, line: r as unknown as BuildLine };
}

/** The build line among stdout's lines (the last one that is one). */
export function parseBuildLine(stdout: string): BuildLine | undefined {
  return lastLineWith(stdout, checkBuildLine);
}

/** The median of the counters seen so far (the dashboard's instructions per step). */
export function medianCounter(counters: readonly number[]): number | undefined {
  const v = counters.filter((x) => x > 0).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : undefined;
}
