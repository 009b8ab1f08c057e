// Runs analysis jobs off the server thread. A 2,000-line config takes over a second to analyze;
// in a worker thread that time does not block hovers, completion or the next edit. One worker,
// one job at a time; per document only the newest waiting job is kept (latest edit wins), and a
// superseded job resolves to `undefined`. If the worker dies it is restarted and the job fails
// with an error the caller turns into a diagnostic. Without a bundle to load (tests running the
// sources through tsx) the jobs run in-process instead.

import { Worker } from 'node:worker_threads';
import { runWorkerJob, type AnalysisJob, type JobResult, type Progress, type WorkerJob, type WorkerResults } from './analysis-job.js';

export const WORKER_FLAG = 'tinytrainAnalysisWorker';

interface Queued {
  key: string;
  job: WorkerJob;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: Progress;
}

export class AnalysisRunner {
  private worker: Worker | undefined;
  private readonly queue: Queued[] = [];
  private running: (Queued & { id: number }) | undefined;
  private nextId = 1;
  private disposed = false;

  /** `workerScript`: the bundle to start as the worker (it must call serveAnalysisWorker), or
   * undefined to analyze in-process. */
  constructor(private readonly workerScript: string | undefined, private readonly log: (m: string) => void = () => {}) {}

  get inWorker(): boolean {
    return this.workerScript !== undefined;
  }

  /** Queues an analysis. `key` groups jobs whose older entries a newer one replaces (uri + kind). */
  run(key: string, job: AnalysisJob): Promise<JobResult | undefined> {
    return this.runJob(key, { kind: 'analysis', job });
  }

  /** Queues any worker job (see WorkerJob); undefined when superseded or cancelled. */
  runJob<J extends WorkerJob>(key: string, job: J, onProgress?: Progress): Promise<WorkerResults[J['kind']] | undefined> {
    return new Promise((resolve, reject) => {
      const i = this.queue.findIndex((q) => q.key === key);
      if (i >= 0) {
        this.queue[i].resolve(undefined);
        this.queue.splice(i, 1);
      }
      this.queue.push({ key, job, resolve: resolve as (r: unknown) => void, reject, onProgress });
      this.pump();
    });
  }

  /** Drops a queued job, or stops the running one by ending the worker (restarted for the next
   * job; a synchronous search cannot be interrupted any other way). Both resolve to undefined. */
  cancel(key: string): void {
    const i = this.queue.findIndex((q) => q.key === key);
    if (i >= 0) {
      this.queue[i].resolve(undefined);
      this.queue.splice(i, 1);
    }
    const r = this.running;
    if (r?.key !== key || !this.worker) return;
    const w = this.worker;
    this.worker = undefined;
    this.running = undefined;
    r.resolve(undefined);
    void w.terminate();
    this.pump();
  }

  /** Starts the worker ahead of the first job (it loads the whole bundle, ~100 ms). */
  warm(): void {
    if (this.workerScript && !this.disposed) this.ensureWorker();
  }

  dispose(): void {
    this.disposed = true;
    for (const q of this.queue.splice(0)) q.resolve(undefined);
    this.running?.resolve(undefined);
    this.running = undefined;
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const next = this.queue.shift();
    if (!next) return;
    const running = { ...next, id: this.nextId++ };
    this.running = running;
    if (!this.workerScript) {
      // In-process: still asynchronous, so a burst of edits is coalesced the same way.
      setImmediate(() => {
        try {
          running.resolve(runWorkerJob(running.job, running.onProgress));
        } catch (err) {
          running.reject(err instanceof Error ? err : new Error(String(err)));
        }
        this.running = undefined;
        this.pump();
      });
      return;
    }
    this.ensureWorker().postMessage({ id: running.id, job: running.job });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerScript!, { workerData: { [WORKER_FLAG]: true } });
    w.on('message', (msg: { id: number; result?: unknown; error?: string; progress?: [number, number] }) => {
      const r = this.running;
      if (!r || r.id !== msg.id) return;
      if (msg.progress) return r.onProgress?.(msg.progress[0], msg.progress[1]);
      this.running = undefined;
      if ('result' in msg) r.resolve(msg.result);
      else r.reject(new Error(msg.error ?? 'analysis failed'));
      this.pump();
    });
    const lost = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = undefined;
      const r = this.running;
      this.running = undefined;
      if (this.disposed) return;
      this.log(`analysis worker stopped (${why}); restarting it`);
      r?.reject(new Error(`the analysis worker stopped (${why})`));
      this.pump();
    };
    w.on('error', (err) => lost(err.message));
    w.on('exit', (code) => lost(`exit code ${code}`));
    w.unref();
    this.worker = w;
    return w;
  }
}

/** The worker side: answers jobs posted by an AnalysisRunner. */
export function serveAnalysisWorker(port: import('node:worker_threads').MessagePort): void {
  port.on('message', (msg: { id: number; job: WorkerJob }) => {
    try {
      const progress: Progress = (done, total) => port.postMessage({ id: msg.id, progress: [done, total] });
      port.postMessage({ id: msg.id, result: runWorkerJob(msg.job, progress) });
    } catch (err) {
      port.postMessage({ id: msg.id, error: (err as Error)?.message ?? String(err) });
    }
  });
}
