/**
 * A reader that closes the pipe (`attune recommend … | head -1`, session 22 review,
 * docs/reliability.md): before, the next write raised an unhandled EPIPE — a stack trace and
 * exit 1 (recommend: "stdout: write EPIPE"). Every command that writes to stdout, through the
 * real launcher, with its stdout's reader closed before it writes: exit 0, nothing on stderr.
 * A stdout that fails otherwise (a full disk) is still one line and exit 1.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../../shared/math/synthetic';

const dir = mkdtempSync(join(tmpdir(), 'attune-closed-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

/** Runs a command whose stdout reader is gone from the start (or writes to `/dev/full`). */
function run(
  cmd: string[],
  stdout: 'closed' | 'full' = 'closed',
): Promise<{ code: number | null; signal: string | null; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, cmd, {
      stdio: ['ignore', stdout === 'full' ? openSync('/dev/full', 'w') : 'pipe', 'pipe'],
    });
    // the read end closes before the command writes a byte: every write of its stdout is EPIPE
    child.stdout?.destroy();
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    child.on('close', (code, signal) => done({ code, signal, err }));
  });
}

const attune = (...args: string[]) => ['bin/attune.mjs', ...args];

beforeAll(() => {
  const data = generateSynthetic({ users: 300, items: 60, clusters: 3, eventsPerUser: 8, seed: 2 });
  writeFileSync(
    path('events.csv'),
    ['user_id,item_id', ...data.triples.map((t) => `${t.userId},${t.itemId}`)].join('\n'),
  );
  writeFileSync(path('users.txt'), [...new Set(data.triples.map((t) => t.userId))].join('\n'));
});

describe('a closed stdout ends the CLI quietly', () => {
  it('train, recommend, evaluate, --help, local generate-event and token (predict writes only --out): exit 0, no stack', async () => {
    const trained = await run(attune('train', '--input', path('events.csv'), '--model', 'popular', '--out', path('m')));
    expect(trained).toEqual({ code: 0, signal: null, err: '' });
    // the model is whole: the JSON line is written after publishing
    expect(existsSync(join(path('m'), 'latest.json'))).toBe(true);
    for (const cmd of [
      attune('recommend', '--model', path('m'), '--users', path('users.txt'), '-k', '5'),
      attune('local', 'token', '--user', 'u1', '--home', path('token-home')),
      attune('evaluate', '--input', path('events.csv'), '--model', 'popular'),
      attune('--help'),
      attune('recommend', '--help'),
      attune('local', 'generate-event', 'http', '--method', 'GET', '--path', '/users/u1/recommendations'),
    ])
      expect(await run(cmd), cmd.join(' ')).toEqual({ code: 0, signal: null, err: '' });
  });

  it('a stdout that fails otherwise is one line and exit 1', async () => {
    const r = await run(attune('recommend', '--model', path('m'), '--users', path('users.txt'), '-k', '5'), 'full');
    expect(r.code).toBe(1);
    expect(r.err).toBe('attune: stdout: ENOSPC: no space left on device, write\n');
    const help = await run(attune('--help'), 'full');
    expect(help.code).toBe(1);
    expect(help.err.trim().split('\n')).toHaveLength(1);
  });

  it('attune local start-api whose log reader is gone stops as on Ctrl-C: exit 0, its files removed', async () => {
    const home = path('api-home');
    const r = await run(attune('local', 'start-api', '--home', home, '--port', '0'));
    expect(r).toEqual({ code: 0, signal: null, err: '' });
    expect(existsSync(join(home, 'running.json'))).toBe(false);
    expect(existsSync(join(home, 'stores.lock'))).toBe(false);
  });

  it('npm start whose log reader is gone stops as on Ctrl-C: exit 0, its running.json removed', async () => {
    const home = path('home');
    const r = await run([
      '--import',
      'tsx',
      'infra/local/start.ts',
      '--home',
      home,
      '--port',
      '0',
      '--train-every',
      '0',
    ]);
    expect(r).toEqual({ code: 0, signal: null, err: '' });
    expect(existsSync(join(home, 'running.json'))).toBe(false);
    expect(existsSync(join(home, 'stores.lock'))).toBe(false);
  });
});
