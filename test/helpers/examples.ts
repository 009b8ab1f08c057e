// Example configs and small builders shared by tests.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const MCUNET_DIR = join(ROOT, 'examples', 'mcunet-5fps');

export function example(name: string): string {
  return readFileSync(join(MCUNET_DIR, `${name}.tinytrain.yaml`), 'utf8');
}

export function allExamples(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.tinytrain.yaml')) out.push({ name: p.slice(ROOT.length + 1), text: readFileSync(p, 'utf8') });
    }
  };
  walk(join(ROOT, 'examples'));
  return out;
}

export type LayerLine = { conv: { out: number; kernel: number; stride?: number } } | { mbconv: { out: number; kernel: number; expand: number; stride?: number } };

/** Writes a config in the contract's form. */
export function configText(opts: { input: [number, number, number]; classes: number; layers: LayerLine[]; board?: string; update?: string; extraTarget?: string }): string {
  const layerLines = opts.layers.map((l) => {
    const [kind, body] = Object.entries(l)[0] as [string, Record<string, number>];
    return `    - ${kind}: { ${Object.entries(body).map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
  });
  return [
    'model:',
    '  name: test',
    `  input: [${opts.input.join(', ')}]`,
    `  classes: ${opts.classes}`,
    '  layers:',
    ...layerLines,
    'target:',
    `  board: ${opts.board ?? 'stm32f746'}`,
    ...(opts.extraTarget ? [opts.extraTarget] : []),
    'train:',
    '  update:',
    ...(opts.update ?? '    biases: 0').split('\n'),
    '',
  ].join('\n');
}

/** Deterministic PRNG so property tests repeat. */
export { mulberry32 as rng } from '../../compiler/random.js';
