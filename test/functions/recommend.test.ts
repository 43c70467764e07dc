/**
 * The Recommend function end to end: the real handler on dynalite + s3rver,
 * a model trained by shared/math and published with the repository, events
 * and catalog written through the DynamoDB store.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { useEmbeddedAws } from '../helpers/aws';
import { call, loadHandler } from '../helpers/handlers';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { publishModel } from '../../shared/model/repository';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { event, trainFixture, type Fixture } from '../unit/serving/fixture';

const HANDLER = '../../functions/recommend/handler';
const aws = useEmbeddedAws();

let fx: Fixture;
let handler: LambdaHttpHandler;
let store: DynamoInteractionStore;
let models: S3ModelStore;
const env = () => ({
  ...aws().env,
  ATTUNE_MODEL_REFRESH_SECONDS: '0',
  ATTUNE_AUTH_MODE: 'none',
  ATTUNE_MODEL_PREFIX: 'models/',
});
const get = (path: string, claims?: Record<string, string>) => call(handler, { method: 'GET', path, claims });

beforeAll(async () => {
  fx = trainFixture();
  store = new DynamoInteractionStore(dynamoDocumentClient(), aws().tableName);
  models = new S3ModelStore(s3Client(), aws().bucketName);
  await publishModel(models, 'models/', fx.model, { keep: 5 });
  // catalog: category = planted cluster; i3 is unavailable from the start
  // in chunks: 120 parallel connections to dynalite on a loaded machine outrun the client's connect timeout
  for (let c = 0; c < fx.model.itemIds.length; c += 10) {
    await Promise.all(
      fx.model.itemIds
        .slice(c, c + 10)
        .map((id) => store.putItem({ itemId: id, categories: [`c${fx.clusterOfItem(id)}`], available: id !== 'i3' })),
    );
  }
  handler = await loadHandler(HANDLER, env());
});

const seenOf = (userId: string) => {
  const u = fx.model.userIds.indexOf(userId);
  const { seenIndptr: p, seenIndices: s, itemIds } = fx.model;
  return new Set(Array.from(s.subarray(p[u], p[u + 1]), (i) => itemIds[i]));
};
const ids = (r: { body: { items: { itemId: string }[] } }) => r.body.items.map((x) => x.itemId);

describe('GET /users/{userId}/recommendations', () => {
  it('serves a known user from the model, seen items excluded, scored and explained', async () => {
    const r = await get('/users/u1/recommendations?k=10');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ userId: 'u1', modelVersion: fx.model.manifest.version, source: 'personalized' });
    expect(r.body.items).toHaveLength(10);
    const seen = seenOf('u1');
    for (const it of r.body.items) {
      expect(seen.has(it.itemId)).toBe(false);
      const { a, b } = fx.model.manifest.calibration;
      expect(it.probability).toBeCloseTo(1 / (1 + Math.exp(-(a * it.score + b))), 5);
      expect(it.because.length).toBeLessThanOrEqual(3);
      for (const b of it.because) expect(seen.has(b.itemId)).toBe(true);
    }
    const scores = r.body.items.map((x: { score: number }) => x.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(r.body.items[0].because.length).toBeGreaterThan(0);
    // planted structure: most recommendations come from the user's cluster (u1 → cluster 1)
    expect(ids(r).filter((id) => fx.clusterOfItem(id) === 1).length).toBeGreaterThanOrEqual(7);
  });

  it('applies exclude, category, excludeCategory, availability and minProbability', async () => {
    const base = ids(await get('/users/u2/recommendations?k=10'));
    const ex = await get(`/users/u2/recommendations?k=10&exclude=${base[0]},${base[1]}`);
    expect(ids(ex)).not.toContain(base[0]);
    expect(ids(ex)).not.toContain(base[1]);
    expect(ids(ex).slice(0, 8)).toEqual(base.slice(2));

    const cat = await get('/users/u2/recommendations?k=10&category=c3');
    expect(cat.body.items.length).toBeGreaterThan(0);
    for (const id of ids(cat)) expect(fx.clusterOfItem(id)).toBe(3);

    const exCat = await get('/users/u2/recommendations?k=20&excludeCategory=c2,c1');
    for (const id of ids(exCat)) expect([0, 3]).toContain(fx.clusterOfItem(id));

    // i3 was unavailable from the start; the user's top item becomes unavailable now
    for (const r of [base, ids(cat)]) expect(r).not.toContain('i3');
    await store.markItemUnavailable(base[0]);
    const after = ids(await get('/users/u2/recommendations?k=10'));
    expect(after).not.toContain(base[0]);

    const all = await get('/users/u2/recommendations?k=20');
    const probs = all.body.items.map((x: { probability: number }) => x.probability);
    const mid = probs[9];
    const thr = await get(`/users/u2/recommendations?k=20&minProbability=${mid}`);
    expect(thr.body.items.length).toBeGreaterThan(0);
    expect(thr.body.items.length).toBeLessThan(20);
    for (const it of thr.body.items) expect(it.probability).toBeGreaterThanOrEqual(mid);
  });

  it('takes a new user from popular to fold-in, their clicks changing what they see', async () => {
    const cold = await get('/users/newbie/recommendations?k=10');
    expect(cold.body.source).toBe('popular');
    expect(cold.body.items).toHaveLength(10);
    expect(cold.body.items[0].probability).toBeNull();
    const pop = fx.model.popularity;
    const coldPops = ids(cold).map((id) => pop[fx.model.itemIds.indexOf(id)]);
    expect([...coldPops].sort((a, b) => b - a)).toEqual(coldPops);

    const clicked = ['i2', 'i6', 'i10'];
    let previous = ids(cold);
    for (const [n, itemId] of clicked.entries()) {
      await store.putEvents([event('newbie', itemId)]);
      const r = await get('/users/newbie/recommendations?k=10');
      expect(r.body.source).toBe('fold-in');
      for (const c of clicked.slice(0, n + 1)) expect(ids(r)).not.toContain(c);
      expect(ids(r)).not.toEqual(previous);
      previous = ids(r);
      if (n === 2) {
        expect(ids(r).filter((id) => fx.clusterOfItem(id) === 2).length).toBeGreaterThanOrEqual(8);
        expect(
          r.body.items[0].because.map((b: { itemId: string }) => b.itemId).every((id: string) => clicked.includes(id)),
        ).toBe(true);
      }
    }
  });

  it('folds a known user in when they have events newer than the model', async () => {
    const before = await get('/users/u5/recommendations?k=10');
    expect(before.body.source).toBe('personalized');
    // u5 is in cluster 1; they now binge on cluster 3
    const burst = ['i7', 'i11', 'i15', 'i19', 'i23', 'i27'].flatMap((id) => [
      event('u5', id, 'purchase'),
      event('u5', id, 'like'),
    ]);
    await store.putEvents(burst);
    const after = await get('/users/u5/recommendations?k=10');
    expect(after.body.source).toBe('fold-in');
    expect(ids(after)).not.toEqual(ids(before));
    for (const id of ['i7', 'i11', 'i15']) expect(ids(after)).not.toContain(id);
    const c3 = (r: typeof after) => ids(r).filter((id) => fx.clusterOfItem(id) === 3).length;
    expect(c3(after)).toBeGreaterThan(c3(before));
  });

  it('never personalizes an erased user', async () => {
    expect((await get('/users/u9/recommendations')).body.source).toBe('personalized');
    await store.eraseUser('u9');
    const r = await get('/users/u9/recommendations');
    expect(r.body.source).toBe('popular');
    for (const it of r.body.items) expect(it.because).toEqual([]);
  });
});

describe('GET /items/{itemId}/similar and POST /users/{userId}/rank', () => {
  it('lists nearest items by cosine, never the item itself, best first', async () => {
    const r = await get('/items/i4/similar?k=8');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(8);
    expect(ids(r)).not.toContain('i4');
    const s = r.body.items.map((x: { score: number }) => x.score);
    expect([...s].sort((a, b) => b - a)).toEqual(s);
    for (const v of s) expect(Math.abs(v)).toBeLessThanOrEqual(1.000001);
    expect(ids(r).filter((id) => fx.clusterOfItem(id) === 0).length).toBeGreaterThanOrEqual(6);
    expect((await get('/items/nope/similar')).status).toBe(404);
  });

  it('ranks exactly the given set, unknown items last with a null score', async () => {
    const input = ['i8', 'ghost-1', 'i1', 'i5', 'ghost-2', 'i9', 'i13'];
    const r = await call(handler, { method: 'POST', path: '/users/u1/rank', body: { itemIds: input } });
    expect(r.status).toBe(200);
    expect(r.body.source).toBe('personalized');
    expect(ids(r).sort()).toEqual([...input].sort());
    expect(ids(r).slice(-2)).toEqual(['ghost-1', 'ghost-2']);
    expect(r.body.items.slice(-2).every((x: { score: unknown }) => x.score === null)).toBe(true);
    const s = r.body.items.slice(0, 5).map((x: { score: number }) => x.score);
    expect([...s].sort((a, b) => b - a)).toEqual(s);
    // u1 is cluster 1: its items rank above the others
    expect(
      ids(r)
        .slice(0, 4)
        .filter((id) => fx.clusterOfItem(id) === 1).length,
    ).toBeGreaterThanOrEqual(3);
  });
});

describe('model refresh', () => {
  it('picks up a newly published version and refuses a corrupt one while the old keeps serving', async () => {
    const v1 = (await get('/health')).body;
    expect(v1).toMatchObject({ status: 'ok', reasons: [], modelVersion: fx.model.manifest.version });
    // public: no counts that reveal business volume
    expect(Object.keys(v1).sort()).toEqual(['modelAgeSeconds', 'modelVersion', 'reasons', 'status']);
    expect(v1.modelAgeSeconds).toBeGreaterThanOrEqual(0);

    const next = trainFixture({ seed: 11, version: '20260102T000000Z-00000b' });
    await publishModel(models, 'models/', next.model, { keep: 5 });
    expect((await get('/health')).body.modelVersion).toBe('20260102T000000Z-00000b');
    expect((await get('/users/u1/recommendations')).body.modelVersion).toBe('20260102T000000Z-00000b');

    const bad = trainFixture({ seed: 12, version: '20260103T000000Z-00000c' });
    await publishModel(models, 'models/', bad.model, { keep: 5 });
    const key = 'models/20260103T000000Z-00000c/item_factors.f32';
    await s3Client().send(
      new PutObjectCommand({ Bucket: aws().bucketName, Key: key, Body: new Uint8Array(64).fill(7) }),
    );
    const h = await get('/health');
    expect(h.body.modelVersion).toBe('20260102T000000Z-00000b');
    expect(h.body.status).toBe('degraded');
    expect(h.body.reasons).toEqual([
      expect.stringMatching(/latest model version 20260103T000000Z-00000c refused: .*item_factors/),
    ]);
    const r = await get('/users/u1/recommendations');
    expect(r.status).toBe(200);
    expect(r.body.modelVersion).toBe('20260102T000000Z-00000b');
  });

  it('answers 503 before any model exists, while health reports no model', async () => {
    const empty = await loadHandler(HANDLER, { ...env(), ATTUNE_MODEL_PREFIX: 'nothing-here/' });
    const r = await call(empty, { method: 'GET', path: '/users/u1/recommendations' });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('model_unavailable');
    expect(r.headers['retry-after']).toBeDefined();
    const h = await call(empty, { method: 'GET', path: '/health' });
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: 'ok', reasons: [], modelVersion: null, modelAgeSeconds: null });
  });
});

describe('every model kind', () => {
  for (const kind of ['als', 'mf', 'item-knn', 'user-knn', 'popular']) {
    it(`${kind}: published, then served through its own kind (recommendations, similar, rank)`, async () => {
      const prefix = `kind-${kind}/`;
      const k = trainFixture({ kind, seed: 21, version: `20260105T000000Z-${kind.replace('-', '')}` });
      expect(k.model.manifest.kind).toBe(kind);
      await publishModel(models, prefix, k.model, { keep: 2 });
      const h = await loadHandler(HANDLER, { ...env(), ATTUNE_MODEL_PREFIX: prefix });
      const r = await call(h, { method: 'GET', path: '/users/u1/recommendations?k=5' });
      expect(r.status).toBe(200);
      expect(r.body.modelVersion).toBe(k.model.manifest.version);
      expect(r.body.source).toBe(kind === 'popular' ? 'popular' : 'personalized');
      expect(r.body.items).toHaveLength(5);
      const seen = new Set(
        Array.from(
          k.model.seenIndices.subarray(k.model.seenIndptr[1], k.model.seenIndptr[2]),
          (i) => k.model.itemIds[i],
        ),
      );
      for (const it of r.body.items) expect(seen.has(it.itemId)).toBe(false);
      // mf ranks by predicted rating: on positive-only implicit data that is not a cluster signal
      const implicit = kind !== 'popular' && kind !== 'mf';
      if (implicit) {
        // a personal model puts u1's own cluster first
        expect(ids(r).filter((id) => k.clusterOfItem(id) === 1).length).toBeGreaterThanOrEqual(3);
      }
      const sim = await call(h, { method: 'GET', path: '/items/i1/similar?k=5' });
      expect(sim.status).toBe(200);
      expect(sim.body.items.map((x: { itemId: string }) => x.itemId)).not.toContain('i1');
      if (implicit)
        expect(
          sim.body.items.filter((x: { itemId: string }) => k.clusterOfItem(x.itemId) === 1).length,
        ).toBeGreaterThanOrEqual(3);
      const rank = await call(h, {
        method: 'POST',
        path: '/users/u1/rank',
        body: { itemIds: ['i0', 'i1', 'i2', 'i5', 'ghost'] },
      });
      expect(rank.status).toBe(200);
      expect(rank.body.items.map((x: { itemId: string }) => x.itemId).at(-1)).toBe('ghost');
      const ranked = rank.body.items.slice(0, 4).map((x: { score: number }) => x.score);
      expect([...ranked].sort((a, b) => b - a)).toEqual(ranked);
      if (implicit)
        expect(
          rank.body.items
            .slice(0, 2)
            .map((x: { itemId: string }) => x.itemId)
            .sort(),
        ).toEqual(['i1', 'i5']);
      expect((await call(h, { method: 'GET', path: '/health' })).body.status).toBe('ok');
    });
  }

  it('refuses a version of a kind it cannot serve like a corrupt one: the old model keeps serving, /health says why', async () => {
    const prefix = 'kind-unknown/';
    const good = trainFixture({ seed: 22, version: '20260106T000000Z-00000a' });
    await publishModel(models, prefix, good.model, { keep: 3 });
    const h = await loadHandler(HANDLER, { ...env(), ATTUNE_MODEL_PREFIX: prefix });
    expect((await call(h, { method: 'GET', path: '/health' })).body.status).toBe('ok');
    const odd = trainFixture({ seed: 23, version: '20260107T000000Z-00000b' });
    odd.model.manifest.kind = 'quantum';
    await publishModel(models, prefix, odd.model, { keep: 3 });
    const r = await call(h, { method: 'GET', path: '/users/u1/recommendations' });
    expect(r.status).toBe(200);
    expect(r.body.modelVersion).toBe('20260106T000000Z-00000a');
    const health = (await call(h, { method: 'GET', path: '/health' })).body;
    expect(health.status).toBe('degraded');
    expect(health.reasons[0]).toMatch(/20260107T000000Z-00000b refused: model kind "quantum"/);
  });
});

describe('bad input and auth', () => {
  const long = 'x'.repeat(129);
  const cases: [string, string, number, string, unknown][] = [
    ['GET', '/users/u1/recommendations?k=0', 400, 'invalid_query', undefined],
    ['GET', '/users/u1/recommendations?k=101', 400, 'invalid_query', undefined],
    ['GET', '/users/u1/recommendations?k=abc', 400, 'invalid_query', undefined],
    ['GET', '/users/u1/recommendations?k=2.5', 400, 'invalid_query', undefined],
    ['GET', '/users/u1/recommendations?colour=red', 400, 'invalid_query', undefined],
    ['GET', '/users/u1/recommendations?minProbability=1.5', 400, 'invalid_query', undefined],
    ['GET', '/users/u1/recommendations?minProbability=abc', 400, 'invalid_query', undefined],
    ['GET', '/users/u1/recommendations?exclude=a,,b', 400, 'invalid_query', undefined],
    ['GET', `/users/${long}/recommendations`, 400, 'invalid_path', undefined],
    ['GET', '/users/a%01b/recommendations', 400, 'invalid_path', undefined],
    ['GET', '/items/i1/similar?k=0', 400, 'invalid_query', undefined],
    ['GET', '/items/i1/similar?category=c1', 400, 'invalid_query', undefined],
    ['GET', `/items/${long}/similar`, 400, 'invalid_path', undefined],
    ['POST', '/users/u1/rank', 400, 'missing_body', undefined],
    ['POST', '/users/u1/rank', 400, 'invalid_json', '{not json'],
    ['POST', '/users/u1/rank', 400, 'invalid_request', { itemIds: [] }],
    ['POST', '/users/u1/rank', 400, 'invalid_request', { itemIds: ['a', 'a'] }],
    ['POST', '/users/u1/rank', 400, 'invalid_request', { itemIds: [1, 2] }],
    ['POST', '/users/u1/rank', 400, 'invalid_request', { itemIds: ['a'], extra: 1 }],
    ['POST', '/users/u1/rank', 400, 'invalid_request', { items: ['a'] }],
    ['POST', '/users/u1/rank', 400, 'too_many_items', { itemIds: Array.from({ length: 501 }, (_, i) => `i${i}`) }],
    ['POST', '/users/u1/rank?k=3', 400, 'invalid_query', { itemIds: ['a'] }],
  ];
  it.each(cases)('%s %s → %i %s', async (method, path, status, code, body) => {
    const r = await call(handler, { method, path, body });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe('string');
  });

  it('lets a token act only for its own user', async () => {
    const jwt = await loadHandler(HANDLER, { ...env(), ATTUNE_AUTH_MODE: 'jwt' });
    const as = (sub: string | undefined, method: string, path: string, body?: unknown) =>
      call(jwt, { method, path, body, claims: sub ? { sub } : undefined });
    const own = await as('u1', 'GET', '/users/u1/recommendations');
    expect(own.status).toBe(200);
    // a cold instance whose latest version is corrupt serves the newest good one
    expect(own.body.modelVersion).toBe('20260102T000000Z-00000b');
    const other = await as('u1', 'GET', '/users/u2/recommendations');
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('forbidden');
    expect((await as('u1', 'POST', '/users/u2/rank', { itemIds: ['i1'] })).status).toBe(403);
    expect((await as(undefined, 'GET', '/users/u1/recommendations')).status).toBe(401);
    expect((await as('u1', 'GET', '/items/i1/similar')).status).toBe(200);
    expect((await as(undefined, 'GET', '/items/i1/similar')).status).toBe(401);
    expect((await as(undefined, 'GET', '/health')).status).toBe(200);
  });
});
