/**
 * Which process a pid in a file (`running.json`, `stores.lock`) names. A pid alone is not an
 * identity: after a kill or a reboot the number is handed to another process, and a stale file
 * whose pid was reused looked like a live `npm start` (the home was refused until the file was
 * removed by hand). A file therefore records the process's start as well, and a holder is live
 * only when a process with that pid is running AND started then.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** What a lock or status file records about its writer. */
export interface ProcessMark {
  pid: number;
  /** The process's start ({@link processStart}); absent in files written before it was recorded. */
  started?: string;
}

/**
 * When process `pid` started, as an opaque string, or null when no such process runs (or this
 * platform cannot say). Linux: the boot's id and the start in clock ticks since boot from
 * /proc (exact; the boot id makes a pid reused after a reboot differ). Elsewhere: `ps`'s start.
 */
export function processStart(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (existsSync('/proc/self/stat')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return `${bootId()}:${fields[19]}`; // field 22, starttime
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: 'pipe' });
    return out.trim() || null;
  } catch {
    return null;
  }
}

let boot: string | undefined;
function bootId(): string {
  if (boot === undefined) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      boot = '';
    }
  }
  return boot;
}

/** This process's mark, for a file it writes. */
export function ownMark(): ProcessMark {
  const started = processStart(process.pid);
  return started ? { pid: process.pid, started } : { pid: process.pid };
}

/** A pid answers signal 0 (EPERM: it runs, as another user). */
function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process a file names still runs: its pid runs and, when the file recorded a start, it
 * is the same start. A file without one (written by an older version) falls back to the pid.
 */
export function stillRunning(mark: ProcessMark): boolean {
  if (!Number.isInteger(mark.pid) || mark.pid <= 0 || !pidRuns(mark.pid)) return false;
  if (mark.started === undefined) return true;
  const now = processStart(mark.pid);
  // the platform cannot say when it started (no /proc, no ps): the pid is all there is
  return now === null ? pidRuns(mark.pid) : now === mark.started;
}
