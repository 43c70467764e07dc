/**
 * A stale `running.json` or `stores.lock` whose pid another process now has (session 22
 * review, docs/reliability.md): before, any live pid made a start refuse the home ("in use by
 * the npm start at …") until the file was removed by hand. A holder is live only when its pid
 * runs AND started when the file says. The reused pid here is a real process (a child `sleep`)
 * whose start is not the one the file recorded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HomeInUseError, startEmbeddedAws } from '../../infra/local/embedded';
import { ownMark, processStart, stillRunning } from '../../infra/local/process-identity';
import { findRunningStack, startLocalStack } from '../../infra/local/stack';

const root = mkdtempSync(join(tmpdir(), 'attune-stale-pid-'));
let other: ChildProcess;
beforeAll(async () => {
  other = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise((ok) => other.once('spawn', ok));
});
afterAll(() => {
  other.kill();
  rmSync(root, { recursive: true, force: true });
});

/** What a dead start's file says once its pid went to `other`: that pid, the dead process's start. */
const reused = () => ({ pid: other.pid!, started: `${processStart(process.pid)}-gone` });

describe('a pid in a file is a process only with its start', () => {
  it('processStart tells two live processes apart and is stable for one', () => {
    const mine = processStart(process.pid);
    expect(mine).toBeTruthy();
    expect(processStart(process.pid)).toBe(mine);
    expect(processStart(other.pid!)).toBeTruthy();
    expect(processStart(other.pid!)).not.toBe(mine);
    expect(processStart(99_999_999)).toBeNull();
    expect(stillRunning(ownMark())).toBe(true);
    expect(stillRunning(reused())).toBe(false);
    // a file from before the start was recorded: the pid is all there is
    expect(stillRunning({ pid: other.pid! })).toBe(true);
  });

  it('running.json naming a reused pid is not a running start; the one a start writes is', async () => {
    const home = join(root, 'stale-running');
    const stale = mkdtempSync(join(root, 'r-'));
    writeFileSync(join(stale, 'running.json'), JSON.stringify({ ...reused(), api: 'http://127.0.0.1:3999' }));
    expect(findRunningStack(stale)).toBeNull();
    const stack = await startLocalStack({ home });
    try {
      const written = JSON.parse(readFileSync(join(home, 'running.json'), 'utf8'));
      expect(written.started).toBe(processStart(process.pid));
      expect(findRunningStack(home)?.api).toBe(stack.api.url);
    } finally {
      await stack.stop();
    }
    expect(existsSync(join(home, 'running.json'))).toBe(false);
  });

  it('stores.lock naming a reused pid is taken over; a live holder still refuses', async () => {
    const home = mkdtempSync(join(root, 'l-'));
    writeFileSync(join(home, 'stores.lock'), JSON.stringify(reused()));
    const stores = await startEmbeddedAws({ home });
    try {
      expect(JSON.parse(readFileSync(join(home, 'stores.lock'), 'utf8'))).toEqual(ownMark());
      await expect(startEmbeddedAws({ home })).rejects.toBeInstanceOf(HomeInUseError);
    } finally {
      await stores.stop();
    }
    expect(existsSync(join(home, 'stores.lock'))).toBe(false);
  });
});
