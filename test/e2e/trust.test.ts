// Workspace trust end to end: code-server 4.100.3 launched with workspace trust on, a folder the
// user has not trusted (Restricted Mode). The extension still reads configs there: a config's
// diagnostic, hover and code lens show, and the plan view and memory timeline open. Build
// Firmware and Train on Host are refused with the trust message and spawn nothing. Trusting the
// folder from that message's "Manage Workspace Trust" button (VS Code's own trust editor) makes
// both work. Screenshots go to test-artifacts/e2e/trust-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { CACHE, ensureCodeServer, killStrays, packageAndInstall, processesMentioning, startCodeServer, type CodeServer } from './code-server.js';
import { editorHoverAt, openFile as openFileIn, openWorkbench, runCommand as runCommandOn, sleep, until, WORKBENCH_SETTINGS } from './workbench.js';

const REPO = resolve(__dirname, '..', '..');
const SHOTS = join(REPO, 'test-artifacts', 'e2e');
// Its own folder (not the other e2e file's): it must start untrusted, and a fresh user data dir
// per run holds no trust decision. In the cache so the trainer's .tinytrain/ caches survive runs.
// One per checkout, so two checkouts' suites never share it.
const WORKSPACE = join(CACHE, `e2e-trust-workspace-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`);
const CONFIG = 'trust.tinytrain.yaml';
const OVER_BUDGET = 'bias-only.tinytrain.yaml';
const RESTRICTED = /disabled in Restricted Mode.*not trusted this workspace/;

const log = (s: string) => process.stderr.write(`[e2e trust] ${s}\n`);

let server: CodeServer | undefined;
let context: BrowserContext | undefined;
let page: Page;
let scratch: string;

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `trust-${name}.png`) });
}

const runCommand = (title: string): Promise<void> => runCommandOn(page, title);

const openFile = (name: string): Promise<void> => openFileIn(page, name);

/** The config's editor active and focused (by keyboard: a hover left over the title bar would
 * take a click meant for its tab). */
async function focusConfig(): Promise<void> {
  await openFile(CONFIG);
  await page.locator(`.monaco-editor[data-uri$="${CONFIG}"] textarea`).first().focus();
}

async function clearNotifications(): Promise<void> {
  await runCommand('Notifications: Clear All Notifications');
  await until('no notification toasts', async () => (await page.locator('.notification-toast').count()) === 0, 10_000);
}

/** A webview frame showing `view` for which `ready` holds, if one is showing. */
async function viewFrame(view: string, ready: (f: Frame) => Promise<boolean> = async () => true): Promise<Frame | undefined> {
  for (const f of page.frames()) {
    try {
      if ((await f.evaluate(() => document.body?.dataset.view)) === view && (await ready(f))) return f;
    } catch {
      /* detached or cross-origin frame */
    }
  }
  return undefined;
}

/** The dashboard frame of a run in state `state`, if one is showing. */
function dashboard(state?: string): Promise<Frame | undefined> {
  return viewFrame('dashboard', async (f) => !state || (await f.evaluate(() => document.body.dataset.state)) === state);
}

describe('TinyTrain in a workspace the user has not trusted', { timeout: 8 * 60_000 }, () => {
  before(async () => {
    const bin = ensureCodeServer(log);
    rmSync(join(WORKSPACE, '.vscode'), { recursive: true, force: true });
    mkdirSync(WORKSPACE, { recursive: true });
    for (const f of [CONFIG, OVER_BUDGET]) copyFileSync(join(__dirname, 'fixtures', f), join(WORKSPACE, f));
    scratch = mkdtempSync(join(tmpdir(), 'tinytrain-e2e-trust-'));
    const userDataDir = join(scratch, 'user');
    const extensionsDir = join(scratch, 'extensions');
    await packageAndInstall(bin, REPO, userDataDir, extensionsDir, log);
    server = await startCodeServer(bin, {
      userDataDir, extensionsDir, folder: WORKSPACE, workspaceTrust: true,
      settings: {
        ...WORKBENCH_SETTINGS,
        'security.workspace.trust.enabled': true,
        // No modal at startup: the folder opens in Restricted Mode, as after "Don't Trust".
        'security.workspace.trust.startupPrompt': 'never',
        'tinytrain.device.measureSteps': 1,
      },
    });
    log(`code-server at ${server.url}`);
    ({ context, page } = await openWorkbench(join(scratch, 'chromium'), server.url, WORKSPACE, []));
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await server?.stop();
    killStrays([WORKSPACE], log);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('Restricted Mode: the diagnostic, the code lens and a hover of a config show', async () => {
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
    await openFile(OVER_BUDGET);
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show Training Plan' }).first().waitFor({ timeout: 30_000 });
    await openFile(CONFIG);
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Show Training Plan' }).first().waitFor({ timeout: 30_000 });
    const line = page.locator('.monaco-editor .view-line', { hasText: 'mbconv: { out: 16, kernel: 3, expand: 2, stride: 2 }' }).first();
    const box = (await line.boundingBox())!;
    const text = await line.innerText();
    const col = text.indexOf('mbconv') + 3;
    await editorHoverAt(page, box.x + (col * box.width) / Math.max(1, text.length), box.y + box.height / 2, /MAC|KB|channels/i);
    await shot('restricted-hover');
    await page.mouse.move(700, 450);
    await page.keyboard.press('Escape');
  });

  test('Restricted Mode: the plan view and the memory timeline open (they only read the config)', async () => {
    await focusConfig();
    await runCommand('TinyTrain: Show Training Plan');
    await until('the plan view', () => viewFrame('plan', (f) => f.locator('.conv').first().isVisible()), 60_000, 250);
    await focusConfig();
    await runCommand('TinyTrain: Show Memory Timeline');
    await until('the memory timeline', () => viewFrame('timeline', (f) => f.locator('#chart canvas').first().isVisible()), 60_000, 250);
    await shot('restricted-timeline');
  });

  test('Restricted Mode: Build Firmware and Train on Host are refused with the trust message and start nothing', async () => {
    const runs = join(WORKSPACE, '.tinytrain');
    const before = existsSync(runs);
    await focusConfig();
    await runCommand('TinyTrain: Build Firmware');
    const build = page.locator('.notification-toast', { hasText: 'Build Firmware is disabled in Restricted Mode' }).first();
    await build.waitFor({ timeout: 15_000 });
    assert.match(await build.innerText(), RESTRICTED);
    await build.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).first().waitFor({ timeout: 5000 });
    await shot('restricted-refusal');
    await clearNotifications();
    await focusConfig();
    await runCommand('TinyTrain: Train on Host');
    const train = page.locator('.notification-toast', { hasText: 'Train on Host is disabled in Restricted Mode' }).first();
    await train.waitFor({ timeout: 15_000 });
    assert.match(await train.innerText(), RESTRICTED);
    await sleep(1000);
    assert.equal(await dashboard(), undefined, 'no training dashboard opened');
    assert.equal(existsSync(runs), before, 'nothing was prepared in the workspace');
    assert.deepEqual(processesMentioning(join(WORKSPACE, CONFIG)), [], 'no process runs the config');
  });

  test('after trusting the folder from the message, Train on Host and Build Firmware work', { timeout: 6 * 60_000 }, async () => {
    // The refusal's own button opens VS Code's trust editor; its Trust button trusts the folder.
    await page.locator('.notification-toast .monaco-button', { hasText: 'Manage Workspace Trust' }).first().click();
    const trustButton = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust( Folder)?$/ }).first();
    await trustButton.waitFor({ timeout: 15_000 });
    await shot('trust-editor');
    await trustButton.click();
    await until('Restricted Mode to end', async () => (await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).count()) === 0, 20_000);
    log('the folder is trusted');
    await clearNotifications();

    await focusConfig();
    await runCommand('TinyTrain: Train on Host');
    const done = await until('the host run to finish', () => dashboard('done'), 240_000, 500);
    assert.ok(Number(await done.evaluate(() => document.body.dataset.points)) >= 40);
    await shot('trusted-dashboard');

    await focusConfig();
    await runCommand('TinyTrain: Build Firmware');
    const built = page.locator('.notification-toast', { hasText: /Measured SRAM .* vs predicted peak/ }).first();
    await built.waitFor({ timeout: 240_000 });
    log(`Build Firmware after trusting: ${/Firmware for [^\n]*/.exec(await built.innerText())?.[0]}`);
    await shot('trusted-build');
  });
});

// A failing before() must not leave code-server behind.
process.on('exit', () => {
  if (server?.child.pid) {
    try {
      process.kill(-server.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});
