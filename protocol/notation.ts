// The config language's notation that the client and the webviews write and read: sizes
// (`256KB`), ratios (`1/8`), the ratio ladder and the `update:` block. Defined once in the
// compiler (config/units.ts, config/update-notation.ts, both without imports) and re-exported
// here, so the extension host bundles these few pure functions and none of the compiler.

export { formatBytes, parseRatio, parseSize } from '../compiler/config/units.js';
export { ladderText, ratioText, RATIOS, RATIO_TEXT, updateYaml } from '../compiler/config/update-notation.js';
// The one rule for names that become file or folder names (also import-free).
export { pathSegment } from '../compiler/codegen/text.js';
