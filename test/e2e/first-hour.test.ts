// A new user's first hour, end to end in code-server 4.100.3 + Chromium with the packaged .vsix:
// an empty workspace (no config); TinyTrain: Get Started opens the walkthrough; New Config… for
// stm32f405 writes a config that analyzes with no error and shows its code lens; a virtual board
// from the port picker; the Serial Monitor on its port, paused by a Flash and resumed after it,
// shows the firmware's banner and its HELLO decoded, and says so when the port vanishes.
// Screenshots of the walkthrough, the new config and the monitor in the dark and the light theme
// go to test-artifacts/e2e/ (scripts/walkthrough-images.mjs makes the walkthrough's images from
// them). At the end the window closes and nothing the suite started may still run.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CACHE, ensureCodeServer, killOnExit, killStrays, packageAndInstall, processesMentioning, startCodeServer, tinytrainLogErrors, type CodeServer } from './code-server.js';
import { openWorkbench, pick, runCommand, setTheme, shot, sleep, until, WORKBENCH_SETTINGS } from './workbench.js';

const REPO = resolve(__dirname, '..', '..');
const SHOTS = join(REPO, 'test-artifacts', 'e2e');
// In the cache so the pretraining and firmware caches (.tinytrain/) survive runs; every config
// is removed first, so the workspace has none when the window opens. One per checkout.
const WORKSPACE = join(CACHE, `e2e-first-hour-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`);
const CONFIG = 'mnist-transfer.tinytrain.yaml';

const log = (s: string) => process.stderr.write(`[e2e first hour] ${s}\n`);

let server: CodeServer | undefined;
let context: BrowserContext | undefined;
let page: Page;
let scratch: string;
let boardDir: string | undefined;
const consoleProblems: string[] = [];

/** The text of the terminal panel (the DOM renderer: terminal.integrated.gpuAcceleration off). */
async function terminalText(): Promise<string> {
  return (await page.locator('.terminal-wrapper.active .xterm-rows, .xterm-rows').first().innerText({ timeout: 5000 })).replace(/\u00a0/g, ' ');
}

/** The image sources (src and srcset) on the page and in its frames. */
async function stepImages(): Promise<string[]> {
  const all: string[] = [];
  for (const f of page.frames()) {
    try {
      // VS Code sets the theme's variant as the image's srcset.
      all.push(...await f.evaluate(() => Array.from(document.querySelectorAll('img'), (i) => decodeURIComponent(`${i.getAttribute('src') ?? ''} ${i.getAttribute('srcset') ?? ''}`.trim()))));
    } catch {
      /* detached or cross-origin frame */
    }
  }
  return all;
}

async function focusConfig(): Promise<void> {
  await page.locator('.tabs-container .tab', { hasText: CONFIG }).first().click();
  await page.locator(`.monaco-editor[data-uri$="${CONFIG}"] textarea`).first().focus();
}

describe('TinyTrain first hour in code-server', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    const t0 = Date.now();
    const bin = ensureCodeServer(log);
    mkdirSync(WORKSPACE, { recursive: true });
    for (const f of readdirSync(WORKSPACE)) if (f !== '.tinytrain') rmSync(join(WORKSPACE, f), { recursive: true, force: true });
    scratch = mkdtempSync(join(tmpdir(), 'tinytrain-e2e-first-'));
    const userDataDir = join(scratch, 'user');
    const extensionsDir = join(scratch, 'extensions');
    await packageAndInstall(bin, REPO, userDataDir, extensionsDir, log);
    server = await startCodeServer(bin, {
      userDataDir, extensionsDir, folder: WORKSPACE,
      settings: {
        ...WORKBENCH_SETTINGS,
        'terminal.integrated.gpuAcceleration': 'off', // the DOM renderer: the monitor's text is readable
      },
    });
    ({ context, page } = await openWorkbench(join(scratch, 'chromium'), server.url, WORKSPACE, consoleProblems));
    log(`workbench up (${((Date.now() - t0) / 1000).toFixed(1)} s since start)`);
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await server?.stop();
    killStrays([scratch, boardDir], log);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('a fresh workspace has no config; TinyTrain: Get Started opens the walkthrough', async () => {
    assert.deepEqual(readdirSync(WORKSPACE).filter((f) => f.endsWith('.tinytrain.yaml')), []);
    // The palette lists an extension's commands once the extension host has read its package.
    await until('TinyTrain in the command palette', async () => {
      try {
        await runCommand(page, 'TinyTrain: Get Started');
        return true;
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
    }, 60_000, 1000);
    const walkthrough = page.locator('.gettingStartedContainer', { hasText: 'Train a network on a microcontroller' }).first();
    await walkthrough.waitFor({ timeout: 30_000 });
    for (const step of ['Open or create a config', 'See the peak memory inline', 'Open the plan view and change what trains', 'Start a virtual board and train', 'Watch the loss', 'Export the CSV']) {
      await walkthrough.getByText(step, { exact: true }).first().waitFor({ timeout: 10_000 });
    }
    await sleep(500);
    await shot(page, SHOTS, 'dark-walkthrough');
    // The first step's image is the product's own, in this theme's variant.
    await until('the dark image of the first step', async () => (await stepImages()).some((src) => src.includes('config-dark.png')), 15_000)
      .catch(async (e: Error) => { throw new Error(`${e.message}; images: ${(await stepImages()).join(', ')}`); });
  });

  test('New Config… for stm32f405 writes a config that analyzes with no error and shows its code lens', { timeout: 4 * 60_000 }, async () => {
    const t0 = Date.now();
    await runCommand(page, 'TinyTrain: New Config…');
    await pick(page, 'stm32f405');
    await pick(page, 'MNIST transfer');
    // VS Code's save dialog (a quick input in code-server) offers <network>.tinytrain.yaml in the workspace.
    const input = page.locator('.quick-input-widget input');
    await until('the save dialog to offer the config', async () => (await input.inputValue()).endsWith(CONFIG), 15_000);
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: CONFIG }).first().waitFor({ timeout: 180_000 });
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show Training Plan' }).first();
    await lens.waitFor({ timeout: 60_000 });
    assert.match(await page.locator('.monaco-editor .codelens-decoration').first().innerText(), /Peak SRAM [\d.]+ KB \/ 192 KB/);
    assert.equal(await page.locator('.monaco-editor .squiggly-error').count(), 0);
    log(`New Config…: ${((Date.now() - t0) / 1000).toFixed(1)} s from the command to the code lens`);
    const file = join(WORKSPACE, CONFIG);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^ {2}board: stm32f405 /m);
    assert.match(text, /update: +# searched: [\d.]+ KB analytic extra memory/);
    const a = spawnSync(process.execPath, [join(REPO, 'bin', 'tinytrain.js'), 'analyze', file, '--json'], { encoding: 'utf8' });
    assert.equal(a.status, 0, a.stderr);
    assert.deepEqual(JSON.parse(a.stdout).problems, []);
    await sleep(500);
    await shot(page, SHOTS, 'dark-new-config');
  });

  test('the Serial Monitor on a virtual board: paused by a Flash, then the firmware\'s HELLO decoded; the port vanishing is said', { timeout: 6 * 60_000 }, async () => {
    await focusConfig();
    await runCommand(page, 'TinyTrain: Select Serial Port');
    await pick(page, 'Start a virtual board');
    const status = page.locator('.statusbar-item', { hasText: 'ttyTinyTrain' }).first();
    await status.waitFor({ timeout: 60_000 });
    const port = /(\/\S+ttyTinyTrain)/.exec(await status.innerText())![1];
    boardDir = port.replace(/\/ttyTinyTrain$/, '');
    log(`virtual board at ${port}`);
    await focusConfig();
    await runCommand(page, 'TinyTrain: Open Serial Monitor');
    await until('the monitor connected', async () => /connected to .*ttyTinyTrain at 115200 baud/.test(await terminalText()), 60_000, 250);
    await focusConfig();
    const t0 = Date.now();
    await runCommand(page, 'TinyTrain: Flash');
    await page.locator('.notification-toast', { hasText: /flashed \d+ bytes to .*verified/ }).first().waitFor({ timeout: 300_000 });
    log(`Flash (with the first build in this workspace): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const seen = await until('the HELLO decoded', async () => {
      const t = await terminalText();
      return /▸ HELLO v1 stm32f405: arena [\d.]+ KB/.test(t) ? t : undefined;
    }, 60_000, 250);
    const order = ['paused: flashing', 'resumed', 'tinytrain firmware (mnist-transfer) on stm32f405', 'HELLO v1 stm32f405'].map((s) => seen.indexOf(s));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), `in order: ${order.join(', ')}\n${seen}`);
    // r in the terminal: frames as their bytes.
    await page.locator('.terminal-wrapper .xterm').first().click();
    await page.keyboard.press('r');
    await until('raw frames', async () => /frames as raw bytes/.test(await terminalText()) && /\[frame 0 hello\] 00 a5 01 00/.test(await terminalText()), 10_000);
    await shot(page, SHOTS, 'dark-monitor-raw', '.part.panel');
    await page.keyboard.press('r');
    await until('decoded again', async () => /frames decoded/.test(await terminalText()), 10_000);
    await sleep(300);
    await shot(page, SHOTS, 'dark-monitor', '.part.panel');
    await shot(page, SHOTS, 'dark-monitor-window');
  });

  test('light theme: the walkthrough, the new config and the monitor', async () => {
    await setTheme(page, 'Light Modern', 'vs');
    await shot(page, SHOTS, 'light-monitor', '.part.panel');
    await shot(page, SHOTS, 'light-monitor-window');
    await focusConfig();
    await sleep(500);
    await shot(page, SHOTS, 'light-new-config');
    await runCommand(page, 'TinyTrain: Get Started');
    await sleep(500);
    await shot(page, SHOTS, 'light-walkthrough');
    // It reopens at the step the user was on (which one depends on what completed): its light image.
    await until('a step image in its light variant', async () => (await stepImages()).some((src) => /media\/walkthrough\/\w+-light\.png/.test(src)), 15_000)
      .catch(async (e: Error) => { throw new Error(`${e.message}; images: ${(await stepImages()).join(', ')}`); });
  });

  test('stopping the virtual board: the monitor says the port went away', async () => {
    await focusConfig();
    await runCommand(page, 'TinyTrain: Select Serial Port');
    await pick(page, 'Stop the virtual board');
    await until('the port went away', async () => /the port .*ttyTinyTrain went away/.test(await terminalText()), 30_000, 250);
    // Stop ends the board's own process (SIGINT, then SIGTERM and SIGKILL from the extension).
    await until('the virtual board process to end', async () => processesMentioning(scratch).every((p) => {
      try { return !readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('board\0--virtual'); } catch { return true; }
    }), 30_000, 250);
  });

  test('no CSP violation or dropped message; the extension host log has no TinyTrain error; nothing left running after the window closes', async () => {
    assert.deepEqual(consoleProblems, []);
    const { logs, errors } = tinytrainLogErrors(server!.userDataDir);
    assert.ok(logs > 0, 'extension host logs');
    assert.deepEqual(errors, []);
    await context!.close();
    context = undefined;
    await server!.stop();
    const needles = [scratch, boardDir!];
    const left = await until('every process the suite started to end', async () => {
      const l = needles.flatMap((n) => processesMentioning(n));
      return l.length === 0 ? [] : undefined;
    }, 15_000, 250).catch(() => needles.flatMap((n) => processesMentioning(n).map((p) => `${p}: ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')}`)));
    assert.deepEqual(left, []);
  });
});

killOnExit(() => server);
