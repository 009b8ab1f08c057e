// A new config for a board from a starting network (`tinytrain init`, TinyTrain: New Config…):
// the network's `model:` section (and its `data:` / `pretrain:` sections when it has them) taken
// as text from an example, so its comments come along; the board; and a `train.update` plan
// searched for that board's budget (search.ts with the prior contributions),
// every choice explained in a comment. Or a `model: { import: file.tflite }` section for a model
// file (read through the importer's cache). The file finding and that read are the only I/O here.

import { readdirSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from './compile.js';
import { BOARDS, type Board } from './config/boards.js';
import { EXAMPLE_STARTERS, type ExampleStarter, type StarterSource } from './config/starters.js';
import { formatBytes } from './config/units.js';
import type { ImportedModel } from './import/lower.js';
import { loadModelFile } from './import/resolve.js';
import type { ImportProblem } from './import/tflite.js';
import type { Network } from './ir/network.js';
import { defaultBudgetKB, findBestPlan, priorContributions, updateYaml, type Candidate } from './search.js';

export { EXAMPLE_STARTERS, type ExampleStarter, type StarterSource };

/** The examples/ folder: in a checkout next to compiler/, inside the package when installed. */
export function examplesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // compiler/ in a checkout and dist/ in the package both sit beside examples/.
  for (const candidate of [join(here, '..', 'examples'), join(here, 'examples')]) {
    try { readdirSync(join(candidate, 'mnist-transfer')); return candidate; } catch { /* try the next */ }
  }
  throw new Error('the TinyTrain examples were not found next to the compiler');
}

export class NewConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NewConfigError';
  }
}

export function starterById(id: string): ExampleStarter {
  const s = EXAMPLE_STARTERS.find((x) => x.id === id);
  if (!s) throw new NewConfigError(`unknown starting network '${id}' (known: ${EXAMPLE_STARTERS.map((x) => x.id).join(', ')})`);
  return s;
}

/** The top-level sections of a YAML text by key, each from its key line to the next top-level
 * key (comment lines directly above a key belong to that key's section). */
export function topLevelSections(text: string): Map<string, string[]> {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const starts: { key: string; line: number }[] = [];
  lines.forEach((l, i) => { const m = /^([A-Za-z_][\w-]*):/.exec(l); if (m) starts.push({ key: m[1], line: i }); });
  const out = new Map<string, string[]>();
  starts.forEach((s, i) => {
    let end = i + 1 < starts.length ? starts[i + 1].line : lines.length;
    while (end > s.line + 1 && (lines[end - 1].startsWith('#') || lines[end - 1].trim() === '')) end--;
    out.set(s.key, lines.slice(s.line, end));
  });
  return out;
}

export interface NewConfigOptions {
  board: string;
  /** The text of the starting network's example config. */
  exampleText: string;
  starter: ExampleStarter;
  /** model.name of the new config (default: the example's). */
  name?: string;
  /** Search samples (the editor's Find Best Update Plan uses 3000). */
  samples?: number;
}

export interface NewConfig {
  text: string;
  board: Board;
  budgetKB: number;
  plan: Candidate;
}

/** A comment aligned at column 32, as the examples write them. */
function commented(line: string, comment: string): string {
  return `${line.padEnd(31)} # ${comment}`;
}

/** A model.name from a file name: lower case letters, digits and dashes. */
export function modelNameFrom(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.tinytrain\.ya?ml$/i, '').replace(/\.ya?ml$/i, '');
  const name = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(name) ? name : `model-${name || 'new'}`;
}

/** The plan search of a new config: the board's budget (its SRAM minus what inference needs)
 * and the best plan within it by the prior contributions. */
function searchPlan(net: Network, board: Board, samples: number, what: string): { budgetKB: number; inferenceKB: number; plan: Candidate } {
  const budgetKB = defaultBudgetKB(net, board.sramBytes);
  const inferenceKB = board.sramBytes / 1024 - budgetKB;
  const r = findBestPlan(net, priorContributions(net), { budgetKB, sramBytes: board.sramBytes, samples, seed: 1, classifier: true, compareRandom: false });
  if (!r.best) {
    throw new NewConfigError(`${what} does not fit ${board.name}: inference alone needs ${inferenceKB.toFixed(1)} KB of its ${(board.sramBytes / 1024).toFixed(0)} KB of SRAM, so nothing is left to train with. Pick a board with more SRAM or a smaller network.`);
  }
  return { budgetKB, inferenceKB, plan: r.best };
}

/** The header comment, explaining where the plan comes from. */
function headerLines(name: string, from: string, board: Board, s: { budgetKB: number; inferenceKB: number }): string[] {
  return [
    `# ${name}: made by \`tinytrain init\` (TinyTrain: New Config…) from ${from}`,
    `# on ${board.description}.`,
    '# The code lens above `model:` shows the peak SRAM and flash against the board; TinyTrain: Show',
    '# Training Plan shows and edits what trains. The update plan below was searched for this board:',
    `# ${s.budgetKB.toFixed(1)} KB of analytic extra memory (${(board.sramBytes / 1024).toFixed(0)} KB of SRAM minus the ${s.inferenceKB.toFixed(1)} KB inference needs),`,
    '# ranked by the prior contributions. `tinytrain contrib` measures real ones; then TinyTrain: Find',
    '# Best Update Plan… searches again with them.',
  ];
}

/** The `target:` and `train:` sections with the searched plan, each choice commented. */
function targetAndTrainLines(board: Board, train: { lr: number; steps?: number }, plan: Candidate): string[] {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const out = ['target:', commented(`  board: ${board.name}`, `${board.cpu} ${board.clockHz ? `${(board.clockHz / 1e6).toFixed(0)} MHz, ` : ''}${formatBytes(board.sramBytes)} SRAM, ${formatBytes(board.flashBytes)} flash`)];
  out.push('train:', '  optimizer: sgd', `  lr: ${train.lr}`, commented('  qas: true', 'quantization-aware scaling: int8 updates vanish without it'));
  if (train.steps !== undefined) out.push(`  steps: ${train.steps}`);
  const update = updateYaml(plan, '  ').split('\n').map((l) => `  ${l}`);
  update[0] = commented(update[0], `searched: ${plan.extraKB.toFixed(1)} KB analytic extra memory, planned peak ${kb(plan.peakSramBytes ?? 0)}`);
  update[1] = commented(update[1], `the last ${plan.biases} convs train their biases`);
  const weightsAt = update.findIndex((l) => /^ {4}weights:/.test(l));
  if (weightsAt >= 0) update[weightsAt] = commented(update[weightsAt], 'conv index: fraction of input channels whose weights train');
  out.push(...update);
  return out;
}

const NO_DATA = ['# No data: section yet: add one (see docs/config-language.md) to train; analysis, compile and', '# Build Firmware work without it.'];

export function newConfigText(opts: NewConfigOptions): NewConfig {
  const board = boardByName(opts.board);
  const { parsed, compilation } = compile(opts.exampleText);
  const spec = parsed.spec;
  if (!spec || !compilation) throw new NewConfigError(`the example ${opts.starter.example} does not parse`);
  const sections = topLevelSections(opts.exampleText);
  const model = sections.get('model');
  if (!model) throw new NewConfigError(`the example ${opts.starter.example} has no model: section`);
  const name = opts.name ?? spec.model.name;
  const searched = searchPlan(compilation.net, board, opts.samples ?? 3000, opts.starter.label);
  const out = headerLines(name, opts.starter.label, board, searched);
  model.forEach((l) => out.push(/^ {2}name:/.test(l) ? commented(`  name: ${name}`, 'what the generated files and runs are called') : l));
  out.push(...targetAndTrainLines(board, spec.train, searched.plan));
  for (const key of ['data', 'pretrain']) {
    const s = sections.get(key);
    if (s) out.push(...s);
  }
  if (!sections.get('data')) out.push(...NO_DATA);
  return { text: `${out.join('\n')}\n`, board, budgetKB: searched.budgetKB, plan: searched.plan };
}

function boardByName(name: string): Board {
  const board = BOARDS[name];
  if (!board) throw new NewConfigError(`unknown board '${name}' (known: ${Object.keys(BOARDS).join(', ')})`);
  return board;
}

/** A model file the importer cannot take: its problems, each naming the op and its index. */
export class ImportFileError extends NewConfigError {
  constructor(readonly file: string, readonly problems: ImportProblem[]) {
    super(problems.map((p) => (p.message.startsWith(file) ? p.message : `${file}: ${p.message}`)).join('\n'));
    this.name = 'ImportFileError';
  }
}

export interface ImportConfigOptions {
  board: string;
  /** The .tflite file, absolute. */
  modelPath: string;
  /** Where the config will be written, absolute: the import path is written relative to it. */
  configPath: string;
  /** model.classes (default: the file's own, which keeps its classifier). */
  classes?: number;
  name: string;
  samples?: number;
}

/** A path as a YAML scalar: plain when that reads back as the same string, quoted otherwise. */
const yamlPath = (p: string): string => (/^[\w.][\w./-]*$/.test(p) ? p : JSON.stringify(p));

/** A new config that imports an int8 .tflite model (`tinytrain init --from`), with its plan
 * searched for the board like any starting network's. */
export function importConfigText(opts: ImportConfigOptions): NewConfig & { model: ImportedModel } {
  const board = boardByName(opts.board);
  const loaded = loadModelFile(opts.modelPath);
  if (loaded.problems.length || !loaded.model) throw new ImportFileError(opts.modelPath, loaded.problems);
  const m = loaded.model;
  const own = m.net.classifier.classes;
  const classes = opts.classes ?? own;
  const rel = relative(dirname(opts.configPath), opts.modelPath).split(sep).join('/');
  const file = basename(opts.modelPath);
  const model = [
    'model:',
    commented(`  name: ${opts.name}`, 'what the generated files and runs are called'),
    commented(`  import: ${yamlPath(rel)}`, `the int8 model, relative to this file: ${m.net.convs.length} convs, input ${m.input.shape.slice(1).join('x')} ${m.input.type}`),
    commented(`  classes: ${classes}`, classes === own ? `the file's ${own}: its classifier is kept; another number trains a new one` : `not the file's ${own}: a new classifier (transfer learning)`),
  ];
  // The draft (no plan yet) gives the imported network, through the one compile pipeline.
  const { parsed, compilation } = compile(`${model.join('\n')}\ntarget:\n  board: ${board.name}\n`, { configPath: opts.configPath });
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (!compilation || errors.length) throw new NewConfigError(`${file}: ${errors.map((p) => p.message).join('; ') || 'does not compile'}`);
  const what = `${file} (${m.net.convs.length} convs, ${m.input.shape.slice(1).join('x')} input)`;
  const searched = searchPlan(compilation.net, board, opts.samples ?? 3000, what);
  const out = [...headerLines(opts.name, what, board, searched), ...model, ...targetAndTrainLines(board, parsed.spec!.train, searched.plan), ...NO_DATA];
  return { text: `${out.join('\n')}\n`, board, budgetKB: searched.budgetKB, plan: searched.plan, model: m };
}
