/**
 * `npm start` as the README promises: seeds an empty store, trains a first
 * model, serves it, stops cleanly on Ctrl-C, and reuses its data next time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const home = mkdtempSync(join(tmpdir(), 'attune-start-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function start(): { child: ChildProcess; output: () => string; ready: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', '--home', home, '--port', '0', '--train-every', '0'], {
    env: { ...process.env, ATTUNE_TRAIN_BUDGET_SECONDS: '3', POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Attune is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited (${code}) before serving:\n${out}`));
    });
  });
  return { child, output: () => out, ready };
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });

describe('npm start', () => {
  it('seeds, trains, serves, stops on Ctrl-C, and reuses its data', async () => {
    const first = start();
    const url = await first.ready;
    expect(first.output()).toMatch(/seeded demo-shop: 320 items, \d+ events/);
    expect(first.output()).toMatch(/training: published → model /);
    expect(first.output()).toMatch(/curl '.*\/users\/user-\d+\/recommendations\?k=5'/);
    // Serving picks the new model up at its next refresh check (2 s locally).
    let health: any;
    for (let i = 0; i < 50; i++) {
      health = await (await fetch(`${url}/health`)).json();
      if (health.modelVersion) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(health.modelVersion).toMatch(/^\d{8}T\d{6}Z-/);
    const recs = (await (await fetch(`${url}/users/user-1/recommendations?k=5`)).json()) as any;
    expect(recs.source).toBe('personalized');
    expect(recs.items).toHaveLength(5);
    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toMatch(/stopped/);

    const second = start();
    const url2 = await second.ready;
    expect(second.output()).toMatch(/store has data: not seeding/);
    expect(second.output()).toMatch(/training: skipped/);
    // A cold start loads the served model straight away.
    const again = (await (await fetch(`${url2}/users/user-1/recommendations?k=5`)).json()) as any;
    expect(again.modelVersion, JSON.stringify(again)).toBe(health.modelVersion);
    expect(await stop(second.child)).toBe(0);
  }, 180_000);
});
