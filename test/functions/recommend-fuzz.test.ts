/**
 * The Recommend routes as a hostile or careless client meets them, through the real
 * handler on dynalite + s3rver, while an A/B experiment runs whose variants name a
 * pinned neural version (network calibration), a kind never trained, the ALS retrieval
 * without its ranker and a calibrated re-rank: queries and bodies generated from
 * docs/openapi.json (fast-check, seeded), then the cases a variant's model can be in
 * (pruned by retention, a manifest whose artifact is missing).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignVariant } from '../../shared/experiments/assign';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { publishModel } from '../../shared/model/repository';
import type { Model } from '../../shared/model/types';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { DatasetBuilder } from '../../shared/training/dataset';
import { trainPipeline } from '../../shared/training/pipeline';
import { useEmbeddedAws } from '../helpers/aws';
import { call, type HttpResult, loadHandler } from '../helpers/handlers';
import { plantedWithMetadata } from '../unit/neural/planted';
import { trainFixture } from '../unit/serving/fixture';
import { expectContract, fromSchema, nastyString, operation, percentEncode, queryText } from './openapi-fuzz';

const CLUSTERS = 4;
const als = (seed: number, version: string) =>
  trainFixture({ users: 60, items: 48, clusters: CLUSTERS, factors: 8, seed, version }).model;
const OLD = als(1, '20260101T000001Z-000001');
const LATEST = als(3, '20260101T000003Z-000003');

/** A neural artifact served with its network's own P for its candidates, Platt's for every other item. */
function neural(): Model {
  const p = plantedWithMetadata({
    users: 60,
    items: 48,
    clusters: CLUSTERS,
    eventsPerUser: 6,
    seed: 5,
    informative: true,
  });
  const b = new DatasetBuilder();
  for (let u = 0; u < p.ui.rows; u++)
    for (let q = p.ui.indptr[u]; q < p.ui.indptr[u + 1]; q++) b.addOne(`u${u}`, `i${p.ui.indices[q]}`, 1, 1000 + q);
  const d = b.build();
  d.side = {
    items: d.itemIds.map((id) => ({ itemId: id, categories: [`c${Number(id.slice(1)) % CLUSTERS}`], properties: {} })),
  };
  const m = trainPipeline(d, {
    kind: 'neural',
    params: { als: { factors: 8, iterations: 4 }, candidates: 20, epochs: 2 },
    tune: false,
    budgetSeconds: 60,
    seed: 42,
    split: 'user',
    evaluate: true,
    version: '20260101T000002Z-000002',
    createdAt: '2026-01-01T00:00:00.000Z',
  }).model;
  return { ...m, manifest: { ...m.manifest, calibration: { ...m.manifest.calibration, source: 'network' } } };
}
/** Trained on little data, its retrieval Platt decreases with the score (a < 0): no score bound exists. */
const NEURAL = neural();
/** The same network with an increasing Platt that lifts non-candidates (scores below −1) over the candidates' P. */
const LIFTED: Model = {
  ...NEURAL,
  manifest: {
    ...NEURAL.manifest,
    version: '20260101T000002Z-000004',
    calibration: { ...NEURAL.manifest.calibration, a: 1, b: 0 },
  },
};

const aws = useEmbeddedAws();
let ingest: LambdaHttpHandler;
let recommend: LambdaHttpHandler;
let models: S3ModelStore;

const EXPERIMENT = 'fuzz';
const VARIANTS = [
  { name: 'control', share: 20 },
  { name: 'neural', share: 20, pipeline: { modelVersion: NEURAL.manifest.version } },
  { name: 'lifted', share: 15, pipeline: { modelVersion: LIFTED.manifest.version } },
  { name: 'retrieval', share: 15, pipeline: { modelVersion: NEURAL.manifest.version, ranker: false } },
  { name: 'ease', share: 15, pipeline: { kind: 'ease' } },
  { name: 'calibrated', share: 15, pipeline: { calibrate: 0.5, filter: 'price < 80' } },
];
const variantOf = (userId: string, variants = VARIANTS) =>
  assignVariant({ experimentId: EXPERIMENT, variants: variants as any }, userId).name;

const startExperiment = async (variants: object[]) => {
  const res = await call(ingest, { method: 'PUT', path: `/experiments/${EXPERIMENT}`, body: { variants } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};

beforeAll(async () => {
  models = new S3ModelStore(s3Client(), aws().bucketName);
  for (const m of [OLD, NEURAL, LIFTED, LATEST]) await publishModel(models, 'models/', m, { keep: 5 });
  const store = new DynamoInteractionStore(dynamoDocumentClient(), aws().tableName);
  for (let i = 0; i < 48; i += 12)
    await Promise.all(
      Array.from({ length: 12 }, (_, j) =>
        store.putItem({
          itemId: `i${i + j}`,
          available: true,
          categories: [`c${(i + j) % CLUSTERS}`],
          properties: { price: (i + j) * 3 },
        }),
      ),
    );
  // new catalog items (no interactions): scored from their metadata, in exploration slots, rank and similar
  const fresh: [string, string[], Record<string, unknown>, boolean][] = [
    ['new-0', ['c0'], { price: 10 }, true],
    ['new-1', ['c1', 'c2'], { price: 0, 'ü-東京': { deep: [1, null, 'x'] } }, true],
    ['new-2', [], {}, true],
    ['new-3', ['C3', 'unseen-category'], { price: 1e-130, tags: [] }, true],
    ['new-4', ['c0'], { price: 5 }, false],
  ];
  const now = Date.now();
  for (const [itemId, categories, properties, available] of fresh)
    await store.putItem({ itemId, categories, properties, available }, now);
  const env = { ...aws().env, ATTUNE_AUTH_MODE: 'none', ATTUNE_MODEL_PREFIX: 'models/' };
  ingest = await loadHandler('../../functions/ingest/handler', env);
  recommend = await loadHandler('../../functions/recommend/handler', { ...env, ATTUNE_MODEL_REFRESH_SECONDS: '0' });
  await startExperiment(VARIANTS);
}, 60_000);

const get = (path: string) => call(recommend, { method: 'GET', path });
const ids = (r: HttpResult) => (r.body.items as { itemId: string }[]).map((x) => x.itemId);
const encode = percentEncode;

// an empty id leaves the path without a segment: no route matches it (404, API Gateway's own answer)
const users = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 70 }).map((u) => `u${u}`) },
  { weight: 1, arbitrary: nastyString.filter((s) => s !== '') },
);

describe('generated from the document, with an experiment running', () => {
  it('GET recommendations: a documented status; a 200 honours k, minProbability and exclude', async () => {
    const op = operation('GET', '/users/{userId}/recommendations');
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(users, queryText(op), async (user, query) => {
        const res = await get(`/users/${encode(user)}/recommendations?${query}`);
        const what = `${user} ?${query}`;
        expectContract(res, op, what);
        if (res.status !== 200) return;
        answered++;
        const q = new URLSearchParams(query);
        const k = q.has('k') ? Number(q.get('k')) : 10;
        expect(res.body.items.length, what).toBeLessThanOrEqual(k);
        for (const [i, it] of res.body.items.entries()) expect(it.position).toBe(i + 1);
        const minP = Number(q.get('minProbability') ?? 0);
        if (minP > 0) for (const it of res.body.items) expect(it.probability, what).toBeGreaterThanOrEqual(minP);
        const excluded = new Set((q.get('exclude') ?? '').split(','));
        for (const id of ids(res)) expect(excluded.has(id), what).toBe(false);
        // an unavailable catalog item is never answered, from the model or as a new item
        expect(ids(res), what).not.toContain('new-4');
      }),
      { seed: 1820, numRuns: 50 },
    );
    // most generated queries are valid: the checks above ran on answers, not only on refusals
    expect(answered).toBeGreaterThan(10);
  });

  it('POST rank and GET similar: a documented status with the standard body', async () => {
    const rank = operation('POST', '/users/{userId}/rank');
    const similar = operation('GET', '/items/{itemId}/similar');
    const schema = rank.requestBody.content['application/json'].schema;
    const itemIds = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 60 }).map((i) => `i${i}`),
        fc.integer({ min: 0, max: 5 }).map((i) => `new-${i}`),
      ),
      { minLength: 1, maxLength: 8 },
    );
    const bodies = fc.oneof(
      itemIds.map((x) => JSON.stringify({ itemIds: [...new Set(x)] })),
      fromSchema(schema).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(users, bodies, queryText(similar), async (user, body, query) => {
        const r = await call(recommend, { method: 'POST', path: `/users/${encode(user)}/rank`, body });
        expectContract(r, rank, `${user} ${body}`);
        if (r.status === 200) {
          // every candidate is answered once (unknown ones last); a filter leaves out those it does not match
          const asked = JSON.parse(body);
          const answered = ids(r);
          expect(new Set(answered).size).toBe(answered.length);
          if (asked.filter === undefined && asked.filterName === undefined)
            expect(new Set(answered)).toEqual(new Set(asked.itemIds));
          else for (const id of answered) expect(asked.itemIds).toContain(id);
        }
        const item = user.replace(/^u(\d)/, (_m, d) => (Number(d) % 2 ? `new-${d}` : `i${d}`));
        const s = await get(`/items/${encode(item)}/similar?${query}`);
        expectContract(s, similar, `${user} ?${query}`);
      }),
      { seed: 1821, numRuns: 20 },
    );
  });
});

describe('targeted nasties on the query', () => {
  it('numbers as strings, NaN, 1e309, empty lists, deep filters, prototype names: a documented 4xx or a 200', async () => {
    const op = operation('GET', '/users/{userId}/recommendations');
    const queries = [
      'k=1e2',
      'k=%20',
      'k=-1',
      'k=0',
      'k=101',
      'k=007',
      'k=1.0',
      'minProbability=NaN',
      'minProbability=1e-400',
      'minProbability=1e309',
      'minProbability=.5',
      'minProbability=1.0000',
      'minProbability=-0',
      'diversity=Infinity',
      'calibrate=1&diversity=0',
      'explore=true',
      'explore=',
      'exclude=',
      'exclude=,,',
      `exclude=${'i1,'.repeat(600)}`,
      'category=%00',
      'category=%EF%BF%BD',
      `filter=${'('.repeat(2000)}`,
      `filter=${'a%3D%3D1%20%26%26%20'.repeat(300)}a==1`,
      'filter=price%20%3C%2050',
      'filterName=__proto__',
      'filterName=constructor',
      'promotions=yes',
      '__proto__=1',
      'maxPerCategory=1&diversity=1&minProbability=0.999&category=c1&excludeCategory=c1',
    ];
    for (const q of queries)
      for (const user of ['u1', 'u3', 'nobody']) {
        const res = await get(`/users/${user}/recommendations?${q}`);
        expectContract(res, op, `${user} ?${q.slice(0, 80)}`);
        expect([200, 400], `${user} ?${q.slice(0, 80)}`).toContain(res.status);
      }
  });
});

describe('minProbability under the network calibration', () => {
  it('is a filter inside the selection: the k best of what reaches p, whatever the Platt map', async () => {
    const of = (v: string) => Array.from({ length: 60 }, (_, u) => `u${u}`).filter((u) => variantOf(u) === v);
    const chosen = [...of('neural').slice(0, 4), ...of('lifted').slice(0, 4)];
    expect(chosen.length).toBe(8);
    const everything = new Map<string, HttpResult>();
    for (const u of chosen) {
      const all = await get(`/users/${u}/recommendations?k=100&explore=0`);
      expect(all.body.servedBy).toMatchObject({ kind: 'neural', ranker: true });
      everything.set(u, all);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...chosen),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 10 }),
        async (user, milli, k) => {
          const p = milli / 1000;
          const some = await get(`/users/${user}/recommendations?k=${k}&explore=0&minProbability=${p}`);
          const all = everything.get(user)!.body.items as { itemId: string; probability: number }[];
          const want = all.filter((it) => it.probability >= p).slice(0, k);
          expect(ids(some), `${user} p=${p} k=${k}`).toEqual(want.map((it) => it.itemId));
        },
      ),
      { seed: 1822, numRuns: 15 },
    );
  });
});

describe("a variant's pipeline under the request's own parameters", () => {
  const only = (pipeline: object) => [
    { name: 'control', share: 0 },
    { name: 'all', share: 100, pipeline },
  ];

  it("a request's diversity replaces a variant's calibrate (they re-rank the same list): the request wins", async () => {
    const users = ['u1', 'u2', 'u3', 'u7'];
    expect((await call(ingest, { method: 'DELETE', path: `/experiments/${EXPERIMENT}` })).status).toBe(200);
    const plain = await Promise.all(users.map((u) => get(`/users/${u}/recommendations?k=8&explore=0&diversity=1`)));
    const calibrated = await Promise.all(
      users.map((u) => get(`/users/${u}/recommendations?k=8&explore=0&calibrate=1`)),
    );
    // the control: calibrate changes these lists, so a variant's calibrate that leaked would show
    expect(calibrated.map(ids)).not.toEqual(plain.map(ids));
    await startExperiment(only({ calibrate: 1 }));
    for (const [i, u] of users.entries()) {
      const res = await get(`/users/${u}/recommendations?k=8&explore=0&diversity=1`);
      expect([res.status, res.body.variant]).toEqual([200, `${EXPERIMENT}:all`]);
      expect(ids(res), u).toEqual(ids(plain[i]));
    }
    await startExperiment(VARIANTS);
  });
});

describe("a variant's model gone from the bucket", () => {
  it('an artifact missing, then the whole version pruned: 200 from the latest model, servedBy says why', async () => {
    await startExperiment([
      { name: 'control', share: 0 },
      { name: 'old', share: 100, pipeline: { modelVersion: OLD.manifest.version } },
    ]);
    const pinned = await get('/users/u4/recommendations?k=3');
    expect([pinned.body.modelVersion, pinned.body.servedBy?.fallback]).toEqual([OLD.manifest.version, undefined]);
    const files = await models.list(`models/${OLD.manifest.version}/`);
    // a fresh instance loads the version again: the item factors are gone
    const fresh = await loadHandler('../../functions/recommend/handler', {
      ...aws().env,
      ATTUNE_AUTH_MODE: 'none',
      ATTUNE_MODEL_PREFIX: 'models/',
      ATTUNE_MODEL_REFRESH_SECONDS: '0',
    });
    await models.delete(files.filter((f) => f.endsWith('item_factors.f32')));
    for (const step of ['artifact missing', 'version pruned']) {
      for (const path of ['/users/u4/recommendations?k=3', '/users/u5/recommendations?k=3&minProbability=0.1']) {
        const res = await call(fresh, { method: 'GET', path });
        expect(res.status, `${step} ${path}`).toBe(200);
        expect(res.body.modelVersion).toBe(LATEST.manifest.version);
        expect(res.body.servedBy).toMatchObject({ requested: `version:${OLD.manifest.version}` });
        expect(res.body.servedBy.fallback).toContain(OLD.manifest.version);
      }
      const rank = await call(fresh, { method: 'POST', path: '/users/u4/rank', body: { itemIds: ['i1', 'i2'] } });
      expect([rank.status, rank.body.servedBy?.fallback === undefined]).toEqual([200, false]);
      const health = await call(fresh, { method: 'GET', path: '/health' });
      expect([health.status, health.body.status]).toEqual([200, 'degraded']);
      expect(health.body.reasons.join(' ')).toContain(OLD.manifest.version);
      await models.delete(files);
    }
    await startExperiment(VARIANTS);
  });
});

describe('the model bucket down before any model was read', () => {
  it('503 model_unavailable with Retry-After that blames the store, not a missing publish', async () => {
    const real = process.env.AWS_ENDPOINT_URL_S3;
    process.env.AWS_ENDPOINT_URL_S3 = 'http://127.0.0.1:9';
    try {
      const down = await loadHandler('../../functions/recommend/handler', {
        ...aws().env,
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
        ATTUNE_AUTH_MODE: 'none',
        ATTUNE_MODEL_PREFIX: 'models/',
        ATTUNE_MODEL_REFRESH_SECONDS: '0',
      });
      const res = await call(down, { method: 'GET', path: '/users/u1/recommendations?k=3' });
      expectContract(res, operation('GET', '/users/{userId}/recommendations'), 'S3 down');
      expect([res.status, res.body.error.code]).toEqual([503, 'model_unavailable']);
      // models are published (beforeAll): "none published yet" would send an operator the wrong way
      expect(res.body.error.message).not.toMatch(/published/);
      expect(res.body.error.message).toMatch(/could not be read/);
      const health = await call(down, { method: 'GET', path: '/health' });
      expect(health.body.reasons.join(' ')).toMatch(/model refresh failing/);
    } finally {
      process.env.AWS_ENDPOINT_URL_S3 = real;
    }
  });
});

describe('the table down before the experiments were read', () => {
  it('GET /metrics/online is 503 with Retry-After, not a 200 whose A/B report silently lacks the running experiment', async () => {
    const real = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
    try {
      const down = await loadHandler('../../functions/recommend/handler', {
        ...aws().env,
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
        ATTUNE_AUTH_MODE: 'none',
        ATTUNE_MODEL_PREFIX: 'models/',
        ATTUNE_MODEL_REFRESH_SECONDS: '0',
      });
      const res = await call(down, { method: 'GET', path: '/metrics/online' });
      expectContract(res, operation('GET', '/metrics/online'), 'table down');
      expect([res.status, res.body.error?.code]).toEqual([503, 'store_unavailable']);
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = real;
    }
  });
});
