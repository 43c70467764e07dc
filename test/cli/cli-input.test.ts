/**
 * The CLI given bad flags, odd files and outputs it cannot write (session 21 review,
 * docs/reliability.md): one line naming the flag or the file, a non-zero exit, and
 * nothing written — never a stack trace, a hang or a silently wrong model.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../../shared/math/synthetic';
import { cutShort } from '../../infra/cli/checks';
import { cli } from './in-process';

const dir = mkdtempSync(join(tmpdir(), 'attune-cli-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

const data = generateSynthetic({ users: 60, items: 30, clusters: 3, eventsPerUser: 10, seed: 5 });
writeFileSync(
  path('events.csv'),
  ['user_id,item_id,value', ...data.triples.map((t) => `${t.userId},${t.itemId},${1 + (t.weight % 5)}`)].join('\n'),
);

/** One error line naming `pattern`, exit 1. */
async function refused(pattern: RegExp, ...argv: string[]): Promise<void> {
  const r = await cli(...argv);
  expect(r.code, argv.join(' ')).toBe(1);
  expect(r.err).toHaveLength(1);
  expect(r.err[0]).toMatch(pattern);
}

const latest = (out: string) => JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')).version as string;

describe('attune train / evaluate: flags and files', () => {
  beforeAll(async () => {
    const r = await cli('train', '--input', path('events.csv'), '--model', 'popular', '--out', path('good'));
    expect(r.code).toBe(0);
  });

  it('refuses out-of-range numbers before reading anything (they trained a degenerate model, or never ended)', async () => {
    const base = ['train', '--input', path('events.csv'), '--out', path('good')];
    const before = latest(path('good'));
    await refused(/^attune train: --factors must be an integer from 1 to 1024, got "0"$/, ...base, '--factors', '0');
    await refused(/--factors must be .* got "100000"/, ...base, '--model', 'mf', '--factors', '100000');
    await refused(/--iterations must be an integer from 1 to 1000, got "0"/, ...base, '--iterations', '0');
    await refused(/--factors .* got "0"/, ...base, '--model', 'item-knn', '--factors', '0');
    // the generator keeps a seed's low 31 bits: 2^32 would have silently been seed 0
    await refused(/--seed must be an integer from 0 to 2147483647, got "4294967296"/, ...base, '--seed', '4294967296');
    await refused(/--seed .* got "text"/, ...base, '--seed', 'text');
    await refused(/--budget must be a number of seconds above 0, got "0"/, ...base, '--budget', '0');
    await refused(/--keep must be an integer 1 or more, got "0"/, ...base, '--keep', '0');
    await refused(/--model must be one of .*got "ALS"/, ...base, '--model', 'ALS');
    await refused(
      /--split must be user, item or temporal, got "nonsense"/,
      'evaluate',
      '--input',
      'x',
      '--split',
      'nonsense',
    );
    await refused(/Unknown option '--k'/, ...base, '--k', '3');
    expect(latest(path('good'))).toBe(before);
  });

  it('a file where every row weighs 0 is refused, and the model in --out stays (it published an empty model)', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `u${i % 8},i${i % 5},-1`);
    writeFileSync(path('negative.csv'), ['user_id,item_id,value', ...rows].join('\n'));
    const imp = Array.from({ length: 40 }, (_, i) => `u${i % 8},i${i % 5},impression`);
    writeFileSync(path('impressions.csv'), ['user_id,item_id,event_type', ...imp].join('\n'));
    const before = latest(path('good'));
    for (const f of ['negative.csv', 'impressions.csv']) {
      await refused(
        /no row weighs anything .*nothing to train on$/,
        'train',
        '--input',
        path(f),
        '--out',
        path('good'),
      );
      await refused(/no row weighs anything/, 'evaluate', '--input', path(f));
    }
    expect(latest(path('good'))).toBe(before);
  });

  it('an --out that cannot be a folder fails before training, in one line (under /proc it hung forever)', async () => {
    writeFileSync(path('a-file'), 'x');
    const input = ['train', '--input', path('events.csv'), '--model', 'popular'];
    await refused(/--out .*a-file: is a file, not a folder$/, ...input, '--out', path('a-file'));
    await refused(/--out .*a-file\/sub: .*a-file is a file$/, ...input, '--out', path('a-file/sub'));
    await refused(
      /--out \/proc\/attune-nope\/m: cannot create \/proc\/attune-nope/,
      ...input,
      '--out',
      '/proc/attune-nope/m',
    );
    // a new nested folder is made
    expect((await cli(...input, '--out', path('new/nested/model'))).code).toBe(0);
    expect(readdirSync(path('new/nested/model'))).toContain('latest.json');
  });

  it('a budget that ends the fit before its first sweep is refused, nothing written (it published random factors)', async () => {
    const out = path('cut');
    const args = ['--input', path('events.csv'), '--model', 'als', '--no-tune', '--budget', '0.000001'];
    await refused(
      /ran out before the final als fit's first sweep; nothing was written/,
      'train',
      ...args,
      '--out',
      out,
    );
    expect(existsSync(join(out, 'latest.json'))).toBe(false);
    await refused(/ran out before the holdout als fit's first sweep/, 'evaluate', ...args);
    // fewer sweeps than planned: said, not refused
    expect(cutShort('als', { iterations: 15 }, 4, 20)).toBe(
      'the --budget of 20 s ended the final fit after 4 of 15 iterations',
    );
    expect(cutShort('mf', { epochs: 30 }, 30, 20)).toBeUndefined();
    expect(cutShort('ease', {}, 0, 20)).toBeUndefined();
  });
});

describe('attune recommend / predict: outputs and odd inputs', () => {
  it('an unwritable --out is one line, and a failed run leaves an older file as it was (it crashed with a stack)', async () => {
    const model = ['--model', path('good'), '--user', 'u1'];
    await refused(/^attune recommend: --out .*: is a folder, not a file$/, 'recommend', ...model, '--out', dir);
    await refused(
      /--out \/proc\/attune-nope\/x: no such file or folder/,
      'recommend',
      ...model,
      '--out',
      '/proc/attune-nope/x',
    );
    writeFileSync(path('pairs.csv'), 'user_id,item_id,value,event_type\nu1,i2,abc,teleport\nu2,i3,,\n');
    // other columns are ignored, as the help says (they were weighed, and "abc" failed)
    expect(
      (await cli('predict', '--model', path('good'), '--pairs', path('pairs.csv'), '--out', path('p.tsv'))).code,
    ).toBe(0);
    const good = readFileSync(path('p.tsv'), 'utf8');
    expect(
      good
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').slice(0, 2)),
    ).toEqual([
      ['u1', 'i2'],
      ['u2', 'i3'],
    ]);
    writeFileSync(path('broken.csv'), 'user_id,item_id\nu1,i2\nu3,"i4\n');
    await refused(
      /--pairs .*broken\.csv:3: Quote Not Closed/,
      'predict',
      '--model',
      path('good'),
      '--pairs',
      path('broken.csv'),
      '--out',
      path('p.tsv'),
    );
    expect(readFileSync(path('p.tsv'), 'utf8')).toBe(good);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    await refused(
      /--pairs .*nope\.csv: no such file/,
      'predict',
      '--model',
      path('good'),
      '--pairs',
      path('nope.csv'),
      '--out',
      path('q.tsv'),
    );
  });

  it('-k beyond the catalog is the catalog; beyond any integer a clear error (a typed-array RangeError before)', async () => {
    const r = await cli(
      'recommend',
      '--model',
      path('good'),
      '--user',
      'nobody',
      '-k',
      '1e9',
      '--out',
      path('all.jsonl'),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(path('all.jsonl'), 'utf8')).items.length).toBeLessThanOrEqual(30);
    await refused(
      /--k must be an integer from 1 to 9007199254740991, got "99999999999999999999"/,
      'recommend',
      '--model',
      path('good'),
      '--user',
      'a',
      '-k',
      '99999999999999999999',
    );
    await refused(/--k must be .* got "0"/, 'recommend', '--model', path('good'), '--user', 'a', '-k', '0');
  });

  it('a --users file with a BOM and CRLF gives clean ids; a missing one names the flag', async () => {
    writeFileSync(path('users.txt'), '\uFEFFu1\r\nu2\r\n\r\n');
    const r = await cli(
      'recommend',
      '--model',
      path('good'),
      '--users',
      path('users.txt'),
      '-k',
      '2',
      '--out',
      path('u.jsonl'),
    );
    expect(r.code).toBe(0);
    const lines = readFileSync(path('u.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).userId)).toEqual(['u1', 'u2']);
    await refused(
      /--users .*none\.txt: no such file or folder$/,
      'recommend',
      '--model',
      path('good'),
      '--users',
      path('none.txt'),
    );
    mkdirSync(path('a-dir'), { recursive: true });
    await refused(
      /--users .*a-dir: is a folder, not a file$/,
      'recommend',
      '--model',
      path('good'),
      '--users',
      path('a-dir'),
    );
  });

  it('through bin/attune.mjs: one stderr line, no stack, exit 1', async () => {
    const run = promisify(execFile);
    const r = await run(
      'node',
      ['bin/attune.mjs', 'recommend', '--model', path('good'), '--user', 'u1', '--out', '/proc/attune-nope/x'],
      {
        encoding: 'utf8',
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr.trim().split('\n')).toEqual([
      'attune recommend: --out /proc/attune-nope/x: no such file or folder',
    ]);
  });
});
