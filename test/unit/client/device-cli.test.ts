// The device commands' CLI runs: output and progress come back, a cancel (the AbortSignal of
// the job owning the port) ends the whole process group, nothing ever rejects; the virtual
// board process prints its port, resets into its bootloader on request and stops.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, VirtualBoardProcess } from '../../../client/device-cli.js';
import { parseBuildJson, parsePortList, flashFailure } from '../../../client/device-model.js';

const FAKE = { node: process.execPath, cli: join(__dirname, 'fixtures', 'fake-device-cli.js') };
const REAL = { node: process.execPath, cli: resolve(__dirname, '..', '..', '..', 'bin', 'tinytrain.js') };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('CLI runs of the device commands', () => {
  test('build: progress lines as they come, the JSON summary on stdout', async () => {
    const lines: string[] = [];
    const r = await runCli(FAKE, ['build', 'x.tinytrain.yaml', '--json'], { cwd: __dirname, onStderr: (l) => lines.push(l) });
    assert.equal(r.code, 0);
    assert.deepEqual(lines, ['building the training firmware', 'firmware: text 1 B, data 2 B, bss 3 B']);
    assert.equal(parseBuildJson(r.stdout)?.size.bss, 3);
  });

  test('a failed flash: exit 1 and the FlasherError code, no success line', async () => {
    const r = await runCli(FAKE, ['flash', 'x.tinytrain.yaml', '--port', '/bad'], { cwd: __dirname });
    assert.equal(r.code, 1);
    assert.equal(flashFailure(r.stderr)?.code, 'NO_ANSWER');
    assert.doesNotMatch(r.stdout, /^flashed/m);
  });

  test('abort ends the whole process group (the CLI and what it started)', async () => {
    const ac = new AbortController();
    let grandchild = 0;
    let progress = 0;
    const done = runCli(FAKE, ['flash', 'x.tinytrain.yaml', '--port', '/dev/pts/9'], {
      cwd: __dirname, signal: ac.signal,
      onStderr: (l) => {
        const m = /grandchild (\d+)/.exec(l);
        if (m) grandchild = Number(m[1]);
        if (/^flash: write/.test(l)) progress++;
      },
    });
    while (progress < 3) await sleep(10);
    assert.ok(grandchild > 0 && alive(grandchild));
    ac.abort();
    const r = await done;
    assert.equal(r.aborted, true);
    assert.notEqual(r.code, 0);
    for (let i = 0; i < 50 && alive(grandchild); i++) await sleep(20);
    assert.equal(alive(grandchild), false, 'the grandchild is gone');
  });

  test('an already aborted signal starts nothing; a missing executable resolves with an error', async () => {
    const ac = new AbortController();
    ac.abort();
    assert.equal((await runCli(FAKE, ['build', 'x'], { signal: ac.signal })).aborted, true);
    const r = await runCli({ node: '/nonexistent/node', cli: 'x' }, ['board']);
    assert.equal(r.code, null);
    assert.match(r.stderr, /cannot start the TinyTrain CLI/);
    assert.match(parsePortList(r.stdout, r.stderr, r.code).error!, /failed/);
  });

  test('the real `tinytrain board` listing never fails the picker (ports, or the reason there are none)', { timeout: 60_000 }, async () => {
    const r = await runCli(REAL, ['board'], { timeoutMs: 50_000 });
    const l = parsePortList(r.stdout, r.stderr, r.aborted ? null : r.code);
    assert.ok(Array.isArray(l.ports));
    assert.ok(l.ports.length > 0 || l.error !== undefined || r.code === 0, JSON.stringify({ l, stderr: r.stderr }));
  });

  test('virtual board process: port path, reset into the bootloader, stop', async () => {
    const b = new VirtualBoardProcess(FAKE);
    const exited = new Promise<void>((r) => b.onExit(r));
    try {
      assert.equal(await b.ready, '/tmp/fake-vboard/ttyTinyTrain');
      assert.equal(b.running, true);
      assert.equal(await b.reset(5000), true);
    } finally {
      b.stop();
    }
    await exited;
    assert.equal(b.running, false);
    assert.equal(await b.reset(100), false);
  });
});
