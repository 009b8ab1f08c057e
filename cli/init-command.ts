// `tinytrain init [--board <b>] [--network <id>] [-o <file>] [--name <model>] [--force]`: writes a
// new commented config for a board from a starting network, with an update plan searched for the
// board's budget (compiler/new-config.ts). Never overwrites a file without --force.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BOARD_NAMES } from '../compiler/config/boards.js';
import { EXAMPLE_STARTERS, examplesDir, modelNameFrom, NewConfigError, newConfigText, starterById } from '../compiler/new-config.js';
import { EXIT, type FlagTable } from './args.js';
import { defineCommand, type CommandContext } from './context.js';

const NETWORKS = EXAMPLE_STARTERS.map((s) => s.id);

const INIT_FLAGS = {
  board: { type: 'string', value: 'BOARD', choices: BOARD_NAMES, help: 'the board it trains on (default stm32f405, the virtual board)' },
  // Free text, not `choices`: a .tflite path gets its own message (not supported yet).
  network: { type: 'string', value: 'NETWORK', help: `the starting network: ${EXAMPLE_STARTERS.map((s) => `${s.id} (${s.label})`).join(', ')}; default ${NETWORKS[0]}. A network from a .tflite file is not supported yet` },
  out: { type: 'string', short: 'o', value: 'FILE', help: 'where to write it, a *.tinytrain.yaml path (default <network>.tinytrain.yaml in this folder)' },
  name: { type: 'string', value: 'NAME', help: 'model.name (default: from the file name)' },
  force: { type: 'boolean', help: 'overwrite an existing file' },
  samples: { type: 'int', min: 1, max: 10_000_000, help: 'candidates the plan search evaluates (default 3000)' },
  json: { type: 'boolean', help: 'print {"file","board","network","budgetKB","extraKB","peakSramBytes"} on stdout' },
} satisfies FlagTable;

export const initCommand = defineCommand({
  name: 'init',
  summary: 'a new commented config for a board, with an update plan searched for its budget',
  details: "Writes a *.tinytrain.yaml: the starting network (its example's model:, data: and pretrain: sections, comments included), the board, and a train.update plan searched for the board: its SRAM minus what inference needs, ranked by the prior contributions (the search of 'tinytrain search'). Every choice is explained in a comment. An existing file is kept unless --force.",
  positionals: [],
  flags: INIT_FLAGS,
  run: init,
});

function init(ctx: CommandContext<typeof INIT_FLAGS>): number {
  const f = ctx.flags;
  const board = f.board ?? 'stm32f405';
  const network = f.network ?? NETWORKS[0];
  if (/\.tflite$/i.test(network)) { ctx.err(`tinytrain init: a network from a .tflite file (${network}) is not supported yet; start from one of: ${NETWORKS.join(', ')}`); return EXIT.problem; }
  if (!NETWORKS.includes(network)) return ctx.usage(`--network: unknown network '${network}' (known: ${NETWORKS.join(', ')})`);
  const out = resolve(f.out ?? `${network}.tinytrain.yaml`);
  if (!/\.tinytrain\.yaml$/.test(out)) return ctx.usage(`-o: ${out} must end in .tinytrain.yaml (the editor recognises configs by that name)`);
  if (existsSync(out) && !f.force) { ctx.err(`tinytrain init: ${out} exists; pass --force to overwrite it`); return EXIT.problem; }
  const starter = starterById(network);
  const samples = f.samples ?? 3000;
  try {
    const exampleText = readFileSync(join(examplesDir(), starter.example), 'utf8');
    ctx.err(`searching an update plan for ${board} (${samples} samples)…`);
    const r = newConfigText({ board, starter, exampleText, name: f.name ?? modelNameFrom(out), samples });
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, r.text);
    renameSync(tmp, out); // whole or not at all
    if (f.json) ctx.out(JSON.stringify({ file: out, board, network, budgetKB: +r.budgetKB.toFixed(3), extraKB: +r.plan.extraKB.toFixed(3), peakSramBytes: r.plan.peakSramBytes ?? null }));
    else ctx.out(`wrote ${out}: ${starter.label} on ${board}; update plan ${r.plan.extraKB.toFixed(1)} KB of ${r.budgetKB.toFixed(1)} KB, planned peak ${((r.plan.peakSramBytes ?? 0) / 1024).toFixed(1)} KB`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof NewConfigError) { ctx.err(`tinytrain init: ${err.message}`); return EXIT.problem; }
    throw err;
  }
}
