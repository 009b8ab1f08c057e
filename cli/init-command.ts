// `tinytrain init [--board <b>] [--network <id> | --from <model.tflite|.onnx> [--classes N]] [-o <file>]
// [--name <model>] [--force]`: writes a new commented config for a board from a starting network
// or an int8 model file it imports, with an update plan searched for the board's budget
// (compiler/new-config.ts). Never overwrites a file without --force.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { modelFileExtension, modelFileStem } from '../compiler/config/starters.js';
import { BOARD_NAMES } from '../compiler/config/boards.js';
import { EXAMPLE_STARTERS, examplesDir, importConfigText, modelNameFrom, NewConfigError, newConfigText, starterById, type NewConfig } from '../compiler/new-config.js';
import { EXIT, type FlagTable } from './args.js';
import { defineCommand, type CommandContext } from './context.js';

const NETWORKS = EXAMPLE_STARTERS.map((s) => s.id);

const INIT_FLAGS = {
  board: { type: 'string', value: 'BOARD', choices: BOARD_NAMES, help: 'the board it trains on (default stm32f405, the virtual board)' },
  // Free text, not `choices`: a model file's path gets its own message (it goes in --from).
  network: { type: 'string', value: 'NETWORK', help: `the starting network: ${EXAMPLE_STARTERS.map((s) => `${s.id} (${s.label})`).join(', ')}; default ${NETWORKS[0]}` },
  from: { type: 'string', value: 'FILE.tflite|FILE.onnx', help: 'start from an int8 .tflite or .onnx (QDQ or QLinear) model instead: the config imports it (model: { import: ... }, the path relative to the written config) and the plan is searched over its convs' },
  classes: { type: 'int', min: 1, max: 100000, help: "with --from: model.classes (default the file's own, which keeps its classifier; another number trains a new one)" },
  out: { type: 'string', short: 'o', value: 'FILE', help: 'where to write it, a *.tinytrain.yaml path (default <network>.tinytrain.yaml, or <model file name>.tinytrain.yaml with --from, in this folder)' },
  name: { type: 'string', value: 'NAME', help: 'model.name (default: from the file name)' },
  force: { type: 'boolean', help: 'overwrite an existing file' },
  samples: { type: 'int', min: 1, max: 10_000_000, help: 'candidates the plan search evaluates (default 3000)' },
  json: { type: 'boolean', help: 'print {"file","board","network","budgetKB","extraKB","peakSramBytes"} on stdout (network: the example\'s id, or the --from file)' },
} satisfies FlagTable;

export const initCommand = defineCommand({
  name: 'init',
  summary: 'a new commented config for a board, with an update plan searched for its budget',
  details: "Writes a *.tinytrain.yaml: the starting network (its example's model:, data: and pretrain: sections, comments included; or, with --from, a model: section importing the model file), the board, and a train.update plan searched for the board: its SRAM minus what inference needs, ranked by the prior contributions (the search of 'tinytrain search'). Every choice is explained in a comment. A model file the importer cannot take (missing, float, an unsupported op) is refused with its problems, each naming the op and its index. An existing file is kept unless --force.",
  positionals: [],
  flags: INIT_FLAGS,
  run: init,
});

function init(ctx: CommandContext<typeof INIT_FLAGS>): number {
  const f = ctx.flags;
  const board = f.board ?? 'stm32f405';
  const networkFormat = f.network === undefined ? undefined : modelFileExtension(f.network);
  if (networkFormat) return ctx.usage(`--network ${f.network}: a .${networkFormat} model goes in --from (tinytrain init --from ${f.network})`);
  if (f.from !== undefined && f.network !== undefined) return ctx.usage('--from and --network are two starting points: give one');
  if (f.classes !== undefined && f.from === undefined) return ctx.usage("--classes goes with --from (an example's network has its own classes)");
  if (f.from !== undefined && !modelFileExtension(f.from)) return ctx.usage(`--from: ${f.from} must be an int8 .tflite or .onnx file`);
  const network = f.network ?? NETWORKS[0];
  if (f.from === undefined && !NETWORKS.includes(network)) return ctx.usage(`--network: unknown network '${network}' (known: ${NETWORKS.join(', ')})`);
  const from = f.from === undefined ? undefined : resolve(f.from);
  const out = resolve(f.out ?? `${from ? modelFileStem(from) : network}.tinytrain.yaml`);
  if (!/\.tinytrain\.yaml$/.test(out)) return ctx.usage(`-o: ${out} must end in .tinytrain.yaml (the editor recognises configs by that name)`);
  if (existsSync(out) && !f.force) { ctx.err(`tinytrain init: ${out} exists; pass --force to overwrite it`); return EXIT.problem; }
  const samples = f.samples ?? 3000;
  const name = f.name ?? modelNameFrom(out);
  try {
    let r: NewConfig;
    let label: string;
    if (from) {
      ctx.err(`importing ${from} and searching an update plan for ${board} (${samples} samples)…`);
      r = importConfigText({ board, modelPath: from, configPath: out, ...(f.classes !== undefined ? { classes: f.classes } : {}), name, samples });
      label = basename(from);
    } else {
      const starter = starterById(network);
      const exampleText = readFileSync(join(examplesDir(), starter.example), 'utf8');
      ctx.err(`searching an update plan for ${board} (${samples} samples)…`);
      r = newConfigText({ board, starter, exampleText, name, samples });
      label = starter.label;
    }
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, r.text);
    renameSync(tmp, out); // whole or not at all
    if (f.json) ctx.out(JSON.stringify({ file: out, board, network: from ?? network, budgetKB: +r.budgetKB.toFixed(3), extraKB: +r.plan.extraKB.toFixed(3), peakSramBytes: r.plan.peakSramBytes ?? null }));
    else ctx.out(`wrote ${out}: ${label} on ${board}; update plan ${r.plan.extraKB.toFixed(1)} KB of ${r.budgetKB.toFixed(1)} KB, planned peak ${((r.plan.peakSramBytes ?? 0) / 1024).toFixed(1)} KB`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof NewConfigError) { for (const line of err.message.split('\n')) ctx.err(`tinytrain init: ${line}`); return EXIT.problem; }
    throw err;
  }
}
