// The update block as the config language writes it: the ratio ladder (the weight ratios the
// search offers and a click in the plan view cycles through) with each ratio's text, and the
// `update:` block of a scheme. No imports, so the client and the webviews bundle it through
// protocol/notation.ts. (Parsing any ratio the language allows is units.ts parseRatio.)

export const RATIOS = [1 / 8, 1 / 4, 1 / 2, 1] as const;
export const RATIO_TEXT = ['1/8', '1/4', '1/2', '1'] as const;

/** The ladder's text for a ratio on it (`1/8`), else undefined. */
export function ladderText(r: number): string | undefined {
  const i = RATIOS.findIndex((x) => Math.abs(x - r) < 1e-9);
  return i >= 0 ? RATIO_TEXT[i] : undefined;
}

/** A ratio as the config writes it: the ladder's fraction, else the exact number. */
export function ratioText(r: number): string {
  return ladderText(r) ?? String(r);
}

/** The `update:` block of a scheme (biases count and weight ratios), `indent` per level. */
export function updateYaml<W extends { conv: number; text: string }>(c: { biases: number; weights: W[] }, indent = '  '): string {
  const lines = ['update:', `${indent}biases: ${c.biases}`];
  if (c.weights.length) {
    lines.push(`${indent}weights:`);
    for (const w of [...c.weights].sort((a, b) => a.conv - b.conv)) lines.push(`${indent}${indent}${w.conv}: ${w.text}`);
  }
  return lines.join('\n');
}
