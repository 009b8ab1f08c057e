// The dashboard's run: a CLI process group streaming JSON lines. Pause suspends the whole group
// (no steps arrive), resume continues, stop ends every process of the group (also the trainer
// it started), and a run that finishes reports done with the held-out accuracy.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliRun, type RunEvent } from '../../../client/training.js';

const FAKE = join(__dirname, 'fixtures', 'fake-cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(steps: number) {
  const events: RunEvent[] = [];
  const run = new CliRun({ node: process.execPath, cli: FAKE, configPath: join(__dirname, 'fixtures', 'x.tinytrain.yaml'), steps, info: { id: 1, config: 'x', fileName: 'x', source: 'host', startedAt: Date.now() } });
  run.onEvent((e) => events.push(e));
  const steps_ = () => events.filter((e) => e.kind === 'step').length;
  const child = () => Number(/fake trainer child (\d+)/.exec(events.filter((e) => e.kind === 'log').map((e) => (e as { line: string }).line).join('\n'))?.[1]);
  return { run, events, steps: steps_, child };
}

/** A process that still runs (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('CLI training run', () => {
  test('streams steps and ends done with the accuracy', async () => {
    const r = start(10);
    await r.run.exited;
    assert.equal(r.steps(), 10);
    assert.equal(r.run.state, 'done');
    const last = r.events.filter((e) => e.kind === 'state').pop() as { accuracy?: number };
    assert.equal(last.accuracy, 0.5);
  });

  test('pause holds the group, resume continues, stop kills the trainer too', async () => {
    const r = start(100_000);
    while (r.steps() < 5) await sleep(10);
    const grandchild = r.child();
    assert.ok(grandchild > 0 && alive(grandchild));
    r.run.pause();
    assert.equal(r.run.state, 'paused');
    await sleep(60);
    const held = r.steps();
    await sleep(200);
    assert.equal(r.steps(), held, 'no step arrives while paused');
    r.run.resume();
    assert.equal(r.run.state, 'running');
    while (r.steps() < held + 3) await sleep(10);
    r.run.stop();
    await r.run.exited;
    assert.equal(r.run.state, 'stopped');
    for (let i = 0; i < 50 && alive(grandchild); i++) await sleep(20);
    assert.equal(alive(grandchild), false, 'the trainer the CLI started is gone');
  });

  test('stop while paused still ends the run', async () => {
    const r = start(100_000);
    while (r.steps() < 2) await sleep(10);
    r.run.pause();
    r.run.stop();
    await r.run.exited;
    assert.equal(r.run.state, 'stopped');
  });
});
