/**
 * `attune train` / `evaluate` say when the tuning search was cut (session 22 review,
 * docs/reliability.md): a --budget that pays for the starting points only, the clock
 * safety stop of a counted plan, a hard stop — read from the manifest's tuning record,
 * in the JSON, the table and the manifest's note. A full search says nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Csr } from '../../shared/math/csr';
import { pairsToCsr } from '../../shared/training/dataset';
import { searchReport } from '../../infra/cli/checks';
import { cli } from './in-process';
import { tuneAls } from '../../shared/math/hpo';
import { generateSynthetic } from '../../shared/math/synthetic';
import { randomSearch } from '../../shared/model/kinds/tune';
import { kindSpec } from '../../shared/model/kinds';
import { selectModel } from '../../shared/training/select-model';
import { trainPipeline } from '../../shared/training/pipeline';
import { readDataset } from '../../shared/training/input';

const dir = mkdtempSync(join(tmpdir(), 'attune-train-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);
/** `attune train --model als` on the events file with this --budget, into dir/out. */
const trainAls = (budget: string, out: string) =>
  cli('train', '--input', path('events.csv'), '--model', 'als', '--budget', budget, '--out', path(out));

const data = generateSynthetic({ users: 300, items: 150, clusters: 4, eventsPerUser: 20, seed: 7 });
writeFileSync(
  path('events.csv'),
  ['user_id,item_id', ...data.triples.map((t) => `${t.userId},${t.itemId}`)].join('\n'),
);

const manifest = (out: string) => {
  const v = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')).version as string;
  return JSON.parse(readFileSync(join(out, v, 'manifest.json'), 'utf8'));
};

describe('attune train: a cut tuning search is said', () => {
  /**
   * The plan is counted (nominal multiply-adds): a 2 s budget pays for the defaults, one refinement,
   * larger sizes and a confirmation on this file — no random draw — on any machine. A machine far
   * below nominal may hit the clock first: that is a cut too, and said as one. (1 s left too little
   * for the final fit at a load average of 10, which refuses the run.)
   */
  const saysCut = (line: { search: { stoppedBy: string }; note?: string }) => {
    if (line.search.stoppedBy === 'clock') expect(line.note).toMatch(/search cut short: the clock safety stop/);
    else {
      expect(line.search.stoppedBy).toBe('budget');
      expect(line.note).toMatch(
        /^search cut short: the --budget of 2 s paid for \d+ trials? of the tuning search: it skipped its random draws/,
      );
    }
  };

  it('a --budget that pays for part of the search: the JSON, the note and the manifest say so', async () => {
    const r = await trainAls('2', 'short');
    expect(r.code, r.err.join('\n')).toBe(0);
    const line = JSON.parse(r.out[0]);
    expect(line.search.trials).toBeGreaterThan(0);
    saysCut(line);
    expect(manifest(path('short')).note).toBe(line.note);
  });

  it('a search that ran every phase of its plan: its extent in the JSON, no note', async () => {
    const r = await trainAls('30', 'full');
    expect(r.code, r.err.join('\n')).toBe(0);
    const line = JSON.parse(r.out[0]);
    expect(line.search.phases.random).toBeGreaterThan(1);
    expect(line.search.phases.refine).toBeGreaterThan(0);
    expect(line.search.phases.scale).toBeGreaterThan(0);
    expect(line.search.stoppedBy).toBe('budget');
    expect(line.note).toBeUndefined();
  });

  it('evaluate: the table has a search row and the note; --json the same fields', async () => {
    const table = await cli('evaluate', '--input', path('events.csv'), '--model', 'als', '--budget', '2');
    expect(table.code, table.err.join('\n')).toBe(0);
    expect(table.out.find((l) => l.startsWith('search'))).toMatch(/^search\s+\d+ trials? \(random \d+.*\), ended by/);
    expect(table.out.find((l) => l.startsWith('note'))).toMatch(/^note\s+search cut short: /);
    const json = await cli('evaluate', '--input', path('events.csv'), '--model', 'als', '--budget', '2', '--json');
    saysCut(JSON.parse(json.out[0]));
  });
});

describe('the search records what stopped it', () => {
  let ui: Csr;
  beforeAll(async () => {
    ui = pairsToCsr(await readDataset(path('events.csv'), 'csv', { min: 0.5, max: 5 }));
  });

  it('tuneAls: the clock of a counted plan is "clock", the hard stop "stop", a trial count "trials"', () => {
    // far more work than 0.3 s can hold: the clock ends it, not the plan
    expect(tuneAls(ui, { work: 1e13, budgetSeconds: 0.3, seed: 1, factors: [8] }).stoppedBy).toBe('clock');
    let calls = 0;
    expect(
      tuneAls(ui, { work: 1e13, budgetSeconds: 600, seed: 1, factors: [8], stop: () => ++calls > 2000 }).stoppedBy,
    ).toBe('stop');
    expect(tuneAls(ui, { budgetSeconds: 600, seed: 1, maxTrials: 4, factors: [8] }).stoppedBy).toBe('trials');
    expect(tuneAls(ui, { work: 1e8, budgetSeconds: 600, seed: 1, factors: [8] }).stoppedBy).toBe('budget');
  });

  it('the generic random search and the auto selection carry it too', () => {
    const data = { ui, userIds: [] as string[], itemIds: [] as string[] };
    const knn = kindSpec('item-knn');
    expect(randomSearch(knn, data, { seed: 1, budgetSeconds: 600, maxTrials: 3 }).stoppedBy).toBe('trials');
    expect(randomSearch(knn, data, { seed: 1, budgetSeconds: 600, maxTrials: 30, stop: () => true }).stoppedBy).toBe(
      'stop',
    );
    // the EASE ladder is timed: a 2 ms budget's deadline passes during the first point, the rest is cut
    const sel = selectModel(ui, { seed: 1, budgetSeconds: 0.002, alsTrials: 2, alsFactors: [8] });
    const ease = sel.candidates.find((c) => c.kind === 'ease');
    expect(ease?.stoppedBy).toBe('clock');
    expect(sel.stoppedBy).toBe('clock');
  });

  it('the pipeline keeps it in the manifest, and searchReport turns a hard stop into a note', async () => {
    const d = await readDataset(path('events.csv'), 'csv', { min: 0.5, max: 5 });
    const r = trainPipeline(d, {
      kind: 'als',
      tune: true,
      budgetSeconds: 600,
      stopAfterMs: 1,
      seed: 1,
      split: 'user',
      evaluate: true,
      version: 'v',
      createdAt: new Date(0).toISOString(),
    });
    expect(r.model.manifest.tuning?.stoppedBy).toBe('stop');
    const report = searchReport(r.model.manifest.tuning, 600);
    expect(report?.cut).toMatch(/^search cut short: the deadline ended the tuning search after \d+ trials?/);
    expect(searchReport(undefined, 600)).toBeUndefined();
  });
});
