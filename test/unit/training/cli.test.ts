/** CLI train / recommend / predict / evaluate on a small generated csv. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { command as train } from '../../../infra/cli/commands/train';
import { command as recommend } from '../../../infra/cli/commands/recommend';
import { command as predict } from '../../../infra/cli/commands/predict';
import { command as evaluate } from '../../../infra/cli/commands/evaluate';
import { command as local } from '../../../infra/cli/commands/local';
import { commandHelp, main } from '../../../infra/cli/main';
import { readRows } from '../../../shared/training/input';

const dir = mkdtempSync(join(tmpdir(), 'attune-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

const data = generateSynthetic({ users: 60, items: 30, clusters: 3, eventsPerUser: 10, seed: 3 });
const TYPES: Record<string, string> = { view: 'view', cart: 'add_to_cart', purchase: 'purchase' };
writeFileSync(
  path('events.csv'),
  [
    'user_id,item_id,event_type,timestamp',
    ...data.triples.map((t) => `${t.userId},${t.itemId},${TYPES[t.eventType]},${t.timestamp}`),
  ].join('\n'),
);
writeFileSync(
  path('ratings.csv'),
  ['user_id,item_id,value', ...data.triples.map((t) => `${t.userId},${t.itemId},${1 + (t.weight % 5)}`)].join('\n'),
);

const drain = async (name: string) => {
  for await (const _ of readRows(path(name), 'csv'));
};

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    return { code: await fn(), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('attune CLI (training side)', () => {
  it('train → recommend: JSON lines, training items excluded, unknown users get popular items', async () => {
    const t = await capture(() =>
      train.run(['--input', path('events.csv'), '--model', 'als', '--no-tune', '--factors', '8', '--out', path('als')]),
    );
    expect(t.code).toBe(0);
    const summary = JSON.parse(t.out);
    expect(summary.kind).toBe('als');
    expect(summary.metrics.ndcg10).toBeGreaterThan(0);
    expect(readFileSync(path('als/latest.json'), 'utf8')).toContain(summary.version);

    writeFileSync(path('users.txt'), 'u1\nnobody\n');
    expect(
      await recommend.run([
        '--model',
        path('als'),
        '--users',
        path('users.txt'),
        '-k',
        '5',
        '--out',
        path('recs.jsonl'),
      ]),
    ).toBe(0);
    const lines = readFileSync(path('recs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.userId)).toEqual(['u1', 'nobody']);
    expect(lines[0].items).toHaveLength(5);
    const seen = new Set(data.triples.filter((x) => x.userId === 'u1').map((x) => x.itemId));
    for (const it of lines[0].items) expect(seen.has(it.itemId)).toBe(false);
    expect(lines[1].items[0]).toEqual({ itemId: expect.any(String), score: expect.any(Number) });
  });

  it('train mf → predict: ratings on the trained scale', async () => {
    await capture(() =>
      train.run([
        '--input',
        path('ratings.csv'),
        '--model',
        'mf',
        '--factors',
        '4',
        '--iterations',
        '10',
        '--out',
        path('mf'),
      ]),
    );
    writeFileSync(path('pairs.csv'), 'user_id,item_id\nu1,i2\nu2,i5\nghost,i1\n');
    expect(await predict.run(['--model', path('mf'), '--pairs', path('pairs.csv'), '--out', path('pred.tsv')])).toBe(0);
    const rows = readFileSync(path('pred.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ['u1', 'i2'],
      ['u2', 'i5'],
      ['ghost', 'i1'],
    ]);
    for (const r of rows) expect(Number(r[2])).toBeGreaterThanOrEqual(1), expect(Number(r[2])).toBeLessThanOrEqual(5);
  });

  it('evaluate prints a metrics table for each model kind and split', async () => {
    for (const [model, split] of [
      ['als', 'user'],
      ['item-knn', 'temporal'],
      ['popular', 'item'],
      ['user-knn', 'user'],
    ]) {
      const r = await capture(() =>
        evaluate.run([
          '--input',
          path('events.csv'),
          '--model',
          model,
          '--split',
          split,
          '--no-tune',
          '--factors',
          '8',
        ]),
      );
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`model\\s+${model}`));
      expect(r.out).toMatch(/ndcg10\s+0\.\d{4}/);
    }
  });

  it('bad input names the line', async () => {
    writeFileSync(path('bad.csv'), 'user_id,item_id,event_type\nu1,i1,view\nu2,i2,teleport\n');
    await expect(train.run(['--input', path('bad.csv'), '--out', path('x')])).rejects.toThrow(
      /bad\.csv:3: unknown event_type "teleport"/,
    );
    writeFileSync(path('nohead.csv'), 'a,b\n1,2\n');
    await expect(evaluate.run(['--input', path('nohead.csv')])).rejects.toThrow(
      /nohead\.csv:1: header must name user_id/,
    );
    await expect(recommend.run(['--model', path('nothing-here'), '--user', 'u1'])).rejects.toThrow(/no model/);
  });

  it('csv: quoted fields may hold commas, quotes and newlines; lines are counted across them', async () => {
    writeFileSync(
      path('quoted.csv'),
      '\uFEFFuser_id,title,item_id,value\nu1,"Shoes, trail",i1,3\nu2,"two\nlines ""quoted""",i2,4\n\nu3,x,i3,5\n',
    );
    const rows = [];
    for await (const r of readRows(path('quoted.csv'), 'csv')) rows.push(r);
    expect(rows.map((r) => [r.userId, r.itemId, r.weight, r.line])).toEqual([
      ['u1', 'i1', 3, 2],
      ['u2', 'i2', 4, 4],
      ['u3', 'i3', 5, 6],
    ]);
    writeFileSync(path('crlf.csv'), 'user_id,item_id\r\nu1,i1\r\nu2,i2\r\n');
    const crlf = [];
    for await (const r of readRows(path('crlf.csv'), 'csv')) crlf.push([r.userId, r.itemId, r.line]);
    expect(crlf).toEqual([
      ['u1', 'i1', 2],
      ['u2', 'i2', 3],
    ]);
    // a value without an event_type is a rating, weighed as the API weighs one (bounded, never negative)
    writeFileSync(
      path('weights.csv'),
      'user_id,item_id,value,event_type\nu1,i1,1e9,\nu1,i2,-3,\nu1,i3,,\nu1,i4,4,purchase\n',
    );
    const weights = [];
    for await (const r of readRows(path('weights.csv'), 'csv')) weights.push(r.weight);
    expect(weights).toEqual([5, 0, 1, 5]);
    writeFileSync(path('open-quote.csv'), 'user_id,item_id\nu1,"i1\n');
    await expect(drain('open-quote.csv')).rejects.toThrow(/open-quote\.csv:\d+: .*quote/i);
  });

  it('a header-only, semicolon-separated or missing file fails with one clear line', async () => {
    writeFileSync(path('header-only.csv'), 'user_id,item_id,value\n');
    await expect(train.run(['--input', path('header-only.csv'), '--out', path('none')])).rejects.toThrow(
      /header-only\.csv: no rows after the header/,
    );
    writeFileSync(path('semi.csv'), 'user_id;item_id;value\nu1;i1;4\n');
    await expect(train.run(['--input', path('semi.csv'), '--out', path('none')])).rejects.toThrow(
      'found "user_id;item_id;value" (the file must be comma-separated)',
    );
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['train', '--input', path('missing.csv'), '--out', path('none')])).toBe(1);
      expect(err.mock.calls.map((c) => c.join(' '))).toEqual([`attune train: ${path('missing.csv')}: no such file`]);
    } finally {
      err.mockRestore();
    }
  });

  it('every subcommand documents each option it takes, with its default', async () => {
    for (const c of [train, evaluate, recommend, predict, local]) {
      const flags = new Set((c.options ?? []).flatMap(([flag]) => flag.match(/--?[a-z][a-z-]*/g) ?? []));
      for (const used of c.usage.match(/(?<![a-z])--?[a-z][a-z-]*/g) ?? []) {
        expect(flags, `${c.summary}: ${used}`).toContain(used);
      }
    }
    const t = await capture(() => main(['train', '--help']));
    expect(t.out).toBe(commandHelp(train));
    expect(t.out).toMatch(/--model KIND +.*auto tunes ALS, EASE .*ease: .*blend: .*\[default: auto\]/s);
    expect(t.out).toMatch(/--budget SECONDS +.*\[default: 600/);
    expect(t.out).toMatch(/--keep N +model versions kept in --out.*\[default: 5\]/);
    const l = await capture(() => main(['local', 'invoke', '--help']));
    expect(l.out).toMatch(/budget of 600 s/);
  });

  it('runs through bin/attune.mjs', () => {
    const out = execFileSync(
      'node',
      ['bin/attune.mjs', 'recommend', '--model', path('als'), '--user', 'u2', '-k', '3'],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out).items).toHaveLength(3);
  });
});
