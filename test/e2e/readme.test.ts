/**
 * `npm start` as the README promises, then the README's API walk-through on it.
 * First start: seeds an empty store, trains with npm start's own budget, serves,
 * stops cleanly on Ctrl-C. Second start: reuses the data (no seeding, training
 * skipped, the served model loads at once) — the state a reader's fresh start
 * reaches — and the curl commands read from README.md's "## API" block run
 * there in order, by bash (so quoting and continuations are the reader's),
 * each one's status and body shape checked. One file, so one seeding: it is
 * the slowest step of the suite on a loaded machine.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'attune-readme-'));
let url = '';
let output: () => string = () => '';

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
  { match: /^curl "\$API\/items\/[^/"]+"/, status: 200, check: (b) => expect(b.itemId).toBe('item-5') },
  { match: /-X PUT \$API\/rules\/promotions\//, status: 200, check: (b) => expect(b.type).toBe('slots') },
  {
    match: /-X PUT \$API\/experiments\//,
    status: 200,
    check: (b) => expect(b.variants.map((v: any) => v.name)).toEqual(['control', 'diverse']),
  },
  { match: /\$API\/metrics\/online/, status: 200, check: (b) => expect(b).toHaveProperty('totals') },
  { match: /-X PUT \$API\/users\/[^/]+\/attributes/, status: 200, check: (b) => expect(b.country).toBe('DE') },
  { match: /-X DELETE \$API\/items\//, status: 200, check: (b) => expect(b.available).toBe(false) },
  {
    match: /-X DELETE \$API\/users\//,
    status: 202,
    check: (b) => expect(b.deleted).toBeGreaterThan(0),
  },
];

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
}

/** `npm start` on the test's home, resolved when it prints its banner. */
async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/local/start.ts', '--home', home, '--port', '0', '--train-every', '0'],
    { env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running = child;
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const url = await new Promise<string>((resolve, reject) => {
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
  return { child, output: () => out, url };
}

/** Ctrl-C; resolves to the exit code. */
const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });

async function getJson(path: string): Promise<any> {
  return (await fetch(url + path)).json();
}

let running: ChildProcess | undefined;
afterAll(async () => {
  if (running) await stop(running);
  rmSync(home, { recursive: true, force: true });
});

describe('npm start', () => {
  it('seeds, trains within its own budget, serves, stops on Ctrl-C, and reuses its data', async () => {
    // the reader's shell sets no budget: npm start's own 20 s applies, not the deployed job's 600 s
    const first = await start({ ATTUNE_TRAIN_BUDGET_SECONDS: '' });
    url = first.url;
    expect(first.output()).toMatch(/seeded demo-shop: 320 items, \d+ events/);
    expect(first.output()).toMatch(/training \(first run, budget 20 s\)/);
    expect(first.output()).toMatch(/training: published → model /);
    expect(first.output()).toMatch(/curl '.*\/users\/user-\d+\/recommendations\?k=5'/);
    // serving picks the new model up at its next refresh check (2 s locally); a reader waits on /health too
    let health: any;
    for (let i = 0; i < 100; i++) {
      health = await getJson('/health');
      if (health.modelVersion) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(health.modelVersion).toMatch(/^\d{8}T\d{6}Z-/);
    // polling /health does not flood the log
    expect(first.output()).not.toMatch(/GET \/health/);
    const recs = await getJson('/users/user-1/recommendations?k=5');
    expect(recs.source).toBe('personalized');
    expect(recs.items).toHaveLength(5);
    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toMatch(/stopped/);

    const second = await start({ ATTUNE_TRAIN_BUDGET_SECONDS: '3' });
    url = second.url;
    output = second.output;
    expect(second.output()).toMatch(/store has data: not seeding/);
    expect(second.output()).toMatch(/training: skipped/);
    // a cold start loads the served model straight away
    const again = await getJson('/users/user-1/recommendations?k=5');
    expect(again.modelVersion, JSON.stringify(again)).toBe(health.modelVersion);
  }, 600_000);
});

describe('README walk-through', () => {
  it('extracts every command of the "## API" block', () => {
    const commands = readmeCommands(readFileSync('README.md', 'utf8'));
    expect(commands[0]).toMatch(/^API=/);
    expect(commands.length).toBeGreaterThan(10);
    for (const c of commands.slice(1)) expect(c).toMatch(/^curl /);
  });

  it('every command, pasted in order, does what the README says', async () => {
    expect(url, 'npm start did not come up').not.toBe('');
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
    expect(output()).not.toMatch(/→ 5\d\d /);
  }, 120_000);
});
