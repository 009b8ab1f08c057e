#!/usr/bin/env node
// The `tinytrain` command. In a source checkout it runs the TypeScript CLI directly (through
// tsx), so it never runs a stale build; an installed package runs the bundled dist/cli.js.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'cli', 'main.ts');
if (existsSync(source)) {
  let api;
  try { api = require('tsx/cjs/api'); } catch { api = undefined; }
  if (api) {
    api.require(source, __filename);
    return;
  }
}
require(join(__dirname, '..', 'dist', 'cli.js'));
