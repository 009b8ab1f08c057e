// The ratio ladder: the weight ratios the search offers and a click in the plan view cycles
// through, with the text the config writes for each. No imports, so the webview bundles it too.
// (Parsing any ratio the config language allows is config/units.ts parseRatio.)

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
