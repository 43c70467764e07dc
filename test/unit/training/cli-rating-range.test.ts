/** `attune train|evaluate --rating-range` (else ATTUNE_RATING_MIN/MAX): file ratings weigh as the API's do. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelSettings, ratingRange } from '../../../infra/cli/commands/train';
import { readDataset } from '../../../shared/training/input';

const dir = mkdtempSync(join(tmpdir(), 'attune-range-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csv = join(dir, 'ratings.csv');
writeFileSync(csv, 'user_id,item_id,value\nu1,i1,10\nu1,i2,3\n');
const ml = join(dir, 'u.data');
writeFileSync(ml, 'u1\ti1\t10\t1\n');

describe('--rating-range', () => {
  it('parses MIN..MAX, refuses anything else, and falls back to the API variables, then the default', () => {
    expect(ratingRange('1..10', {})).toEqual({ min: 1, max: 10 });
    expect(ratingRange(' 0..2.5 ', {})).toEqual({ min: 0, max: 2.5 });
    for (const bad of ['10', '5..1', '1-10', '..5', 'a..b', '-1..5'])
      expect(() => ratingRange(bad, {}), bad).toThrow(/--rating-range must be MIN\.\.MAX/);
    expect(ratingRange(undefined, { ATTUNE_RATING_MIN: '1', ATTUNE_RATING_MAX: '10' })).toEqual({ min: 1, max: 10 });
    expect(ratingRange(undefined, {})).toEqual({ min: 0.5, max: 5 });
    expect(() => ratingRange(undefined, { ATTUNE_RATING_MAX: 'ten' })).toThrow(/ATTUNE_RATING_MAX must be a number/);
    expect(modelSettings({ format: 'csv', 'rating-range': '1..10' }).ratingRange).toEqual({ min: 1, max: 10 });
  });

  it('a rating of 10 weighs 10 with 1..10, and 5 with the default range (csv and MovieLens)', async () => {
    const weights = async (path: string, format: 'csv' | 'movielens', range?: { min: number; max: number }) =>
      Array.from((await readDataset(path, format, range)).pairWeight);
    expect(await weights(csv, 'csv', { min: 1, max: 10 })).toEqual([10, 3]);
    expect(await weights(csv, 'csv')).toEqual([5, 3]);
    expect(await weights(ml, 'movielens', { min: 1, max: 10 })).toEqual([10]);
    expect(await weights(ml, 'movielens')).toEqual([5]);
  });
});
