// Bring your own model, end to end in code-server 4.100.3 + Chromium with the packaged .vsix:
// TinyTrain: New Config… "From a .tflite or .onnx file…" on the real MLPerf Tiny keyword-spotting model
// (copied into the test's workspace from ../shared/models; never committed) writes a config that
// imports it and opens with its code lens; a hover on the `import:` line lists the imported
// layers; the plan view shows the imported convs, and a click on one edits the YAML.
// Screenshots go to test-artifacts/e2e/. At the end nothing the suite started may still run.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { CACHE, ensureCodeServer, killOnExit, packageAndInstall, killStrays, processesMentioning, startCodeServer, tinytrainLogErrors, type CodeServer } from './code-server.js';
import { editorHoverAt, openFile, openWorkbench, pick, runCommand, shot, sleep, UI_WAIT, until, WORKBENCH_SETTINGS } from './workbench.js';
import { sharedModel } from '../helpers/shared-models.js';

const REPO = resolve(__dirname, '..', '..');
const SHOTS = join(REPO, 'test-artifacts', 'e2e');
// In the cache so the analysis and build caches (.tinytrain/) survive runs; everything else is
// removed first. One per checkout.
const WORKSPACE = join(CACHE, `e2e-import-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`);
const MODEL = join(WORKSPACE, 'models', 'kws.tflite');
const CONFIG = 'kws.tinytrain.yaml';

const log = (s: string) => process.stderr.write(`[e2e import] ${s}\n`);

let server: CodeServer | undefined;
let context: BrowserContext | undefined;
let page: Page;
let scratch: string;
const consoleProblems: string[] = [];

/** The content frame of the plan view's webview. */
async function planFrame(timeoutMs = 30_000): Promise<Frame> {
  return until('the plan webview', async () => {
    for (const f of page.frames()) {
      try {
        if (await f.evaluate(() => document.body?.dataset.view === 'plan' && !!document.getElementById('root'))) return f;
      } catch {
        /* detached or cross-origin frame */
      }
    }
    return undefined;
  }, timeoutMs);
}

/** The config's text as the editor shows it (non-breaking spaces as spaces). */
async function editorText(): Promise<string> {
  return (await page.locator(`.monaco-editor[data-uri$="${CONFIG}"] .view-lines`).first().innerText({ timeout: 5000 })).replace(/\u00a0/g, ' ');
}

describe('TinyTrain imports a .tflite in code-server', { timeout: 8 * 60_000 }, () => {
  before(async () => {
    const t0 = Date.now();
    const bin = ensureCodeServer(log);
    mkdirSync(WORKSPACE, { recursive: true });
    for (const f of readdirSync(WORKSPACE)) if (f !== '.tinytrain') rmSync(join(WORKSPACE, f), { recursive: true, force: true });
    mkdirSync(join(WORKSPACE, 'models'));
    copyFileSync(sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path, MODEL);
    scratch = mkdtempSync(join(tmpdir(), 'tinytrain-e2e-import-'));
    const userDataDir = join(scratch, 'user');
    const extensionsDir = join(scratch, 'extensions');
    await packageAndInstall(bin, REPO, userDataDir, extensionsDir, log);
    server = await startCodeServer(bin, { userDataDir, extensionsDir, folder: WORKSPACE, settings: { ...WORKBENCH_SETTINGS } });
    ({ context, page } = await openWorkbench(join(scratch, 'chromium'), server.url, WORKSPACE, consoleProblems));
    log(`workbench up (${((Date.now() - t0) / 1000).toFixed(1)} s since start)`);
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await server?.stop();
    killStrays([scratch, WORKSPACE], log);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('New Config… from a .tflite file writes a config that imports it and shows its code lens', { timeout: 4 * 60_000 }, async () => {
    // The palette lists an extension's commands once the extension host has read its package.
    await until('TinyTrain: New Config… in the command palette', async () => {
      try {
        await runCommand(page, 'TinyTrain: New Config…');
        return true;
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
    }, 60_000, 1000);
    await pick(page, 'stm32f746');
    await pick(page, 'From a .tflite or .onnx file…');
    // VS Code's open dialog (a quick input in code-server): type the model's path.
    const input = page.locator('.quick-input-widget input');
    await until('the open dialog', async () => (await input.inputValue()).startsWith('/'), UI_WAIT);
    // The dialog lists the folder after it opens and may reset a value typed before that: type
    // until the value holds.
    await until('the model path typed into the open dialog', async () => {
      await input.fill(MODEL);
      await sleep(500);
      return (await input.inputValue()) === MODEL;
    }, UI_WAIT, 250);
    await page.keyboard.press('Enter');
    // Then the save dialog offers <model>.tinytrain.yaml in the workspace.
    await until('the save dialog to offer the config', async () => (await input.inputValue()).endsWith(CONFIG), UI_WAIT);
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: CONFIG }).first().waitFor({ timeout: 180_000 });
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show Training Plan' }).first().waitFor({ timeout: 60_000 });
    assert.match(await page.locator('.monaco-editor .codelens-decoration').first().innerText(), /Peak SRAM [\d.]+ KB \/ 320 KB/);
    assert.equal(await page.locator('.monaco-editor .squiggly-error').count(), 0);
    const text = readFileSync(join(WORKSPACE, CONFIG), 'utf8');
    assert.match(text, /^ {2}import: models\/kws\.tflite +#/m, 'the path relative to the config');
    assert.match(text, /^ {2}board: stm32f746 /m);
    assert.match(text, /update: +# searched: [\d.]+ KB analytic extra memory/);
  });

  test('a hover on the import: line lists the imported layers', async () => {
    // The new config's editor, brought to the front as a user would (on a fresh workspace it was
    // seen to be no longer the visible editor here).
    await openFile(page, CONFIG);
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show Training Plan' }).first().waitFor({ timeout: 60_000 });
    const line = page.locator(`.monaco-editor[data-uri$="${CONFIG}"] .view-line`, { hasText: 'import: models/kws.tflite' }).first();
    const box = (await line.boundingBox())!;
    const lineText = await line.innerText();
    const charW = box.width / Math.max(1, lineText.length);
    try {
      const h = await editorHoverAt(page, box.x + (lineText.indexOf('kws.tflite') + 3) * charW, box.y + box.height / 2, /imported\s+models\/kws\.tflite\s+·\s+9 convs\s+·\s+49x10x1 in/);
      for (const op of ['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'FULLY_CONNECTED', 'SOFTMAX']) assert.ok(h.includes(op), `${op} in the hover:\n${h}`);
      await shot(page, SHOTS, 'dark-import-hover');
    } finally {
      // Closed however the check ends: an open hover would cover the next test's code lens.
      await page.mouse.move(5, 5);
      await page.keyboard.press('Escape');
    }
  });

  test('the plan view shows the imported convs; a click on one edits the YAML', async () => {
    await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Show Training Plan' }).first().click();
    const plan = await planFrame();
    await plan.locator('.conv[data-conv="8"]').waitFor({ timeout: 30_000 });
    assert.equal(await plan.locator('.conv[data-conv]').count(), 9, 'the nine imported convs');
    const conv = plan.locator('.conv[data-conv="2"]');
    const mode = await conv.getAttribute('data-mode');
    const before = await editorText();
    await conv.click();
    await until('the YAML to change', async () => (await editorText()) !== before, 15_000);
    await until('conv 2 in its next mode', async () => (await plan.locator('.conv[data-conv="2"]').getAttribute('data-mode')) !== mode, 15_000);
    log(`conv 2: ${mode} -> ${await plan.locator('.conv[data-conv="2"]').getAttribute('data-mode')}`);
    await shot(page, SHOTS, 'dark-import-plan');
  });

  test('no CSP violation or dropped message; no TinyTrain error in the extension host log; nothing left running', async () => {
    assert.deepEqual(consoleProblems, []);
    const { logs, errors } = tinytrainLogErrors(server!.userDataDir);
    assert.ok(logs > 0, 'extension host logs');
    assert.deepEqual(errors, []);
    await context!.close();
    context = undefined;
    await server!.stop();
    const left = await until('every process the suite started to end', async () => (processesMentioning(scratch).length === 0 ? [] : undefined), 15_000, 250)
      .catch(() => processesMentioning(scratch).map((p) => `${p}: ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')}`));
    assert.deepEqual(left, []);
  });
});

killOnExit(() => server);
