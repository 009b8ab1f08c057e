// The server's side of the thin client: Find Best Update Plan's setup and search, the timeline's
// buffers and the plan view's published analysis, over the built server (dist/server.js, its
// worker threads) as the extension asks for them. The oracle for the search is the same
// findBestPlan run in this process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node.js';
import { compile } from '../../../compiler/compile.js';
import { defaultBudgetKB, findBestPlan, networkKey, priorContributions } from '../../../compiler/search.js';
import {
  AnalysisRequest, PlanSearchProgressNotification, PlanSearchRequest, PlanSearchSetupRequest, TimelineBuffersRequest, type PlanSearchProgressParams,
} from '../../../protocol/lsp.js';
import { fileUri, LspClient, ROOT } from './lsp-client.js';

const TEXT = readFileSync(join(ROOT, 'examples', 'mcunet-5fps', '99kb.tinytrain.yaml'), 'utf8');
const { net, spec, memory } = compile(TEXT).compilation!;
const uri = fileUri('plan-search-test.tinytrain.yaml'); // not on disk: no measured contributions
let c: LspClient;
const progress: PlanSearchProgressParams[] = [];

before(async () => {
  c = await LspClient.start();
  c.conn.onNotification(PlanSearchProgressNotification.type, (p) => { progress.push(p); });
  await c.open(uri, TEXT);
});
after(async () => { await c.stop(); });

test('planSearchSetup: board, default budget and network key as the compiler gives them; no contributions on disk', async () => {
  const s = await c.conn.sendRequest(PlanSearchSetupRequest.type, { uri });
  assert.ok(s.ok);
  assert.equal(s.board, 'stm32f746');
  assert.equal(s.sramBytes, spec.target.sramBytes);
  assert.equal(s.defaultBudgetKB, defaultBudgetKB(net, spec.target.sramBytes));
  assert.equal(s.network, networkKey(net));
  assert.equal(s.hasData, false);
  assert.equal(s.measured, undefined);
});

test('planSearch: the same result as findBestPlan in process, with progress up to the total', async () => {
  const r = await c.conn.sendRequest(PlanSearchRequest.type, { uri, budgetKB: 100, contributions: 'prior', samples: 600, progressId: 'a' });
  assert.ok(r.ok, 'error' in r ? r.error : '');
  const here = findBestPlan(net, priorContributions(net), { budgetKB: 100, sramBytes: spec.target.sramBytes, samples: 600, seed: 1, classifier: spec.train.update.classifier });
  assert.deepEqual(r.result.best, here.best);
  assert.deepEqual(r.result.pareto, here.pareto);
  const mine = progress.filter((p) => p.progressId === 'a');
  assert.ok(mine.length >= 2, `${mine.length} progress notifications`);
  assert.ok(mine.every((p, i) => i === 0 || p.done > mine[i - 1].done), 'progress only grows');
  assert.equal(mine[mine.length - 1].done, mine[mine.length - 1].total);
});

test('planSearch: cancelling stops the search, and the next one runs', async () => {
  const cts = new CancellationTokenSource();
  const started = Date.now();
  const pending = c.conn.sendRequest(PlanSearchRequest.type, { uri, budgetKB: 100, contributions: 'prior', samples: 200_000, progressId: 'b' }, cts.token);
  setTimeout(() => cts.cancel(), 300);
  const outcome = await pending.then((r) => r, (e: Error) => e);
  assert.ok(outcome instanceof Error || (!outcome.ok && outcome.cancelled), `cancelled: ${JSON.stringify(outcome).slice(0, 200)}`);
  assert.ok(Date.now() - started < 20_000, 'the cancelled search did not run to its end');
  const again = await c.conn.sendRequest(PlanSearchRequest.type, { uri, budgetKB: 50, contributions: 'prior', samples: 300, progressId: 'c' });
  assert.ok(again.ok);
  assert.ok(again.result.best && again.result.best.extraKB <= 50);
});

test('planSearch: measured contributions that do not exist are a clear error', async () => {
  const r = await c.conn.sendRequest(PlanSearchRequest.type, { uri, budgetKB: 100, contributions: 'measured', progressId: 'd' });
  assert.ok(!r.ok && /no measured contributions/.test(r.error));
});

test('timelineBuffers and the published analysis come from the server', async () => {
  const b = await c.conn.sendRequest(TimelineBuffersRequest.type, { uri });
  assert.ok(b);
  assert.equal(b.version, 1);
  assert.equal(b.buffers.length, memory.schedule.buffers.filter((x) => x.bytes > 0 && x.last >= x.first).length);
  const a = await c.conn.sendRequest(AnalysisRequest.type, { uri, full: false });
  assert.ok(a?.plan);
  assert.equal(a.plan.peakSramBytes, memory.peakSramBytes);
  assert.equal(a.plan.timeline, undefined, 'the published analysis has no timeline');
  const full = await c.conn.sendRequest(AnalysisRequest.type, { uri });
  assert.ok(full?.plan?.timeline && full.compare);
});
