/** `--model auto` end to end: the pipeline's choice on the training part, the manifest's record, serving it. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { command as recommend } from '../../../infra/cli/commands/recommend';
import { command as train, modelSettings } from '../../../infra/cli/commands/train';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { trainPipeline } from '../../../shared/training/pipeline';

const dir = mkdtempSync(join(tmpdir(), 'attune-auto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

const data = generateSynthetic({ users: 80, items: 40, clusters: 4, eventsPerUser: 12, seed: 5 });
writeFileSync(
  path('events.csv'),
  ['user_id,item_id,timestamp', ...data.triples.map((t) => `${t.userId},${t.itemId},${t.timestamp}`)].join('\n'),
);

function dataset() {
  const b = new DatasetBuilder();
  for (const t of data.triples) b.addOne(t.userId, t.itemId, 1, t.timestamp);
  return b.build();
}

const OPTS = { tune: true, budgetSeconds: 30, seed: 42, split: 'user' as const, evaluate: true, createdAt: 'now' };

describe('--model auto', () => {
  it('is the default of --model; ease and blend are selectable, unknown kinds are refused', () => {
    expect(modelSettings({ format: 'csv' }).kind).toBe('auto');
    expect(modelSettings({ format: 'csv', model: 'ease' }).kind).toBe('ease');
    expect(modelSettings({ format: 'csv', model: 'blend' }).kind).toBe('blend');
    expect(() => modelSettings({ format: 'csv', model: 'svd' })).toThrow(/auto\|als\|ease\|blend/);
  });

  it('fits the chosen kind with the chosen params and records the candidates and the reason', () => {
    const r = trainPipeline(dataset(), { ...OPTS, kind: 'auto', version: 'v1' });
    const m = r.model.manifest;
    const auto = (m.tuning as { auto: { chosen: string; reason: string; candidates: { kind: string }[] } }).auto;
    expect(['als', 'ease', 'blend', 'als-pair']).toContain(m.kind);
    expect(auto.chosen).toBe(m.kind);
    // the pair is the ALS winner's gate: its reason starts with ALS's win
    const won = m.kind === 'als-pair' ? 'als' : m.kind;
    expect(auto.reason).toMatch(new RegExp(`^${won} wins with mean validation nDCG@10`));
    expect(auto.candidates.map((c) => c.kind).sort()).toEqual(['als', 'als-pair', 'blend', 'ease']);
    expect(r.evaluated).toBe(true);
    expect(r.metrics.ndcg10).toBeGreaterThan(0);
    expect(r.timings.select).toBeGreaterThanOrEqual(0);
    // no second search after the choice: the tuning record is the choice's alone
    expect(Object.keys(m.tuning ?? {})).toEqual(['auto']);
  });

  it('gives one model for one seed', () => {
    const a = trainPipeline(dataset(), { ...OPTS, kind: 'auto', version: 'a' });
    const b = trainPipeline(dataset(), { ...OPTS, kind: 'auto', version: 'b' });
    expect(b.model.manifest.kind).toBe(a.model.manifest.kind);
    expect(b.params).toEqual(a.params);
    expect(b.metrics).toEqual(a.metrics);
  });

  it('without evaluation chooses on all the data', () => {
    const r = trainPipeline(dataset(), { ...OPTS, kind: 'auto', evaluate: false, version: 'v2' });
    expect((r.model.manifest.tuning as { auto: { chosen: string } }).auto.chosen).toBe(r.model.manifest.kind);
    expect(r.evaluated).toBe(false);
  });

  it('falls back to popularity on tiny data, like every kind', () => {
    const b = new DatasetBuilder();
    b.addOne('u1', 'i1', 1, 1);
    b.addOne('u2', 'i2', 1, 2);
    const r = trainPipeline(b.build(), { ...OPTS, kind: 'auto', version: 'v3' });
    expect(r.model.manifest.kind).toBe('popular');
    expect(r.note).toMatch(/too little for auto/);
  });

  it('attune train --model auto writes a model whose manifest names the chosen kind; recommend serves it', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      expect(await train.run(['--input', path('events.csv'), '--model', 'auto', '--out', path('m')])).toBe(0);
      const summary = JSON.parse(lines[0]);
      const manifest = JSON.parse(readFileSync(path(`m/${summary.version}/manifest.json`), 'utf8'));
      expect(manifest.kind).toBe(summary.kind);
      expect(manifest.tuning.auto.chosen).toBe(manifest.kind);
      expect(manifest.tuning.auto.candidates.length).toBe(4);
      writeFileSync(path('users.txt'), `${data.triples[0].userId}\nnobody\n`);
      const out = path('recs.jsonl');
      expect(await recommend.run(['--model', path('m'), '--users', path('users.txt'), '-k', '5', '--out', out])).toBe(
        0,
      );
      const recs = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(recs.map((r) => r.items.length)).toEqual([5, 5]);
      const seen = new Set(data.triples.filter((t) => t.userId === data.triples[0].userId).map((t) => t.itemId));
      for (const it of recs[0].items) expect(seen.has(it.itemId)).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});
