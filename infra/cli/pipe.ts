/**
 * Output whose reader went away. `attune recommend … | head -1` closes the pipe after one line;
 * the next write failed with EPIPE, which Node raised as an unhandled 'error' event: a stack
 * trace and exit 1 (recommend said "stdout: write EPIPE", evaluate and --help printed the
 * stack). Like `git log | head` the command now ends quietly with 0: the reader had what it
 * wanted. Any other failure of stdout (a full disk behind `>`) loses output: one line, exit 1.
 */

/** What a failed write to stdout or stderr does: `closed` for EPIPE (default: exit 0), else one line and exit 1. */
export function endOnClosedOutput(name: string, closed: () => void = () => process.exit(0)): void {
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
