// Linker script rendering: the template's MEMORY lengths are the config's budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeDir } from '../../compiler/toolchain/host-build.js';
import type { BoardTarget } from './boards.js';

export interface LinkerBudget {
  /** RAM the program may use (default: the board's RAM). */
  ramBytes?: number;
  /** Flash the program may use (default: the board's flash). */
  flashBytes?: number;
  /** Minimum stack the link must leave free above .bss (default 4 KB). */
  stackMinBytes?: number;
}

const hex = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(8, '0');

/** Fill a template's @FIELD@ placeholders; throws on a placeholder left unfilled. Values are
 * numbers only (decimal or 0x hex): no text from a config or model enters a linker script
 * (compiler/codegen/text.ts has the rule for text; a comment would go through cComment). */
export function fillTemplate(template: string, fields: Record<string, string>): string {
  const out = template.replace(/@([A-Z_]+)@/g, (m, k: string) => {
    if (!(k in fields)) throw new Error(`linker template field ${m} has no value`);
    if (!/^(0x[0-9A-Fa-f]+|[0-9]+)$/.test(fields[k])) throw new Error(`linker template field ${m} must be a number, got ${JSON.stringify(fields[k])}`);
    return fields[k];
  });
  return out;
}

/** The linker script text for a board target and budget. */
export function renderLinkerScript(target: BoardTarget, budget: LinkerBudget = {}): string {
  if (!target.linkerTemplate) throw new Error(`target '${target.name}' does not use a linker script`);
  const ram = budget.ramBytes ?? target.ramBytes;
  const flash = budget.flashBytes ?? target.flashBytes;
  const stack = budget.stackMinBytes ?? 4096;
  for (const [what, v, max] of [['RAM', ram, target.ramBytes], ['flash', flash, target.flashBytes]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v % 4 !== 0) throw new Error(`${what} budget must be a positive multiple of 4 bytes, got ${v}`);
    if (v > max) throw new Error(`${what} budget ${v} exceeds ${target.board}'s ${max} bytes`);
  }
  if (!Number.isInteger(stack) || stack < 256 || stack % 8 !== 0) throw new Error(`stack minimum must be a multiple of 8 >= 256, got ${stack}`);
  const template = readFileSync(join(runtimeDir(), target.linkerTemplate), 'utf8');
  return fillTemplate(template, {
    FLASH_ORIGIN: hex(target.flashOrigin), FLASH_LENGTH: String(flash),
    RAM_ORIGIN: hex(target.ramOrigin), RAM_LENGTH: String(ram),
    STACK_MIN: String(stack),
  });
}
