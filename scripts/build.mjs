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
// One bundle per view (script + the CSS it imports, e.g. plan.js + plan.css); the panels load
// them from dist/webview/, their only local resource root.
const webBundles = ['plan', 'timeline', 'dashboard'].map((v) => ({ entry: `webview/${v}.ts`, out: `dist/webview/${v}.js` }));

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
    // import.meta.url is empty in a CJS bundle; modules that find files next to themselves
    // (the runtime C sources, the mnist package) need the bundle's own URL.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "var __bundleUrl = require('url').pathToFileURL(__filename).href;" },
  }));
}
for (const b of webBundles) {
  if (!existsSync(b.entry)) continue;
  jobs.push(build({ ...common, entryPoints: [b.entry], outfile: b.out, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'css' } }));
}
await Promise.all(jobs);
