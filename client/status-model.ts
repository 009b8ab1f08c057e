// What the memory status shows for one document's status notification: text, detail and a
// severity (warning above 90 % of a budget, error when one is exceeded). No vscode import.

import type { StatusParams } from '../protocol/lsp.js';
import { formatBytes } from '../protocol/notation.js';

export type Level = 'info' | 'warning' | 'error';

export interface StatusView {
  text: string;
  detail: string;
  level: Level;
}

export const NEAR_BUDGET = 0.9;

export function statusView(p: StatusParams): StatusView {
  if (p.peakSramBytes === undefined) {
    return { text: 'TinyTrain: no figures', detail: p.errors ? `${p.errors} error${p.errors === 1 ? '' : 's'} in the config` : 'the config is incomplete', level: p.errors ? 'error' : 'info' };
  }
  const sram = p.sramBudgetBytes;
  const flash = p.flashBudgetBytes;
  const sramRatio = sram ? p.peakSramBytes / sram : 0;
  const flashRatio = flash && p.flashBytes !== undefined ? p.flashBytes / flash : 0;
  const worst = Math.max(sramRatio, flashRatio);
  const level: Level = worst > 1 ? 'error' : worst > NEAR_BUDGET ? 'warning' : 'info';
  const text = `Peak ${formatBytes(p.peakSramBytes)}${sram ? ` / ${formatBytes(sram)}` : ''}`;
  const parts = [
    sram ? `SRAM ${Math.round(sramRatio * 100)} % of ${p.board ?? 'the board'}'s budget` : 'no SRAM budget',
    p.flashBytes !== undefined ? `flash ${formatBytes(p.flashBytes)}${flash ? ` / ${formatBytes(flash)}` : ''}` : '',
    p.partial ? 'partial: layers after a broken one are not counted' : '',
  ].filter(Boolean);
  return { text, detail: parts.join(' · '), level };
}
