// `tinytrain profile <config> [--board <b>] [--virtual | --port <p>] [--steps N] [--json]`: where
// the training step's time goes, op by op. The host (--board host, the default when neither
// --virtual nor --port is given) times each op with the clock (median ms per step over the
// steps); --virtual runs the board's QEMU build under -icount (exact guest instructions);
// --port profiles a real board in its bootloader (core cycles from the board counter).
// Prints a table (op, kind, shape, MACs, counter, share, counter per MAC) and the per-kind
// totals, or with --json one object: board, instructionsPerStep | cyclesPerStep | msPerStep,
// ops[] (op, kind, shape, macs, counter, share, counterPerMac) and kinds[].
import { prepareForDevice } from '../devicerun/config.js';
import { profileOnDevice } from '../devicerun/profile.js';
import { profileOnHost, type Profile } from '../training/profile.js';
import { writeProfile } from '../training/profile-store.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { DATA_FLAG, configArgumentError, dataSource } from './input.js';

const PROFILE_BOARDS = ['host', 'stm32f405', 'stm32f746'];

const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

export function formatProfile(r: Profile): string[] {
  const unit = r.counterUnit;
  const head = r.instructionsPerStep !== undefined ? `${r.instructionsPerStep.toLocaleString('en-US')} instructions per step (QEMU -icount)`
    : r.cyclesPerStep !== undefined ? `${r.cyclesPerStep.toLocaleString('en-US')} cycles per step` : `${r.msPerStep} ms per step (median of ${r.steps})`;
  const rows = r.ops.map((o) => [String(o.index), o.op, o.kind, o.shape, o.macs ? o.macs.toLocaleString('en-US') : '-', Math.round(o.counter).toLocaleString('en-US'), pct(o.share), o.counterPerMac !== undefined ? o.counterPerMac.toFixed(2) : '-']);
  const title = ['#', 'op', 'kind', 'shape', 'MACs', unit, 'share', `${unit === 'ns' ? 'ns' : unit === 'cycles' ? 'cyc' : 'instr'}/MAC`];
  const table = [title, ...rows];
  const width = title.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const right = new Set([0, 4, 5, 6, 7]);
  const line = (row: string[]): string => row.map((cell, c) => (right.has(c) ? cell.padStart(width[c]) : cell.padEnd(width[c]))).join('  ').trimEnd();
  const kinds = r.kinds.map((k) => `  ${k.kind.padEnd(20)} ${String(k.ops).padStart(4)} ops  ${k.macs.toLocaleString('en-US').padStart(12)} MACs  ${Math.round(k.counter).toLocaleString('en-US').padStart(13)} ${unit}  ${pct(k.share).padStart(7)}  ${k.counterPerMac !== undefined ? `${k.counterPerMac.toFixed(2)}/MAC` : ''}`.trimEnd());
  return [`${r.board}: ${head}; ${r.macs.toLocaleString('en-US')} MACs`, '', ...table.map(line), '', 'by kind:', ...kinds];
}

export const profileCommand = defineCommand({
  name: 'profile',
  summary: 'where the training step goes, op by op: counter, share of the step, per MAC, per kernel kind',
  details: 'The host (the default) times each op with the clock (median ms per step); --virtual runs the board\'s QEMU build under -icount (exact guest instructions); --port profiles a board in its ROM bootloader (core cycles). The result is also kept in .tinytrain/<model>/profile/latest.json for the plan view.',
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: {
    board: { type: 'string', value: 'BOARD', choices: PROFILE_BOARDS, help: 'host (default without --virtual / --port), stm32f405 or stm32f746' },
    virtual: { type: 'boolean', help: 'profile on the emulated board (QEMU, -icount instruction counts)' },
    port: { type: 'string', value: 'PATH', help: 'the serial port of a board in its ROM bootloader' },
    steps: { type: 'int', min: 1, max: 10000, help: 'training steps to profile (default: 20 host, 4 virtual, 8 on a port)' },
    data: DATA_FLAG,
    json: { type: 'boolean', help: 'print one JSON object: board, instructionsPerStep | cyclesPerStep | msPerStep, ops[], kinds[]' },
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const bad = configArgumentError(ctx, file);
    if (bad !== undefined) return bad;
    const f = ctx.flags;
    if (f.virtual && f.port) return ctx.usage('--virtual and --port exclude each other: profile on the virtual board or on the board at the port');
    try {
      const { prepared: p } = await prepareForDevice(file, (m) => ctx.err(m), dataSource(f.data));
      const board = f.board ?? (f.virtual || f.port ? p.spec.target.board.name : 'host');
      if (board === 'host' && (f.virtual || f.port)) return ctx.usage('--board host runs on this machine: leave out --virtual / --port');
      if (board !== 'host' && !f.virtual && !f.port) return ctx.usage(`profiling on ${board} needs --virtual (QEMU) or --port <path> (a board in its bootloader)`);
      const r = board === 'host'
        ? await profileOnHost(p, { steps: f.steps })
        : await profileOnDevice(p, { board, virtual: f.virtual, port: f.port, steps: f.steps, onProgress: (m) => ctx.err(m) });
      writeProfile(p, r);
      if (f.json) ctx.out(JSON.stringify(r));
      else for (const l of formatProfile(r)) ctx.out(l);
      return EXIT.ok;
    } catch (err) {
      return reportRunError(ctx, file, err);
    }
  },
});
