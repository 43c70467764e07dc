/**
 * `npm start` refusing what it cannot do, through its real entry (session 21 review,
 * docs/reliability.md): one line and exit 2. Before, a port in use printed a stack and a
 * second start on the same home crashed inside dynalite. Every flag: start-args.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'attune-start-args-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** npm start's entry with these flags: exit code and stderr lines. */
function start(args: string[], home = join(root, 'home')): Promise<{ code: number | null; err: string[] }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'infra/local/start.ts', '--home', home, '--train-every', '0', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (_e, _out, stderr) => done({ code: child.exitCode, err: stderr.trim().split('\n').filter(Boolean) }),
    );
  });
}

describe('npm start: what it refuses', () => {
  it('a port in use, a home another start serves: one line each, exit 2', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    const port = (busy.address() as AddressInfo).port;
    const served = join(root, 'served');
    mkdirSync(served, { recursive: true });
    // what a running start publishes; this test process is the live pid
    writeFileSync(join(served, 'running.json'), JSON.stringify({ pid: process.pid, api: 'http://127.0.0.1:3999' }));
    try {
      const [inUse, second] = await Promise.all([
        start(['--port', String(port)], join(root, 'port-home')),
        start(['--port', '0'], served),
      ]);
      expect(inUse).toEqual({
        code: 2,
        err: [`npm start: port ${port} is in use (another npm start?); use --port N or PORT`],
      });
      expect(second.code).toBe(2);
      expect(second.err).toEqual([
        `npm start: ${served} is in use by the npm start at http://127.0.0.1:3999 (pid ${process.pid}); stop it or use --home`,
      ]);
    } finally {
      busy.close();
    }
  });
});
