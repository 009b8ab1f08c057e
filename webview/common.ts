// What every view shares: the VS Code webview API (acquired once), typed posting, receiving
// through a validator (a malformed message is dropped and logged, never acted on), theme colours
// read from VS Code's CSS variables, and figure formatting.

import { ladderText, receiver, type Checked } from '../protocol/webview.js';

interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}
declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export interface View<Out, S> {
  post(message: Out): void;
  state(): S | undefined;
  save(state: S): void;
}

export function connect<In, Out, S>(check: (v: unknown) => Checked<In>, onMessage: (m: In) => void): View<Out, S> {
  const api = acquireVsCodeApi<S>();
  const take = receiver(check, onMessage, (line) => console.warn(`TinyTrain view: ${line}`));
  window.addEventListener('message', (e: MessageEvent) => void take(e.data));
  return {
    post: (m) => api.postMessage(m),
    state: () => api.getState(),
    save: (s) => api.setState(s),
  };
}

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
export function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  return c.contains('vscode-light') ? 'light' : 'dark';
}

/** Calls `cb` when VS Code switches the colour theme (it changes the body's class). */
export function onThemeChange(cb: () => void): void {
  let last = document.body.className;
  new MutationObserver(() => {
    if (document.body.className === last) return;
    last = document.body.className;
    cb();
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}

/** A colour with alpha, from any CSS colour the theme gives (hex or rgb[a]). */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let r: number, g: number, b: number;
  const hex = /^#([0-9a-f]{3,8})$/i.exec(c);
  if (hex) {
    const h = hex[1];
    const full = h.length <= 4 ? h.split('').map((x) => x + x).join('') : h;
    r = parseInt(full.slice(0, 2), 16); g = parseInt(full.slice(2, 4), 16); b = parseInt(full.slice(4, 6), 16);
  } else {
    const m = /rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/i.exec(c);
    if (!m) return c;
    r = +m[1]; g = +m[2]; b = +m[3];
  }
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Chart colours per role, from the theme's chart palette. */
export function palette() {
  const fg = cssVar('--vscode-editor-foreground', '#cccccc');
  return {
    fg,
    muted: cssVar('--vscode-descriptionForeground', fg),
    grid: withAlpha(cssVar('--vscode-editor-foreground', '#888888'), themeKind().startsWith('high') ? 0.35 : 0.12),
    bg: cssVar('--vscode-editor-background', '#1e1e1e'),
    blue: cssVar('--vscode-charts-blue', '#3794ff'),
    orange: cssVar('--vscode-charts-orange', '#d18616'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    purple: cssVar('--vscode-charts-purple', '#b180d7'),
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    yellow: cssVar('--vscode-charts-yellow', '#cca700'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}

export function formatBytes(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 2 : 1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(Math.round(n));
}

/** `el('div', {class: 'x'}, child, 'text')`: DOM without innerHTML (no markup from data). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: (Node | string | undefined | false)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) if (c !== undefined && c !== false) e.append(c);
  return e;
}

export function ratioText(r: number): string {
  return ladderText(r) ?? String(+r.toFixed(3));
}
