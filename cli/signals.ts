// Stopping a run: SIGINT (Ctrl-C), SIGTERM and SIGHUP all do the same. The first one aborts the
// run's AbortSignal (its reason is the signal's name); the run unwinds through its own cleanup
// (QEMU and socat groups killed, temp folders removed, the CSV's `end` row written) and the
// command exits 128 + the signal number. A second signal while stopping only says so.

import { EXIT } from './args.js';
import type { CommandContext } from './context.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** Runs `body` with a signal that the stop signals abort; returns its exit code, or the
 *  signal's when one stopped it (also when the run threw because it was aborted). */
export async function runStoppable(ctx: CommandContext, body: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const ac = new AbortController();
  let got: StopSignal | undefined;
  const handlers = STOP_SIGNALS.map((sig) => {
    const h = (): void => {
      if (got) { ctx.err(`tinytrain ${ctx.command}: still stopping (cleaning up after ${got})...`); return; }
      got = sig;
      ctx.err(`tinytrain ${ctx.command}: ${sig} received; stopping the run and cleaning up...`);
      ac.abort(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    const code = await body(ac.signal);
    return got ? EXIT[got] : code;
  } catch (err) {
    if (got) return EXIT[got];
    throw err;
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    if (got) {
      ctx.err(`tinytrain ${ctx.command}: stopped by ${got}`);
      // Whatever still holds the event loop (a port being closed, say) must not keep a stopped
      // run alive; the timer itself does not.
      const code = EXIT[got];
      setTimeout(() => process.exit(code), 3000).unref();
    }
  }
}
