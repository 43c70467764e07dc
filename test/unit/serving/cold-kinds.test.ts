/**
 * New items under kinds without a factor ridge (EASE, blend, the ALS pair): placed by TF-IDF
 * content similarity put in the kind's score units (shared/serving/cold.ts,
 * content mode) — recommended in the exploration slot, ranked among the model's
 * items and listed in similar items, through the serving core. Planted clusters
 * (./cold-fixture.ts): category k{c} is cluster c.
 */
import { describe, expect, it } from 'vitest';
import { data, record, serve, train } from './cold-fixture';

const users = Array.from({ length: 40 }, (_, u) => `u${u}`);
const cluster = (userId: string) => data.userCluster[Number(userId.slice(1))];

// mf fits the implicit weights as ratings: its item similarities do not follow the clusters here, so the content
// line through them is flat and a new item stays out of model items' similar lists (it is still placed everywhere else)
describe.each([
  ['ease', true],
  ['blend', true],
  ['als-pair', true],
  ['item-knn', true],
  ['user-knn', true],
  ['mf', false],
])('new catalog items under %s', (kind, listed) => {
  const model = train(true, kind);

  it('gives the exploration slot to the new item of the user’s cluster, its category as reason', async () => {
    const core = serve(model);
    let right = 0;
    for (const userId of users) {
      const r = await core.recommend(userId, { k: 10 });
      expect(r.items).toHaveLength(10);
      expect(r.items[9].coldStart).toBe(true);
      expect(r.items.filter((i) => i.coldStart)).toHaveLength(1);
      if (r.items[9].itemId === `new-${cluster(userId)}`) {
        right++;
        expect(r.items[9].because).toEqual([{ category: `k${cluster(userId)}` }]);
      }
      // warm items keep the kind's own explanations: no metadata reason is added to them
      expect(r.items.slice(0, 9).every((i) => i.because.every((b) => 'itemId' in b))).toBe(true);
    }
    expect(right / users.length).toBeGreaterThan(0.8);
  });

  it('ranks a new item of the user’s cluster above one of another, in the kind’s units', async () => {
    const core = serve(model);
    let ordered = 0;
    for (const userId of users.slice(0, 20)) {
      const c = cluster(userId);
      const r = await core.rank(userId, [`new-${(c + 1) % 4}`, `new-${c}`, 'nope']);
      const mine = r.items.find((i) => i.itemId === `new-${c}`)!;
      const other = r.items.find((i) => i.itemId === `new-${(c + 1) % 4}`)!;
      expect(mine.coldStart).toBe(true);
      expect(r.items.at(-1)).toMatchObject({ itemId: 'nope', score: null });
      if (mine.score! > other.score!) ordered++;
      // the content line keeps a new item inside the range of the user's scores of the model's items
      const warm = await core.rank(userId, model.itemIds);
      const scores = warm.items.map((i) => i.score!);
      expect(mine.score!).toBeLessThanOrEqual(Math.max(...scores));
      expect(mine.score!).toBeGreaterThanOrEqual(Math.min(...scores));
    }
    expect(ordered).toBeGreaterThanOrEqual(18);
  });

  it('answers similar for a new item (content) and lists new items beside model items of its category', async () => {
    const core = serve(model);
    const own = await core.similar('new-1', 10);
    expect(own.items).toHaveLength(10);
    expect(own.items.filter((i) => !i.coldStart).every((i) => Number(i.itemId.slice(1)) % 4 === 1)).toBe(true);
    let seen = 0;
    for (const id of model.itemIds.filter((x) => Number(x.slice(1)) % 4 === 1).slice(0, 10)) {
      const s = await core.similar(id, 20);
      const hit = s.items.find((i) => i.itemId === 'new-1');
      if (hit) {
        seen++;
        expect(hit.coldStart).toBe(true);
      }
      expect(s.items.some((i) => i.itemId === 'new-0' || i.itemId === 'gone')).toBe(false);
    }
    if (listed) expect(seen).toBeGreaterThanOrEqual(5);
    else expect(seen).toBe(0);
  });
});

describe('new items a model cannot place', () => {
  it('a new item whose categories no model item carries is neither explored, ranked nor similar', async () => {
    const model = train(true, 'ease');
    const records = [...model.itemIds.map((id) => record(id, ['k0'])), record('odd', ['zz'])];
    const core = serve(model, { records });
    expect((await core.recommend('u0', { k: 10 })).items.some((i) => i.coldStart)).toBe(false);
    expect((await core.rank('u0', ['odd'])).items).toMatchObject([{ itemId: 'odd', score: null }]);
    await expect(core.similar('odd', 5)).rejects.toMatchObject({ status: 404 });
  });
});
