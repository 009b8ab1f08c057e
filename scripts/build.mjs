// Builds every bundle with esbuild: the extension client, the language server, the CLI and the
// webviews. `vscode` and serialport's native binding stay external (see the architecture note).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  target: 'node20',
};

const nodeBundles = [
  { entry: 'client/extension.ts', out: 'dist/client.js' },
  { entry: 'server/main.ts', out: 'dist/server.js' },
  { entry: 'cli/main.ts', out: 'dist/cli.js' },
];
const webBundles = [
  { entry: 'webview/main.ts', out: 'dist/webview/main.js' },
];

const jobs = [];
for (const b of nodeBundles) {
  if (!existsSync(b.entry)) continue;
  jobs.push(build({
    ...common,
    entryPoints: [b.entry],
    outfile: b.out,
    platform: 'node',
    format: 'cjs',
    external: ['vscode', '@serialport/bindings-cpp', 'onnxruntime-node'],
  }));
}
for (const b of webBundles) {
  if (!existsSync(b.entry)) continue;
  jobs.push(build({ ...common, entryPoints: [b.entry], outfile: b.out, platform: 'browser', format: 'iife', target: 'es2022' }));
}
await Promise.all(jobs);
