/**
 * The CLI's files and folders: every failure becomes one line naming the flag and
 * the path, and an output is checked before any work is done, so a ten-minute
 * training run never ends on "permission denied".
 */
import { randomBytes } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, parse, resolve } from 'node:path';

/** A user-facing failure: main() prints its message alone, as one line. */
export class CliError extends Error {
  override name = 'CliError';
}

const WHY: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
};

/** One line for a file-system error on `path`, given as `flag`. */
export function fsError(flag: string, path: string, err: unknown): CliError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return new CliError(`${flag ? `${flag} ` : ''}${path}: ${WHY[code] ?? (err as Error).message}`);
}

/** A whole text file, or a CliError naming the flag. */
export async function readText(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw fsError(flag, path, err);
  }
}

/**
 * Creates `dir` (and its parents) and proves a file can be written in it. The folders
 * are made one at a time: Node's recursive mkdir never returns under /proc (the kernel
 * answers ENOENT for a child of an existing folder and Node retries the parent forever).
 */
export async function prepareOutDir(flag: string, dir: string): Promise<void> {
  const full = resolve(dir);
  const chain: string[] = [];
  for (let d = full; d !== parse(d).root; d = dirname(d)) chain.unshift(d);
  try {
    for (const d of chain) {
      const s = await stat(d).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (s && !s.isDirectory())
        throw new CliError(`${flag} ${dir}: ${d === full ? 'is a file, not a folder' : `${d} is a file`}`);
      if (!s)
        await mkdir(d).catch((err) => {
          throw new CliError(`${flag} ${dir}: cannot create ${d}: ${WHY[err.code] ?? err.message}`);
        });
    }
    const probe = join(full, `.tmp-probe-${randomBytes(4).toString('hex')}`);
    await (await open(probe, 'wx')).close();
    await rm(probe, { force: true });
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw fsError(flag, dir, err);
  }
}

export interface LineWriter {
  write(line: string): Promise<void>;
  /** Puts the file in place (renamed over any old one) or flushes stdout. */
  close(): Promise<void>;
  /** After a failure: the half-written file goes, an older file at the path stays as it was. */
  abort(): Promise<void>;
}

/**
 * Lines to a file or to stdout. The file is written beside its path and renamed into
 * place by close(), so a run that fails half-way leaves no half file (and the last good
 * one intact); it is created now, so a bad path fails before any work.
 */
export async function lineWriter(flag: string, path?: string): Promise<LineWriter> {
  let out: WriteStream | NodeJS.WriteStream = process.stdout;
  const temp = path && join(dirname(resolve(path)), `.${parse(path).base}.tmp-${randomBytes(4).toString('hex')}`);
  if (path && temp) {
    const isDir = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDir) throw new CliError(`${flag} ${path}: is a folder, not a file`);
    try {
      out = (await open(temp, 'wx')).createWriteStream();
    } catch (err) {
      throw fsError(flag, path, err);
    }
  }
  // a write error (disk full, a closed pipe) fails the next write instead of crashing the process
  let failed: unknown;
  out.on('error', (err) => (failed ??= err));
  const failure = () => (path ? fsError(flag, path, failed) : new CliError(`stdout: ${(failed as Error).message}`));
  return {
    write: (line) =>
      new Promise((done, reject) => {
        if (failed) return reject(failure());
        if (out.write(`${line}\n`)) return done();
        const go = () => {
          out.off('error', go).off('drain', go);
          if (failed) reject(failure());
          else done();
        };
        out.once('drain', go).once('error', go);
      }),
    close: () =>
      new Promise<void>((done, reject) => {
        if (!path || !temp) return failed ? reject(failure()) : done();
        (out as WriteStream).end((err?: Error | null) => {
          failed ??= err;
          if (failed) return reject(failure());
          rename(temp, path).then(done, (e) => reject(fsError(flag, path, e)));
        });
      }).catch(async (err) => {
        if (temp) await rm(temp, { force: true });
        throw err;
      }),
    abort: async () => {
      if (!temp) return;
      (out as WriteStream).destroy();
      await rm(temp, { force: true });
    },
  };
}
