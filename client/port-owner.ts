// The one owner of the selected serial port (PlatformIO's habit): at most one job — a firmware
// build, a flash, or a training run on the device — at a time, each with its own AbortController
// so Stop cancels whatever holds the port. The training stream (the monitor) is opened only
// after a successful flash: a job's phases may only move build -> flash -> monitor, a failed or
// cancelled flash ends the job, and a Flash while a monitor holds the port has to close that
// monitor first (the caller asks the user, then stop() and waits for release). A serial monitor
// (PortMonitor) is not a job: take() pauses the monitors on a job's port before the job uses it,
// release() resumes them. No vscode import,
// so the rules are unit-tested (test/unit/client/port-owner.test.ts).

export type JobKind = 'build' | 'flash' | 'train';
export type JobPhase = 'build' | 'flash' | 'monitor';

/** The port the user picked: a path, and whether it is the virtual board this window started. */
export interface SelectedPort { path: string; virtual?: boolean }

export interface Job {
  readonly id: number;
  readonly kind: JobKind;
  /** The port the job uses (a build uses none). */
  readonly port?: string;
  readonly controller: AbortController;
  phase: JobPhase;
}

export class PortBusyError extends Error {
  constructor(readonly holder: Job) {
    super(`${describeJob(holder)} is running; stop it first (TinyTrain: Stop)`);
    this.name = 'PortBusyError';
  }
}

export function describeJob(j: Pick<Job, 'kind' | 'port' | 'phase'>): string {
  const on = j.port ? ` on ${j.port}` : '';
  switch (j.kind) {
    case 'build': return 'a firmware build';
    case 'flash': return j.phase === 'build' ? `flashing${on} (building first)` : `flashing${on}`;
    case 'train': return j.phase === 'monitor' ? `training${on}` : `training${on} (${j.phase === 'build' ? 'building' : 'flashing'})`;
  }
}

const ORDER: Record<JobPhase, number> = { build: 0, flash: 1, monitor: 2 };

/** A serial monitor open on a port (TinyTrain: Open Serial Monitor). It is not a job: it gives
 * the port up while a job uses that port (a flash, a training run) and takes it back after. */
export interface PortMonitor {
  readonly port: string;
  /** Resolves once the monitor has closed the port. */
  pause(holder: Job): Promise<void>;
  resume(): void;
}

export class PortOwner {
  private selectedPort: SelectedPort | undefined;
  private job: Job | undefined;
  private nextId = 1;
  private listeners: (() => void)[] = [];
  private releaseWaiters: (() => void)[] = [];
  private readonly monitors = new Set<PortMonitor>();

  constructor(initial?: SelectedPort) {
    this.selectedPort = initial;
  }

  get port(): SelectedPort | undefined {
    return this.selectedPort;
  }

  get current(): Job | undefined {
    return this.job;
  }

  onChange(l: () => void): { dispose(): void } {
    this.listeners.push(l);
    return { dispose: () => { this.listeners = this.listeners.filter((x) => x !== l); } };
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Pick another port; refused while a job uses the current one. */
  select(port: SelectedPort | undefined): void {
    if (this.job?.port) throw new PortBusyError(this.job);
    this.selectedPort = port;
    this.changed();
  }

  /** Take the port for a job (a build takes no port but still is the one job Stop cancels). */
  begin(kind: JobKind): Job {
    if (this.job) throw new PortBusyError(this.job);
    const port = kind === 'build' ? undefined : this.selectedPort?.path;
    const job: Job = { id: this.nextId++, kind, port, controller: new AbortController(), phase: 'build' };
    this.job = job;
    this.changed();
    return job;
  }

  /** begin(), then wait until every monitor on the job's port has let go of it. */
  async take(kind: JobKind): Promise<Job> {
    const job = this.begin(kind);
    const on = [...this.monitors].filter((m) => job.port !== undefined && m.port === job.port);
    await Promise.all(on.map((m) => m.pause(job)));
    return job;
  }

  /** A monitor joins; it starts paused when a job holds its port (the job that does is returned). */
  addMonitor(m: PortMonitor): { busyWith: Job | undefined; dispose(): void } {
    this.monitors.add(m);
    const j = this.job;
    return { busyWith: j?.port === m.port ? j : undefined, dispose: () => { this.monitors.delete(m); } };
  }

  /** A job moves on: build -> flash -> monitor, never back, and a build job never reaches the
   * port. `monitor` needs the flash to have succeeded (the caller only says so after it did). */
  advance(job: Job, phase: JobPhase): void {
    if (this.job !== job) return; // released or stopped meanwhile
    if (ORDER[phase] < ORDER[job.phase]) throw new Error(`${describeJob(job)}: cannot go back from ${job.phase} to ${phase}`);
    if (job.kind === 'build' && phase !== 'build') throw new Error('a build does not use the port');
    if (job.kind === 'flash' && phase === 'monitor') throw new Error('Flash does not open a monitor');
    if (job.phase === phase) return;
    job.phase = phase;
    this.changed();
  }

  /** The job ended (however it ended). */
  release(job: Job): void {
    if (this.job !== job) return;
    this.job = undefined;
    for (const w of this.releaseWaiters.splice(0)) w();
    for (const m of this.monitors) if (job.port !== undefined && m.port === job.port) m.resume();
    this.changed();
  }

  /** Stop cancels whatever holds the port; false when nothing did. */
  stop(): boolean {
    const j = this.job;
    if (!j) return false;
    j.controller.abort(new Error(`${describeJob(j)} stopped`));
    return true;
  }

  /** Resolves once no job holds the port (immediately when none does), or false after timeoutMs. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (!this.job) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.releaseWaiters = this.releaseWaiters.filter((w) => w !== done); resolve(false); }, timeoutMs);
      const done = () => { clearTimeout(t); resolve(true); };
      this.releaseWaiters.push(done);
    });
  }

  /** What a Flash has to do first: nothing, close the monitor of a training run (after asking),
   * or refuse (a build or another flash is mid-way; those are not interrupted silently). */
  flashNeeds(): 'free' | 'close-monitor' | 'busy' {
    const j = this.job;
    if (!j) return 'free';
    return j.kind === 'train' && j.phase === 'monitor' ? 'close-monitor' : 'busy';
  }

  dispose(): void {
    this.stop();
    this.listeners = [];
  }
}

/** The status bar text for the port. */
export function portStatusText(port: SelectedPort | undefined, job: Pick<Job, 'kind' | 'phase'> | undefined): string {
  const icon = job ? '$(sync~spin)' : '$(plug)';
  const name = port ? `${port.path}${port.virtual ? ' (virtual)' : ''}` : 'No serial port';
  const doing = job ? ` · ${job.phase === 'monitor' ? 'training' : job.phase === 'flash' ? 'flashing' : 'building'}` : '';
  return `${icon} ${name}${doing}`;
}
