// What the extension offers to pick from: the boards and the starting networks of New Config….
// Defined once in the compiler's data-only modules (config/boards.ts, config/starters.ts, both
// without imports) and re-exported here, so the extension host bundles the lists and none of
// the compiler.

export { BOARDS, BOARD_NAMES, DEFAULT_BAUD, type Board } from '../compiler/config/boards.js';
export { EXAMPLE_STARTERS, MODEL_FILE_EXTENSIONS, modelFileStem, type ExampleStarter, type StarterSource } from '../compiler/config/starters.js';
