/**
 * `attune import` given odd files and paths (session 21 review): the file and the report's
 * path are checked before any store starts, so a bad one writes nothing; an `item_id` column
 * (the CLI's other csv files) imports like `itemId` (every row was refused).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../infra/cli/main';

const dir = mkdtempSync(join(tmpdir(), 'attune-import-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

async function cli(...argv: string[]): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  const e = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const l = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    return { code: await main(argv), err };
  } finally {
    e.mockRestore();
    l.mockRestore();
  }
}

describe('attune import: files and paths', () => {
  it('a missing, empty or folder source, an S3 url with no key, an unwritable report: one line, no store started', async () => {
    writeFileSync(path('items.csv'), 'item_id,title\ni1,One\n');
    writeFileSync(path('empty.csv'), '');
    const home = path('home');
    const cases: [string[], RegExp][] = [
      [[path('nope.csv')], /^attune import: .*nope\.csv: no such file or folder$/],
      [[dir], /^attune import: .*: is a folder, not a file$/],
      [[path('empty.csv')], /empty\.csv: no rows: nothing to import$/],
      [['s3://bucket-only'], /^attune import: s3:\/\/bucket-only: an S3 source is s3:\/\/bucket\/key$/],
      [
        [path('items.csv'), '--report', '/proc/attune-nope/r.jsonl'],
        /--report \/proc\/attune-nope\/r\.jsonl: no such file/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cli('import', ...args, '--home', home);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
    }
    // nothing was opened: the home's stores were never created
    expect(existsSync(home)).toBe(false);
  });

  it('an item_id column imports like itemId, and the report is written whole', async () => {
    writeFileSync(path('items.csv'), 'item_id,title,categories\ni1,One,a|b\n,No id,\n');
    const r = await cli('import', path('items.csv'), '--home', path('home2'), '--report', path('report.jsonl'));
    expect(r.code).toBe(1);
    expect(r.err.at(-1)).toBe('imported 1 of 2 rows; 1 refused');
    const report = readFileSync(path('report.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(report.map((x) => [x.row, x.itemId, x.status])).toEqual([
      [1, 'i1', 'ok'],
      [2, null, 'error'],
    ]);
  });
});

describe('attune import --help', () => {
  it('documents every flag its usage names, and the usage names every flag it takes', async () => {
    const { command } = await import('../../infra/cli/commands/import');
    const documented = new Set((command.options ?? []).flatMap(([flag]) => flag.match(/--[a-z][a-z-]*/g) ?? []));
    const used = new Set(command.usage.match(/--[a-z][a-z-]*/g) ?? []);
    expect([...used].sort()).toEqual([...documented].sort());
  });
});
