/**
 * ModelStore over a local folder (the CLI's --out/--model DIR, and `npm start`
 * without S3). Writes go to a temp file and are renamed into place, so a
 * reader never sees half a file and a crash leaves the old one intact.
 */
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ConditionalGet, ModelStore } from '../../ports/model-store';

const TEMP_MARK = '.tmp-';

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class LocalModelStore implements ModelStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const parts = key.split('/');
    if (!key || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.startsWith(TEMP_MARK))) {
      throw new RangeError(`invalid store key "${key}"`);
    }
    return join(this.root, ...parts);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    const temp = join(dirname(file), `${TEMP_MARK}${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(temp, body);
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async putParts(key: string, parts: AsyncIterable<Uint8Array>): Promise<void> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    const temp = join(dirname(file), `${TEMP_MARK}${randomBytes(6).toString('hex')}`);
    const handle = await open(temp, 'w');
    try {
      for await (const part of parts) await handle.write(part);
      await handle.close();
      await rename(temp, file);
    } catch (err) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async getChunks(key: string): Promise<AsyncIterable<Uint8Array> | null> {
    let handle: FileHandle;
    try {
      handle = await open(this.path(key), 'r');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    // The stream closes the handle when it ends, fails or is destroyed (a reader breaking off).
    return handle.createReadStream({ highWaterMark: 1 << 20 });
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array | null> {
    let handle: FileHandle;
    try {
      handle = await open(this.path(key), 'r');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    try {
      const out = new Uint8Array(Math.max(0, end - start));
      let got = 0;
      while (got < out.length) {
        const { bytesRead } = await handle.read(out, got, out.length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === out.length ? out : out.subarray(0, got);
    } finally {
      await handle.close();
    }
  }

  async getIfChanged(key: string, etag?: string): Promise<ConditionalGet> {
    const file = this.path(key);
    try {
      // Every put renames a new inode into place, so inode + size + mtime changes with content.
      const before = await stat(file, { bigint: true });
      const tag = `"${before.ino}-${before.size}-${before.mtimeNs}"`;
      if (etag !== undefined && etag === tag) return { status: 'unchanged' };
      const body = await readFile(file);
      const after = await stat(file, { bigint: true });
      // Replaced between stat and read: report the tag of what we may have read as unknown.
      const etagOut = after.ino === before.ino ? tag : `"${after.ino}-${after.size}-${after.mtimeNs}"`;
      return { status: 'ok', body, etag: etagOut };
    } catch (err) {
      if (isNotFound(err)) return { status: 'missing' };
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      for (const e of entries) {
        if (e.name.startsWith(TEMP_MARK)) continue;
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile()) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    await walk(this.root);
    return out.sort();
  }

  async delete(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const file = this.path(key);
      await rm(file, { force: true });
      dirs.add(dirname(file));
    }
    // Drop version folders left empty, deepest first; a non-empty one stays.
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
      let dir = d;
      while (dir.startsWith(this.root) && dir !== this.root) {
        try {
          await rmdir(dir);
        } catch {
          break;
        }
        dir = dirname(dir);
      }
    }
  }
}
