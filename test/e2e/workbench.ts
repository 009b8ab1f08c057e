// Driving the VS Code workbench in Chromium, shared by the end-to-end test files: wait for a
// condition, run a palette command, pick a quick-pick row, switch the colour theme, screenshot.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { CHROMIUM } from './code-server.js';

/** The user settings every suite starts code-server with (a quiet, dark, untrusted-free window). */
export const WORKBENCH_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
};

/** Debian's Chromium, headless, on `url` with `folder` open; console lines matching `watch` are
 * collected in `problems` (CSP violations, views' dropped messages). */
export async function openWorkbench(profileDir: string, url: string, folder: string, problems: string[], watch = /Content Security Policy|TinyTrain view/i): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1500, height: 940 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    const t = m.text();
    if (watch.test(t)) problems.push(t);
  });
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`, { timeout: 120_000 }); // the first load is slow on busy cores
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: UI_WAIT });
  return { context, page };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long a workbench element may take to appear: well under a second idle, many seconds on
 * two busy cores (Quick Open's first search, the quick input). */
export const UI_WAIT = 30_000;

export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (${(lastErr as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: UI_WAIT });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: UI_WAIT });
  await row.click(); // not Enter: the first row of a fuzzy match may be another command
}

/** Opens `name` by Quick Open and waits for that file's own editor. The row is clicked, not
 * Entered: a recently opened editor (Workspace Trust, say) can rank first. The pointer is then
 * parked over the editor, away from the title bar: left over the command center it raises a
 * tooltip that a later hover check would find. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: UI_WAIT });
  await input.fill(name);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: UI_WAIT });
  await row.click();
  await page.locator(`.tab.active[aria-label*="${name}"], .tab.active:has-text("${name}")`).first().waitFor({ timeout: UI_WAIT });
  // The editor of this file, not the first one in the page (after a trust change the workbench
  // re-renders and a hidden editor can come first).
  const lines = page.locator(`.monaco-editor[data-uri$="${name}"] .view-lines`).first();
  await lines.waitFor({ timeout: UI_WAIT });
  const box = await lines.boundingBox();
  if (box) await page.mouse.move(box.x + box.width - 10, box.y + box.height - 10);
}

/** The editor's hover (not a workbench tooltip: those carry .workbench-hover) shown when the
 * pointer rests at (x, y): its text, once it matches `expected`. Monaco shows the hover at once
 * with "Loading..." while the language server's answer is on its way, so the text is read until
 * it is the answer, not when the widget first appears; with no hover at all the pointer is moved
 * off and back (a pointer already at (x, y) raises no mousemove). On a timeout the error names
 * the text last shown. */
export async function editorHoverAt(page: Page, x: number, y: number, expected: RegExp, timeoutMs = UI_WAIT): Promise<string> {
  const hover = page.locator('.monaco-hover:not(.workbench-hover):visible, .monaco-resizable-hover:visible').first();
  let last = '(no hover)';
  let movedAt = 0;
  const pointAt = async (): Promise<void> => {
    await page.mouse.move(x - 4, y + 40);
    await page.mouse.move(x, y, { steps: 2 });
    movedAt = Date.now();
  };
  const end = Date.now() + timeoutMs;
  await pointAt();
  while (Date.now() < end) {
    if (await hover.isVisible().catch(() => false)) {
      last = (await hover.innerText().catch(() => last)).trim();
      if (expected.test(last)) return last;
    } else if (Date.now() - movedAt > 3000) {
      await pointAt(); // no hover 3 s after pointing: point again
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for the editor hover at (${Math.round(x)}, ${Math.round(y)}) to match ${expected}; it showed: ${last}`);
}

/** Clicks the row of the open quick pick that shows `text`. */
export async function pick(page: Page, text: string | RegExp, timeoutMs = UI_WAIT): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
}

export async function setTheme(page: Page, theme: string, bodyClass: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(theme);
  await pick(page, theme);
  await until(`the ${theme} theme`, () => page.evaluate((c) => document.querySelector('.monaco-workbench')?.classList.contains(c) ?? false, bodyClass), 20_000);
  await sleep(500);
}

/** A screenshot of the window, of a webview's frame, or of one part of the workbench (a CSS selector). */
export async function shot(page: Page, dir: string, name: string, clipTo?: Frame | string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  if (clipTo) {
    const box = typeof clipTo === 'string' ? await page.locator(clipTo).first().boundingBox() : await (await clipTo.frameElement()).boundingBox();
    if (box) {
      await page.screenshot({ path, clip: box });
      return path;
    }
  }
  await page.screenshot({ path });
  return path;
}
