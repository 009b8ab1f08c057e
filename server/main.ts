// The language server's entry (bundled to dist/server.js). Started by the extension over Node IPC,
// or with `--stdio` by other editors and the tests; vscode-languageserver picks the transport from
// the command line. The same bundle, loaded as a worker thread, is the analysis worker.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { serveAnalysisWorker, WORKER_FLAG } from './analysis-runner.js';
import { startServer } from './server.js';

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG]) {
  serveAnalysisWorker(parentPort);
} else {
  const connection = createConnection(ProposedFeatures.all);
  // Whatever escapes a handler is logged, never fatal: a config being typed must not kill the server.
  process.on('uncaughtException', (err) => connection.console.error(`uncaught: ${err?.stack ?? err}`));
  process.on('unhandledRejection', (err) => connection.console.error(`unhandled rejection: ${(err as Error)?.stack ?? err}`));
  // The worker is this very bundle; when running from sources (tsx) there is none and analysis runs in-process.
  const self = typeof __filename === 'string' && __filename.endsWith('.js') ? __filename : undefined;
  startServer(connection, { workerScript: self });
}
