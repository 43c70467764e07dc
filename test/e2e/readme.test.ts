/**
 * The README's API walk-through, pasted in order on a fresh `npm start`: the
 * curl commands are read from README.md's "## API" block and run by bash
 * (so quoting and line continuations are the reader's) against a fresh stack
 * seeded with the demo shop; each one's status and body shape are checked.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'attune-readme-'));
let child: ChildProcess | undefined;
let url = '';
let output = '';

/** The shell commands of the README's "## API" sh block: one entry per command, continuation lines joined. */
function readmeCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('\n## API'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md: no sh block under "## API"');
  const commands: string[] = [];
  let current = '';
  for (const line of block.split('\n')) {
    // a "# → 202 …" line right after a command states what that command answers: keep it with the command
    if (!current && /^#\s*→/.test(line.trim()) && commands.length) commands[commands.length - 1] += `\n${line}`;
    if (!current && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    current += (current ? '\n' : '') + line;
    // a command goes on while a single quote is open or the line ends with a backslash
    const open = (current.match(/'/g)?.length ?? 0) % 2 === 1;
    if (!open && !line.endsWith('\\')) {
      commands.push(current);
      current = '';
    }
  }
  if (current) throw new Error(`README.md: unterminated command:\n${current}`);
  return commands;
}

interface Reply {
  status: number;
  body: any;
}

/** Runs one README command with bash; `curl` is wrapped to capture the status and the body. */
async function paste(command: string): Promise<Reply> {
  const dir = mkdtempSync(join(home, 'cmd-'));
  const script = [
    `curl() { command curl -sS -o '${dir}/body' -w '%{http_code}' "$@"; }`,
    `API=${url}`,
    command.replace(/^API=.*$/m, ''),
  ].join('\n');
  const { stdout } = await run('bash', ['-c', script], { timeout: 30_000 });
  const text = readFileSync(join(dir, 'body'), 'utf8');
  return { status: Number(stdout.trim()), body: text ? JSON.parse(text) : null };
}

/** What each README command must answer, by method and route; a command no rule knows fails the test. */
const RULES: { match: RegExp; status: number; check: (body: any, command: string) => void }[] = [
  {
    match: /-X POST \$API\/events /,
    status: 202,
    check: (b, cmd) => {
      expect(b.rejected).toEqual([]);
      expect(b.accepted).toBe((cmd.match(/"userId"/g) ?? []).length);
    },
  },
  {
    match: /\/users\/[^/]+\/events\?/,
    status: 200,
    check: (b) => {
      expect(b.events.length).toBeGreaterThan(0);
      expect(b).toHaveProperty('cursor');
    },
  },
  {
    match: /\/recommendations\?/,
    status: 200,
    check: (b, cmd) => {
      expect(['personalized', 'fold-in']).toContain(b.source);
      const k = Number(/[?&]k=(\d+)/.exec(cmd)?.[1] ?? 10);
      expect(b.items.length).toBeLessThanOrEqual(k);
      const minP = Number(/minProbability=([\d.]+)/.exec(cmd)?.[1] ?? 0);
      for (const it of b.items) expect(it.probability).toBeGreaterThanOrEqual(minP);
      const excluded = /exclude=([^&"]+)/.exec(cmd)?.[1].split(',') ?? [];
      for (const it of b.items) expect(excluded).not.toContain(it.itemId);
      // only the example the README says may be empty is allowed to be
      if (!/category=running/.test(cmd)) expect(b.items.length, cmd).toBeGreaterThan(0);
    },
  },
  {
    match: /\/rank /,
    status: 200,
    check: (b) => expect(b.items.map((i: any) => i.itemId).sort()).toEqual(['item-1', 'item-2', 'item-77']),
  },
  { match: /\/similar\?/, status: 200, check: (b) => expect(b.items.length).toBeGreaterThan(0) },
  {
    match: /\$API\/health/,
    status: 200,
    check: (b) => {
      expect(b.status).toBe('ok');
      expect(b.modelVersion).toMatch(/^\d{8}T\d{6}Z-/);
    },
  },
  { match: /-X PUT \$API\/items\//, status: 200, check: (b) => expect(b.available).toBe(true) },
  { match: /-X DELETE \$API\/items\//, status: 200, check: (b) => expect(b.available).toBe(false) },
  {
    match: /-X DELETE \$API\/users\//,
    status: 202,
    check: (b) => expect(b.deleted).toBeGreaterThan(0),
  },
];

beforeAll(async () => {
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/local/start.ts', '--home', home, '--port', '0', '--train-every', '0'],
    {
      env: { ...process.env, ATTUNE_TRAIN_BUDGET_SECONDS: '3', POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Attune is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 100);
    child!.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited (${code}) before serving:\n${output}`));
    });
  });
  // the README's reader waits for the first model the same way: /health names it
  for (let i = 0; i < 100; i++) {
    const health = (await (await fetch(`${url}/health`)).json()) as { modelVersion: string | null };
    if (health.modelVersion) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 240_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise((resolve) => {
      child!.once('exit', resolve);
      child!.kill('SIGINT');
    });
  }
  rmSync(home, { recursive: true, force: true });
});

describe('README walk-through', () => {
  it('extracts every command of the "## API" block', () => {
    const commands = readmeCommands(readFileSync('README.md', 'utf8'));
    expect(commands[0]).toMatch(/^API=/);
    expect(commands.length).toBeGreaterThan(10);
    for (const c of commands.slice(1)) expect(c).toMatch(/^curl /);
  });

  it('every command, pasted in order on a fresh npm start, does what the README says', async () => {
    const commands = readmeCommands(readFileSync('README.md', 'utf8')).filter((c) => c.startsWith('curl'));
    for (const command of commands) {
      const rule = RULES.find((r) => r.match.test(command));
      expect(rule, `no expectation for: ${command}`).toBeDefined();
      const reply = await paste(command);
      expect(reply.status, `${command}\n→ ${JSON.stringify(reply.body)}`).toBe(rule!.status);
      // a "# → 202 …" comment in the README states the status too
      const stated = /#\s*→\s*(\d{3})/.exec(command)?.[1];
      if (stated) expect(reply.status, command).toBe(Number(stated));
      rule!.check(reply.body, command);
    }
    expect(output).toMatch(/training: published/);
  }, 120_000);
});
