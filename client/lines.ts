// A child process's output as lines: every process the extension starts (the CLI's commands,
// training runs, the virtual board, the serial monitor) is read through this one splitter.

/** Chunks of a stream cut into its non-empty lines, each handed to onLine as it completes. */
export function lineSplitter(onLine: ((line: string) => void) | undefined): { add(chunk: string): void; end(): void } {
  let partial = '';
  return {
    add(chunk) {
      if (!onLine) return;
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const l = partial.slice(0, nl).trimEnd();
        partial = partial.slice(nl + 1);
        if (l) onLine(l);
      }
    },
    end() {
      if (onLine && partial.trim()) onLine(partial.trimEnd());
      partial = '';
    },
  };
}
