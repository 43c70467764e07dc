/**
 * Output whose reader went away. `attune recommend … | head -1` closes the pipe after one line;
 * the next write failed with EPIPE, which Node raised as an unhandled 'error' event: a stack
 * trace and exit 1 (recommend said "stdout: write EPIPE", evaluate and --help printed the
 * stack). Like `git log | head` the command now ends quietly with 0: the reader had what it
 * wanted. Any other failure of stdout (a full disk behind `>`) loses output: one line, exit 1.
 */

let closed: () => void = () => process.exit(0);

/** What a closed stdout does from now on: a server stops its stores and removes its files first. */
export function whenOutputCloses(fn: () => void): void {
  closed = fn;
}

/** A failed write to stdout or stderr: EPIPE ends quietly (see whenOutputCloses), anything else is one line and exit 1. */
export function endOnClosedOutput(name: string): void {
  for (const [stream, label] of [
    [process.stdout, 'stdout'],
    [process.stderr, 'stderr'],
  ] as const) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') return closed();
      // stderr itself failing has nowhere to say so
      if (label === 'stdout') process.stderr.write(`${name}: stdout: ${err.message}\n`);
      process.exit(1);
    });
  }
}
