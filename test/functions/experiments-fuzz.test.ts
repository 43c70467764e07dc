/**
 * PUT/GET/DELETE /experiments as a hostile or careless admin would send them, through the
 * real Ingest handler on dynalite + s3rver: bodies generated from docs/openapi.json's schema
 * (fast-check, seeded) plus targeted nasties. Every answer is a documented status with the
 * standard error body; a 200 PUT is read back equal; concurrent writers of one experiment
 * leave the state the last answer describes.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { publishModel } from '../../shared/model/repository';
import { s3Client } from '../../shared/storage/aws/clients';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { useEmbeddedAws } from '../helpers/aws';
import { call, loadHandler } from '../helpers/handlers';
import { trainFixture } from '../unit/serving/fixture';
import { bodyText, expectContract, fromSchema, mutate, mutation, operation } from './openapi-fuzz';

const aws = useEmbeddedAws();
const MODEL = trainFixture({ users: 30, items: 20, factors: 4, seed: 3, version: '20260101T000003Z-000003' }).model;
const PATH = '/experiments/{experimentId}';
let ingest: LambdaHttpHandler;

beforeAll(async () => {
  await publishModel(new S3ModelStore(s3Client(), aws().bucketName), 'models/', MODEL, { keep: 5 });
  const env = { ...aws().env, ATTUNE_AUTH_MODE: 'none', ATTUNE_MODEL_PREFIX: 'models/' };
  ingest = await loadHandler('../../functions/ingest/handler', env);
});

const put = (id: string, body: unknown) =>
  call(ingest, {
    method: 'PUT',
    path: `/experiments/${id}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (id: string) => call(ingest, { method: 'GET', path: `/experiments/${id}` });
const del = (id: string) => call(ingest, { method: 'DELETE', path: `/experiments/${id}` });

type Doc = Record<string, any>;

/**
 * Mostly-valid experiments: the document's values with shares made to sum to 100, names made
 * distinct and models made real (so most writes reach the store), unless `keep` leaves them raw.
 */
const FILTERS = ['price < 50', 'category in ["a", "b"]', 'brand == "ü-東京"', '!(x > 1) && y != null'];

function experiments(schema: Doc): fc.Arbitrary<string> {
  const models = fc.constantFrom(MODEL.manifest.version, 'als', 'ease', 'neural', undefined);
  const mutated = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, mutation);
  return fc.tuple(fromSchema(schema), models, mutated).map(([v, model, m]) => {
    const e = v as Doc;
    let left = 100;
    e.variants.forEach((x: Doc, i: number) => {
      x.name = `v${i}`;
      x.share = i === e.variants.length - 1 ? left : Math.min(left, Math.round(x.share) % 50);
      left -= x.share;
      const p = x.pipeline;
      if (!p) return;
      const named = p.modelVersion !== undefined || p.kind !== undefined;
      delete p.modelVersion;
      delete p.kind;
      if (named && model === MODEL.manifest.version) p.modelVersion = model;
      else if (named && model !== undefined) p.kind = model;
      if (p.filter !== undefined) p.filter = FILTERS[p.filter.length % FILTERS.length];
      if (p.diversity > 0 && p.calibrate > 0) delete p.calibrate;
    });
    if (e.control !== undefined) e.control = 'v0';
    return JSON.stringify(m ? mutate(e, m) : e);
  });
}

describe('PUT /experiments/{experimentId}, generated from the document', () => {
  it('answers a documented status with the standard body; a 200 is read back equal', async () => {
    const op = operation('PUT', PATH);
    const ids = fc.oneof(
      { weight: 9, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/) },
      fc.constantFrom('a%3Ab', '%F0%9F%8E%A7', 'x'.repeat(65)),
    );
    const schema = op.requestBody.content['application/json'].schema;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(ids, fc.oneof(experiments(schema), bodyText(schema)), async (id, body) => {
        const res = await put(id, body);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expectContract(res, op, `PUT ${id} ${body.slice(0, 400)}`);
        // the validator, not the store, refuses what DynamoDB cannot hold, and names the field
        expect(res.body?.error?.code, body.slice(0, 400)).not.toBe('invalid_value');
        if (res.status !== 200) return;
        const back = await get(id);
        expect(back.status).toBe(200);
        expect(back.body).toEqual(res.body);
        expectContract(await del(id), operation('DELETE', PATH), `DELETE ${id}`);
      }),
      { seed: 2020, numRuns: 150 },
    );
    // the generator reaches the store: writes succeed, not only refusals
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
  });
});

const two = (pipeline: object = {}, extra: object = {}) => ({
  variants: [
    { name: 'a', share: 50 },
    { name: 'b', share: 50, pipeline },
  ],
  ...extra,
});

describe('targeted nasties', () => {
  it.each([
    [
      'a share DynamoDB cannot hold',
      {
        variants: [
          { name: 'a', share: 1e-200 },
          { name: 'b', share: 100 },
        ],
      },
      'variants.0.share',
    ],
    ['a baseline below 1e-130', two({}, { baseline: { ctr: 1e-131 } }), 'baseline.ctr'],
    ['a pipeline weight below 1e-130', two({ diversity: 5e-324 }), 'variants.1.pipeline.diversity'],
    ['a description with a lone surrogate', two({}, { description: 'a\ud800b' }), 'description'],
    // serving would apply calibrate and silently drop diversity; a request setting both is a 400 too
    [
      'diversity and calibrate in one pipeline',
      two({ diversity: 0.3, calibrate: 0.5 }),
      'variants.1.pipeline.calibrate',
    ],
  ])('%s: 400 invalid_experiment naming the field', async (_what, body, field) => {
    const res = await put('nasty', body);
    expect([res.status, res.body.error.code]).toEqual([400, 'invalid_experiment']);
    expect(res.body.error.message).toContain(`${field}:`);
    expect((await get('nasty')).status).toBe(404);
  });

  it('wrong shapes and encodings are 4xx with the standard body', async () => {
    const op = operation('PUT', PATH);
    const cases: [string, string | undefined][] = [
      ['[]', undefined],
      ['{"variants":{"0":{"name":"a","share":100}}}', undefined],
      ['{"variants":[{"name":"a","share":"50"},{"name":"b","share":50}]}', undefined],
      ['{"variants":[{"name":"a","share":NaN},{"name":"b","share":50}]}', undefined],
      ['{"variants":[{"name":"a","share":1e309},{"name":"b","share":50}]}', undefined],
      ['{"__proto__":{"status":"running"},"variants":[]}', undefined],
      [`{"description":"${'x'.repeat(1_000_000)}"}`, undefined],
      ['', undefined],
      [JSON.stringify(two({}, { status: 'stopped' })), 'text/plain'],
    ];
    for (const [body, type] of cases) {
      const res = await call(ingest, {
        method: 'PUT',
        path: '/experiments/shape',
        body,
        headers: type ? { 'content-type': type } : undefined,
      });
      expectContract(res, op, body.slice(0, 80));
    }
    // the body is read as JSON whatever its declared type (clients often omit it): not refused
    expect((await get('shape')).body.status).toBe('stopped');
    expect((await del('shape')).status).toBe(200);
    // a duplicate key: JSON.parse keeps the last (RFC 8259 leaves it to the parser); the answer shows which
    const dup = await put(
      'dup',
      '{"status":"running","status":"stopped","variants":[{"name":"a","share":100},{"name":"b","share":0}]}',
    );
    expect([dup.status, dup.body.status]).toEqual([200, 'stopped']);
    expect((await del('dup')).status).toBe(200);
  });

  it('a second running experiment is a documented 409', async () => {
    expect((await put('first', two())).status).toBe(200);
    const res = await put('second', two());
    expectContract(res, operation('PUT', PATH), 'second running');
    expect([res.status, res.body.error.code]).toEqual([409, 'experiment_conflict']);
    expect((await del('first')).status).toBe(200);
  });
});

describe('concurrent writers of one experiment', () => {
  it('two experiments started at once: one runs, the other is a 409 and left as it was', async () => {
    for (let round = 0; round < 6; round++) {
      const [x, y] = [`x${round}`, `y${round}`];
      // y existed, stopped, before the race: a 409 must leave it so
      if (round % 2) expect((await put(y, two({}, { status: 'stopped', description: 'before' }))).status).toBe(200);
      const [a, b] = await Promise.all([put(x, two()), put(y, two())]);
      expect([a.status, b.status].sort(), `round ${round}`).toEqual([200, 409]);
      const running = (await call(ingest, { method: 'GET', path: '/experiments' })).body.experiments.filter(
        (e: Doc) => e.status === 'running',
      );
      expect(running.map((e: Doc) => e.experimentId)).toEqual([a.status === 200 ? x : y]);
      const loser = a.status === 200 ? y : x;
      const left = await get(loser);
      if (loser === y && round % 2)
        expect([left.status, left.body.status, left.body.description]).toEqual([200, 'stopped', 'before']);
      else expect(left.status).toBe(404);
      await del(x);
      await del(y);
    }
  });

  it('PUT and DELETE racing: the final state is the one the last answer describes', async () => {
    for (let round = 0; round < 8; round++) {
      const id = `race${round}`;
      // each round fires PUTs and DELETEs at once; the store applies them in some order
      const ops = [
        put(id, two({}, { status: 'stopped', description: 'p1' })),
        del(id),
        put(id, two({}, { status: 'stopped', description: 'p2' })),
        del(id),
      ];
      const answers = await Promise.all(ops);
      for (const a of answers) expect([200, 404]).toContain(a.status);
      expect(answers[0].status).toBe(200);
      expect(answers[2].status).toBe(200);
      const final = await get(id);
      // whatever the order, the experiment is either gone or exactly one of the documents a PUT answered
      if (final.status === 200) expect([answers[0].body, answers[2].body]).toContainEqual(final.body);
      else expect(final.status).toBe(404);
      const listed = (await call(ingest, { method: 'GET', path: '/experiments' })).body.experiments;
      expect(listed.filter((e: Doc) => e.experimentId === id)).toEqual(final.status === 200 ? [final.body] : []);
      await del(id);
    }
  });
});
