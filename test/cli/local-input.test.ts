/**
 * `attune local` given malformed event files and flags (session 21 review): one line
 * naming the file or flag, exit 1, before any store starts. Before: "Unexpected end of
 * JSON input" naming no file, a raw errno, a TypeError from inside the handler for a
 * null event, "--auth JWT" meaning no auth, and jose's "Invalid time period format".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../infra/cli/main';

const dir = mkdtempSync(join(tmpdir(), 'attune-local-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

async function refused(pattern: RegExp, ...argv: string[]): Promise<void> {
  const err: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    expect(await main(['local', ...argv, '--home', join(dir, 'home')]), argv.join(' ')).toBe(1);
  } finally {
    spy.mockRestore();
  }
  expect(err).toHaveLength(1);
  expect(err[0]).toMatch(pattern);
}

describe('attune local: event files and flags', () => {
  it('an event file that is missing, a folder, empty or not JSON is named', async () => {
    await refused(
      /^attune local: --event .*nope\.json: no such file or folder$/,
      'invoke',
      'Ingest',
      '--event',
      join(dir, 'nope.json'),
    );
    await refused(/^attune local: --event .*: is a folder, not a file$/, 'invoke', 'Ingest', '--event', dir);
    await refused(
      /--event .*empty\.json: not JSON \(Unexpected end of JSON input\)$/,
      'invoke',
      'Ingest',
      '--event',
      file('empty.json', ''),
    );
    await refused(/--event .*bad\.json: not JSON/, 'invoke', 'Recommend', '--event', file('bad.json', '{bad'));
  });

  it("an HTTP function's event must be an HTTP API event; a training step's an object", async () => {
    for (const text of ['null', '[]', '"x"', '{"routeKey": 5}', '{"routeKey": "GET /health"}'])
      await refused(
        /Ingest takes an API Gateway HTTP API event \(routeKey, requestContext/,
        'invoke',
        'Ingest',
        '--event',
        file('e.json', text),
      );
    await refused(
      /--event .*: TrainShard takes a JSON object$/,
      'invoke',
      'TrainShard',
      '--event',
      file('a.json', '[1]'),
    );
  });

  it('flags: --auth, --ttl, --port, --body', async () => {
    const ok = file('ok.json', '{"routeKey": "GET /health", "requestContext": {}}');
    await refused(
      /^attune local: --auth must be none or jwt, got "JWT"$/,
      'invoke',
      'Recommend',
      '--event',
      ok,
      '--auth',
      'JWT',
    );
    await refused(/--ttl must be an integer 1 or more, got "abc"/, 'token', '--user', 'u', '--ttl', 'abc');
    await refused(/--port \(or PORT\) must be 0\.\.65535, got "abc"/, 'start-api', '--port', 'abc');
  });
});
