// End to end in a real VS Code (code-server 4.100.3) with the packaged .vsix installed, driven
// through Chromium: a config's diagnostic and code lens, a hover on a layer, the plan view (a
// click edits the YAML; the click round trip is measured over 20 clicks), the memory timeline,
// a host training run streaming into the dashboard, and Train on Device through a typed port path
// (the pty of `tinytrain board --virtual`). Screenshots of every view in the dark
// and the light theme go to test-artifacts/e2e/, the click benchmark to
// test-artifacts/e2e-bench.json.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { editorHoverAt, openFile as openFileIn, openWorkbench, runCommand as runInWorkbench, sleep, UI_WAIT, until, WORKBENCH_SETTINGS } from './workbench.js';
import { CACHE, ensureCodeServer, killOnExit, killStrays, packageAndInstall, startCodeServer, tinytrainLogErrors, type CodeServer } from './code-server.js';

const REPO = resolve(__dirname, '..', '..');
const ARTIFACTS = join(REPO, 'test-artifacts');
const SHOTS = join(ARTIFACTS, 'e2e');
// The workspace lives in the cache so the trainer's pretraining cache (.tinytrain/) survives runs;
// the configs themselves are copied fresh every time. One workspace per checkout, so two
// checkouts' suites running at once never share (and overwrite) each other's files.
const WORKSPACE = join(CACHE, `e2e-workspace-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`);
const TRANSFER = 'transfer.tinytrain.yaml';
const OVER_BUDGET = 'bias-only.tinytrain.yaml';

const log = (s: string) => process.stderr.write(`[e2e] ${s}\n`);

let server: CodeServer | undefined;
let context: BrowserContext | undefined;
let page: Page;
let scratch: string;
const consoleProblems: string[] = [];

/** The content frame of the webview showing `view` (its body carries data-view). */
async function viewFrame(view: 'plan' | 'timeline' | 'dashboard', timeoutMs = 30_000): Promise<Frame> {
  return until(`the ${view} webview`, async () => {
    for (const f of page.frames()) {
      try {
        if (await f.evaluate((v) => document.body?.dataset.view === v && !!document.getElementById('root'), view)) return f;
      } catch {
        /* detached or cross-origin frame */
      }
    }
    return undefined;
  }, timeoutMs);
}

const runCommand = (title: string) => runInWorkbench(page, title);

const openFile = (name: string): Promise<void> => openFileIn(page, name);

async function activateTab(label: string): Promise<void> {
  await page.locator('.tabs-container .tab', { hasText: label }).first().click();
  await sleep(300);
}

/** The text of the visible lines of the editor showing `file` (non-breaking spaces as spaces). */
async function editorText(file = TRANSFER): Promise<string> {
  const lines = page.locator(`.monaco-editor[data-uri$="${file}"] .view-lines`).first();
  return (await lines.innerText({ timeout: 5000 })).replace(/\u00a0/g, ' ');
}

async function shot(name: string, clipTo?: Frame): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  if (clipTo) {
    const el = await clipTo.frameElement();
    const box = await el.boundingBox();
    if (box) return void (await page.screenshot({ path, clip: box }));
  }
  await page.screenshot({ path });
}

async function setTheme(theme: string, bodyClass: string): Promise<void> {
  await runCommand('Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(theme);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first();
  await row.waitFor({ timeout: UI_WAIT });
  await row.click();
  await until(`the ${theme} theme`, () => page.evaluate((c) => document.querySelector('.monaco-workbench')?.classList.contains(c) ?? false, bodyClass), 20_000);
  await sleep(500);
}

/** Runs in the plan view: click a conv, resolve when the view shows a newer analysis in which
 * that conv's mode changed and no click is pending. A string, so no bundler helper leaks in. */
const CLICK_AND_WAIT = `(async () => {
  const row = () => document.querySelector('.conv[data-conv="CONV"]');
  const v0 = document.body.dataset.version;
  const before = row().dataset.mode;
  const t0 = performance.now();
  row().click();
  await new Promise((res, rej) => {
    let obs;
    const timer = setTimeout(() => { obs.disconnect(); rej(new Error('no update in 10 s')); }, 10000);
    obs = new MutationObserver(() => {
      const r = row();
      if (document.body.dataset.version !== v0 && r && r.dataset.mode !== before && !document.querySelector('.conv.pending')) {
        clearTimeout(timer);
        obs.disconnect();
        res();
      }
    });
    obs.observe(document.body, { attributes: true, childList: true, subtree: true });
  });
  return { ms: performance.now() - t0, mode: row().dataset.mode || '' };
})()`;

describe('TinyTrain in code-server', { timeout: 8 * 60_000 }, () => {
  before(async () => {
    const t0 = Date.now();
    const bin = ensureCodeServer(log);
    log(`code-server ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    mkdirSync(WORKSPACE, { recursive: true });
    // Fixed copies of the examples (test/e2e/fixtures), so retuning an example does not move the test.
    for (const f of [TRANSFER, OVER_BUDGET]) copyFileSync(join(__dirname, 'fixtures', f), join(WORKSPACE, f));
    scratch = mkdtempSync(join(tmpdir(), 'tinytrain-e2e-'));
    const userDataDir = join(scratch, 'user');
    const extensionsDir = join(scratch, 'extensions');
    await packageAndInstall(bin, REPO, userDataDir, extensionsDir, log);
    server = await startCodeServer(bin, {
      userDataDir, extensionsDir, folder: WORKSPACE,
      settings: {
        ...WORKBENCH_SETTINGS,
        // Train on Device: a few steps and held-out samples (each streamed sample ~0.2 s in QEMU).
        'tinytrain.device.steps': 5,
        'tinytrain.device.evalSamples': 2,
      },
    });
    log(`code-server at ${server.url}`);
    ({ context, page } = await openWorkbench(join(scratch, 'chromium'), server.url, WORKSPACE, consoleProblems));
    log(`workbench up (${((Date.now() - t0) / 1000).toFixed(1)} s since start)`);
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await server?.stop();
    // Anything still running from the workspace (a trainer the extension started) is a stray.
    killStrays([WORKSPACE], log);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('an over-budget config shows its diagnostic and the code lens', async () => {
    await openFile(OVER_BUDGET);
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show Training Plan' }).first();
    await lens.waitFor({ timeout: 30_000 });
    const lensText = await page.locator('.monaco-editor .codelens-decoration').first().innerText();
    assert.match(lensText, /over budget|KB|MB/);
    const squiggle = (await page.locator('.monaco-editor .squiggly-error').first().boundingBox())!;
    await editorHoverAt(page, squiggle.x + Math.min(20, squiggle.width / 2), squiggle.y + squiggle.height / 2, /budget/i);
    await shot('dark-diagnostic');
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  test('hovering a layer shows its figures', async () => {
    await openFile(TRANSFER);
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show Training Plan' }).first().waitFor({ timeout: 30_000 });
    const line = page.locator('.monaco-editor .view-line', { hasText: 'mbconv: { out: 24, kernel: 3, expand: 3, stride: 2 }' }).first();
    const box = (await line.boundingBox())!;
    const text = await line.innerText();
    const charW = box.width / Math.max(1, text.length);
    const col = text.indexOf('mbconv') + 3;
    await editorHoverAt(page, box.x + col * charW, box.y + box.height / 2, /MAC|KB|channels/i);
    await shot('dark-hover');
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  test('the plan view opens from the code lens; a click edits the YAML and the view follows', async () => {
    await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Show Training Plan' }).first().click();
    const plan = await viewFrame('plan');
    await plan.locator('.conv[data-conv="8"]').waitFor({ timeout: 30_000 });
    assert.equal(await plan.locator('.conv[data-conv="8"]').getAttribute('data-mode'), 'frozen');
    assert.match(await editorText(), /biases: 6\s/);
    await plan.locator('.conv[data-conv="8"]').click();
    await until('biases: 7 in the editor', async () => /biases: 7\s/.test(await editorText()), 15_000);
    await until('conv 8 shown as bias', async () => (await plan.locator('.conv[data-conv="8"]').getAttribute('data-mode')) === 'bias', 15_000);
    // The comment on the edited line is still there.
    assert.match(await editorText(), /biases: 7 +# the last two blocks train their biases/);
    // Undo is a text undo, and the view follows it.
    await activateTab(TRANSFER);
    await page.locator('.editor-group-container .monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+Z');
    await until('biases: 6 after undo', async () => /biases: 6\s/.test(await editorText()), 10_000);
    const plan2 = await viewFrame('plan');
    await until('conv 8 frozen again', async () => (await plan2.locator('.conv[data-conv="8"]').getAttribute('data-mode')) === 'frozen', 15_000);
    await shot('dark-plan', plan2);
    // The streamed stage and the chunked backward are marked on their blocks.
    assert.match(await plan2.locator('.block[data-layer="0"] .block-head').innerText(), /streamed rows/);
    assert.match(await plan2.locator('.blocks').innerText(), /backward in chunks of \d+\/\d+ ch/);
    await sleep(1000); // the code lens refreshes on VS Code's own schedule
    await shot('dark-plan-window');
  });

  test('plan view click round trip (20 clicks): click -> YAML edited -> analysis and diagnostics -> view updated', async () => {
    const plan = await viewFrame('plan');
    const samples: number[] = [];
    const conv = 13; // bias-trained, no weights: 1/8 1/4 1/2 1 frozen bias ... around the cycle
    const modes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = (await plan.evaluate(CLICK_AND_WAIT.replace('CONV', String(conv)))) as { ms: number; mode: string };
      samples.push(r.ms);
      modes.push(r.mode);
      await sleep(50);
    }
    assert.deepEqual(modes.slice(0, 6), ['weights 1/8', 'weights 1/4', 'weights 1/2', 'weights 1', 'frozen', 'bias']);
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const p90 = sorted[Math.floor(sorted.length * 0.9)];
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'e2e-bench.json'), JSON.stringify({
      name: 'e2e plan click round trip',
      description: 'click on a conv in the plan view -> WorkspaceEdit of the YAML -> the language server analyzes the new version and publishes its status and diagnostics -> the view shows that version (analyzed in the extension from the same text, started at the edit) -> re-rendered; code-server 4.100.3 + Chromium; config test/e2e/fixtures/transfer.tinytrain.yaml (the MNIST example)',
      unit: 'ms', n: samples.length, median: +median.toFixed(1), p90: +p90.toFixed(1), min: +sorted[0].toFixed(1), max: +sorted[sorted.length - 1].toFixed(1),
      samples: samples.map((x) => +x.toFixed(1)),
      date: new Date().toISOString(),
    }, null, 2));
    log(`plan click round trip: median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms over ${samples.length} clicks`);
    assert.ok(median < 1000, `median ${median} ms`);
    // Back to the fixture's scheme (20 clicks left conv 13 at weights 1/4 with biases 2).
    await activateTab(TRANSFER);
    await page.locator(`.monaco-editor[data-uri$="${TRANSFER}"] textarea`).first().focus();
    await runCommand('File: Revert File');
    await until('the reverted scheme', async () => /biases: 6 /.test(await editorText()), 10_000);
  });

  test('the memory timeline shows the stacked SRAM, the peak and the comparisons', async () => {
    await activateTab(TRANSFER);
    await runCommand('TinyTrain: Show Memory Timeline');
    const tl = await viewFrame('timeline');
    await tl.locator('#chart canvas').first().waitFor({ timeout: 30_000 });
    const figs = await tl.locator('.figs').innerText();
    assert.match(figs, /Peak SRAM, this plan/i);
    assert.match(figs, /Full update/i);
    await tl.locator('#cmp-full').click();
    await tl.locator('#cmp-noreorder').click();
    await until('overlay legend', async () => /full update/.test(await tl.locator('#legend').innerText()), 10_000);
    // Hover over the chart: the live tensors of that op are listed.
    const over = tl.locator('#chart .u-over');
    const b = (await over.boundingBox())!;
    await over.hover({ position: { x: b.width * 0.7, y: b.height / 2 } });
    await until('live tensors listed', async () => (await tl.locator('#hover table.live tr').count()) > 0, 10_000);
    await shot('dark-timeline', tl);
    // What streaming and chunking save, overlaid; the streamed stage's rings listed at its op.
    assert.match(figs, /Without streaming/i);
    assert.match(figs, /Without chunking/i);
    await tl.locator('#cmp-full').click();
    await tl.locator('#cmp-noreorder').click();
    await tl.locator('#cmp-nostream').click();
    await tl.locator('#cmp-nochunk').click();
    await until('streaming overlay legend', async () => /no streaming/.test(await tl.locator('#legend').innerText()), 10_000);
    const over2 = tl.locator('#chart .u-over');
    const b2 = (await over2.boundingBox())!;
    await over2.hover({ position: { x: 3, y: b2.height / 2 } });
    await until('the stream op with its rings', async () => /ring/.test(await tl.locator('#hover').innerText()), 10_000);
    await shot('dark-timeline-stream', tl);
  });

  test('Find Best Update Plan with the prior: the front in the plan view, Apply writes train.update, one undo reverts it', async () => {
    rmSync(join(WORKSPACE, 'transfer.contrib.json'), { force: true }); // nothing measured: the prior is offered
    await activateTab(TRANSFER);
    await page.locator(`.monaco-editor[data-uri$="${TRANSFER}"] textarea`).first().focus();
    const before = await editorText();
    assert.match(before, /biases: 6 +# the last two blocks/);
    const t0 = Date.now();
    await runCommand('TinyTrain: Find Best Update Plan');
    const input = page.locator('.quick-input-widget input');
    await until('the default budget', async () => /^\d+(\.\d+)?KB$/.test(await input.inputValue()), 10_000);
    await page.keyboard.press('Enter');
    const prior = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Use the prior' }).first();
    await prior.waitFor({ state: 'visible', timeout: UI_WAIT });
    await prior.click();
    const apply = page.locator('.notification-toast .monaco-button', { hasText: /^Apply$/ }).first();
    await apply.waitFor({ state: 'visible', timeout: 30_000 });
    const plan = await viewFrame('plan');
    await plan.locator('#pareto .pareto-chart canvas').first().waitFor({ timeout: UI_WAIT });
    assert.ok(Number(await plan.locator('#pareto').getAttribute('data-points')) > 1);
    assert.ok(Number(await plan.locator('#pareto').getAttribute('data-chosen')) >= 0);
    await shot('dark-plan-pareto', plan);
    await apply.click();
    await until('the YAML changed', async () => (await editorText()) !== before, 10_000);
    const after = await editorText();
    assert.match(after, /update:\s+biases: \d+/);
    assert.match(after, /steps: 1000/);
    assert.match(after, /data:\s+source: mnist/);
    await until('the applied point marked as the config\'s', async () => (await plan.locator('#pareto tr.current').count()) === 1, 10_000);
    log(`find best plan (prior): ${((Date.now() - t0) / 1000).toFixed(1)} s from the command to the edit`);
    await activateTab(TRANSFER);
    await page.locator(`.monaco-editor[data-uri$="${TRANSFER}"] textarea`).first().focus();
    await page.keyboard.press('Control+Z');
    // The fixture's scheme and its comments are back (the visible lines may have scrolled).
    await until('one undo restores the scheme', async () => /biases: 6 +# the last two blocks train their biases\s+weights:\s+12: 1 +# L5\.pw1, all input channels\s+9: 1\/2 +# L4\.pw1/.test(await editorText()), 10_000);
  });

  test('training on the host streams points into the dashboard', { timeout: 5 * 60_000 }, async () => {
    await activateTab(TRANSFER);
    await page.locator(`.monaco-editor[data-uri$="${TRANSFER}"] textarea`).first().focus();
    await runCommand('TinyTrain: Train on Host');
    const dash = await viewFrame('dashboard');
    await until('first points', async () => Number(await dash.evaluate(() => document.body.dataset.points ?? '0')) > 20, 180_000, 500);
    log('training points are arriving');
    await until('the run to finish', async () => (await dash.evaluate(() => document.body.dataset.state)) === 'done', 180_000, 500);
    const n = Number(await dash.evaluate(() => document.body.dataset.points));
    assert.ok(n >= 900, `points: ${n}`);
    const loss = await dash.locator('#fig-loss .value').innerText();
    assert.ok(Number(loss) > 0, loss);
    // Each log line once (a view that loads after the run started gets the history replayed once).
    const logLines = (await dash.locator('#logs').innerText()).split('\n').filter((l) => l.trim());
    assert.equal(new Set(logLines).size, logLines.length, logLines.join('\n'));
    await sleep(400);
    await shot('dark-dashboard', dash);
    await shot('dark-dashboard-window');
    // Exports: VS Code's save dialog (a quick input in code-server) offers <config>-training.*.
    for (const [button, file] of [['#export-csv', 'transfer-training.csv'], ['#export-png', 'transfer-training.png']] as const) {
      rmSync(join(WORKSPACE, file), { force: true });
      await dash.locator(button).click();
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: UI_WAIT });
      await until(`the save dialog to offer ${file}`, async () => (await input.inputValue()).endsWith(file), 10_000);
      await page.keyboard.press('Enter');
      await until(`${file} written`, async () => existsSync(join(WORKSPACE, file)) && statSync(join(WORKSPACE, file)).size > 0, 10_000);
    }
    const csv = readFileSync(join(WORKSPACE, 'transfer-training.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'step,loss,correct,t_ms,heldout_accuracy');
    assert.ok(csv.length >= 1000, `${csv.length} CSV lines`);
    assert.deepEqual([...readFileSync(join(WORKSPACE, 'transfer-training.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  });

  test('tinytrain profile in a terminal: the plan view shows the step time and each block\'s share of it', { timeout: 5 * 60_000 }, async () => {
    // As a user would run it beside the editor; the plan view picks the stored result up by itself.
    const cli = spawn(process.execPath, [join(REPO, 'bin', 'tinytrain.js'), 'profile', join(WORKSPACE, TRANSFER), '--steps', '3'], { cwd: WORKSPACE, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (d) => { out += String(d); });
    cli.stderr.on('data', (d) => { out += String(d); });
    const code = await new Promise<number | null>((res) => cli.on('exit', res));
    assert.equal(code, 0, out);
    await activateTab('Plan:');
    const plan = await viewFrame('plan');
    await until('the step time in the plan view', async () => /Step time [\d.]+ ms per step on host/.test(await plan.locator('#profile').innerText().catch(() => '')), 30_000, 250);
    assert.doesNotMatch(await plan.locator('#profile').innerText(), /has changed since/);
    assert.ok(await plan.locator('.block-head .step-share').count() >= 3, 'blocks show their share of the step');
    assert.match(await plan.locator('.block-head .step-share').first().innerText(), /^[\d.]+ % of step$/);
    // The step line at the top of the view, the blocks with their shares below it.
    await plan.locator('#profile').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await sleep(200);
    await shot('dark-plan-profile', plan);
    await activateTab('TinyTrain training'); // the dashboard in front again, as the next test expects
  });

  test('light theme: the views re-colour and stay legible', async () => {
    await setTheme('Light Modern', 'vs');
    const dash = await viewFrame('dashboard');
    await dash.locator('#loss-chart canvas').first().waitFor();
    await sleep(500);
    await shot('light-dashboard', dash);
    await activateTab('Memory:');
    const tl = await viewFrame('timeline');
    await tl.locator('#chart canvas').first().waitFor();
    await sleep(300);
    await shot('light-timeline', tl);
    await activateTab('Plan:');
    const plan = await viewFrame('plan');
    await plan.locator('.conv').first().waitFor();
    await shot('light-plan', plan);
    await activateTab(TRANSFER);
    await shot('light-plan-window');
    await activateTab('TinyTrain training');
    await (await viewFrame('dashboard')).locator('#loss-chart canvas').first().waitFor();
    await sleep(500);
    await shot('light-dashboard-window');
  });

  test('after a window reload the serializers restore the plan view and the dashboard', async () => {
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.tabs-container .tab', { hasText: 'Plan:' }).first().waitFor({ timeout: 30_000 });
    await activateTab('Plan:');
    const plan = await viewFrame('plan');
    await plan.locator('.conv[data-conv="8"]').waitFor({ timeout: 30_000 });
    assert.equal(await plan.locator('.conv[data-conv="8"]').getAttribute('data-mode'), 'frozen');
    await activateTab('TinyTrain training');
    const dash = await viewFrame('dashboard');
    // The dashboard comes back with the last run it showed: the host run's 1000 points.
    await until('restored points', async () => Number(await dash.evaluate(() => document.body.dataset.points ?? '0')) >= 900, 30_000);
  });

  test('after the reload, Train on Device from the restored dashboard through a typed port (the pty of `tinytrain board --virtual`)', { timeout: 6 * 60_000 }, async () => {
    // The virtual board is started here, as a user would in a terminal; the extension gets only its path.
    const board = spawn(process.execPath, [join(REPO, 'bin', 'tinytrain.js'), 'board', '--virtual', '--timeout', '400'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const portPath = await new Promise<string>((res, rej) => {
        let out = '';
        board.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) res(out.split('\n')[0].trim()); });
        board.on('exit', (c) => rej(new Error(`tinytrain board --virtual exited (${c})`)));
        setTimeout(() => rej(new Error('no port from tinytrain board --virtual in 30 s')), 30_000);
      });
      log(`virtual board at ${portPath}`);
      await openFile(TRANSFER);
      await page.locator(`.monaco-editor[data-uri$="${TRANSFER}"] textarea`).first().focus();
      await runCommand('TinyTrain: Select Serial Port');
      const enter = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Enter a path' }).first();
      await enter.waitFor({ state: 'visible', timeout: UI_WAIT });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Start a virtual board' }).first().waitFor({ state: 'visible', timeout: 5000 });
      // The listing (through the CLI) ends with ports, none, or why not (no udevadm here); the
      // typed path is offered either way.
      await until('the port listing', async () => (await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Listing serial ports' }).count()) === 0, 30_000);
      await enter.click();
      const input = page.locator('.quick-input-widget input');
      await until('the path input box', async () => (await input.inputValue()) === '/dev/', 10_000);
      await input.fill(portPath);
      await page.keyboard.press('Enter');
      await page.locator('.statusbar-item', { hasText: 'ttyTinyTrain' }).first().waitFor({ timeout: UI_WAIT });
      await activateTab(TRANSFER);
      await page.locator(`.monaco-editor[data-uri$="${TRANSFER}"] textarea`).first().focus();
      const runs = join(WORKSPACE, '.tinytrain', 'mnist-transfer', 'runs');
      const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
      const t0 = Date.now();
      await runCommand('TinyTrain: Train on Device');
      // A new run (5 points, not the restored host run's 1000) that ends done after its EVAL, in
      // the dashboard the serializer restored (the only one). On a fresh machine this includes
      // the first firmware build (every kernel through arm-none-eabi-gcc).
      const dash = await viewFrame('dashboard');
      await until('the device run to finish', async () => {
        const d = await dash.evaluate(() => ({ points: document.body.dataset.points, state: document.body.dataset.state }));
        return d.points === '5' && d.state === 'done';
      }, 300_000, 500);
      assert.equal(await page.locator('.tabs-container .tab', { hasText: 'TinyTrain training' }).count(), 1);
      assert.ok(await dash.locator('#loss-chart canvas').count() > 0);
      log(`Train on Device: 5 steps on the virtual board in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await shot('light-dashboard-device', dash);
      const csv = readdirSync(runs).filter((f) => !before.has(f) && /^device-.*\.csv$/.test(f));
      assert.equal(csv.length, 1, `new CSVs: ${csv.join(', ')}`);
      const rows = readFileSync(join(runs, csv[0]), 'utf8').trim().split('\n');
      assert.equal(rows.filter((r) => r.startsWith('step,')).length, 5);
      assert.ok(rows.some((r) => r.startsWith('done,')), rows.join('\n'));
      await page.locator('.statusbar-item', { hasText: 'ttyTinyTrain' }).first().waitFor({ timeout: UI_WAIT });
      // The firmware exited after DONE, so the board is back in its bootloader: Flash and Build
      // Firmware report their figures (the measured SRAM beside the plan's prediction).
      await activateTab(TRANSFER);
      await page.locator(`.monaco-editor[data-uri$="${TRANSFER}"] textarea`).first().focus();
      await runCommand('TinyTrain: Flash');
      await page.locator('.notification-toast', { hasText: /flashed \d+ bytes to .*verified/ }).first().waitFor({ timeout: 60_000 });
      await activateTab(TRANSFER);
      await page.locator(`.monaco-editor[data-uri$="${TRANSFER}"] textarea`).first().focus();
      await runCommand('TinyTrain: Build Firmware');
      const built = page.locator('.notification-toast', { hasText: /Measured SRAM .* vs predicted peak/ }).first();
      await built.waitFor({ timeout: 90_000 });
      log(`Build Firmware: ${/Firmware for [^\n]*/.exec(await built.innerText())?.[0]}`);
      await shot('light-build-firmware');
    } finally {
      try {
        if (board.pid) process.kill(-board.pid, 'SIGINT');
      } catch {
        /* gone */
      }
    }
  });

  test('no CSP violation or dropped message in the views; the extension host log has no TinyTrain error', async () => {
    assert.deepEqual(consoleProblems, []);
    const { logs, errors } = tinytrainLogErrors(server!.userDataDir);
    assert.ok(logs > 0, 'extension host logs');
    assert.deepEqual(errors, []);
  });
});

killOnExit(() => server);
