/** The experiment admin routes on the memory store: validation with named fields, one running experiment, CRUD. */
import { describe, expect, it } from 'vitest';
import { experimentRoutes } from '../../../shared/experiments/routes';
import { MemoryExperimentStore } from '../../../shared/experiments/store';
import type { ApiRequest } from '../../../shared/http/api';
import type { ApiError } from '../../../shared/http/errors';
import type { Experiment } from '../../../shared/experiments/schema';

const req = (route: string, experimentId?: string, body?: unknown): ApiRequest => ({
  method: route.split(' ')[0],
  route,
  params: experimentId === undefined ? {} : { experimentId },
  query: {},
  headers: {},
  body: body === undefined ? undefined : JSON.stringify(body),
  principal: { authenticated: true, groups: [], scopes: [], isAdmin: true },
  requestId: 'r',
});

const body = (extra: Record<string, unknown> = {}) => ({
  variants: [
    { name: 'control', share: 50 },
    { name: 'diverse', share: 50, pipeline: { diversity: 0.3 } },
  ],
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected a failure');
}

describe('experiment routes', () => {
  const setup = () => {
    let t = Date.UTC(2026, 10, 30);
    const routes = experimentRoutes({ store: new MemoryExperimentStore(), now: () => (t += 1000) });
    return routes;
  };

  it('creates with defaults, replaces keeping createdAt, lists, gets, deletes (200) then 404', async () => {
    const r = setup();
    const created = await r['PUT /experiments/{experimentId}'](req('PUT', 'ab1', body()));
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      experimentId: 'ab1',
      status: 'running',
      control: 'control',
      minDetectableEffect: 0.1,
      alpha: 0.05,
      power: 0.8,
    });
    const replaced = await r['PUT /experiments/{experimentId}'](req('PUT', 'ab1', body({ status: 'stopped' })));
    expect(replaced.status).toBe(200);
    const a = created.body as { createdAt: string; updatedAt: string };
    const b = replaced.body as { createdAt: string; updatedAt: string };
    expect(b.createdAt).toBe(a.createdAt);
    expect(b.updatedAt > a.updatedAt).toBe(true);
    const listed = await r['GET /experiments'](req('GET'));
    expect((listed.body as { experiments: unknown[] }).experiments).toHaveLength(1);
    expect((await r['GET /experiments/{experimentId}'](req('GET', 'ab1'))).body).toEqual(replaced.body);
    const deleted = await r['DELETE /experiments/{experimentId}'](req('DELETE', 'ab1'));
    expect(deleted).toMatchObject({ status: 200, body: { experimentId: 'ab1', deleted: true } });
    expect((await failure(r['GET /experiments/{experimentId}'](req('GET', 'ab1')))).status).toBe(404);
    expect((await failure(r['DELETE /experiments/{experimentId}'](req('DELETE', 'ab1')))).status).toBe(404);
  });

  it('refuses a second running experiment with 409 naming the running one', async () => {
    const r = setup();
    await r['PUT /experiments/{experimentId}'](req('PUT', 'first', body()));
    const err = await failure(r['PUT /experiments/{experimentId}'](req('PUT', 'second', body())));
    expect(err.status).toBe(409);
    expect(err.message).toMatch(/"first" is running/);
    expect((await r['PUT /experiments/{experimentId}'](req('PUT', 'second', body({ status: 'stopped' })))).status).toBe(
      200,
    );
  });

  it.each([
    [{ variants: [{ name: 'a', share: 100 }] }, /variants: needs at least 2 variants/],
    [body({ control: 'nope' }), /control: names no variant/],
    [
      {
        variants: [
          { name: 'a', share: 50 },
          { name: 'b', share: 40 },
        ],
      },
      /variants: shares sum to 90, not 100/,
    ],
    [
      {
        variants: [
          { name: 'a', share: 50 },
          { name: 'a', share: 50 },
        ],
      },
      /variant "a" is named twice/,
    ],
    [
      {
        variants: [
          { name: 'a:b', share: 50 },
          { name: 'b', share: 50 },
        ],
      },
      /variants\.0\.name: must be 1\.\.64/,
    ],
    [
      {
        variants: [
          { name: 'a', share: 50 },
          { name: 'b', share: 50, pipeline: { modelVersion: 'v1' } },
        ],
      },
      /variants\.1\.pipeline: this deployment cannot read models/,
    ],
    [
      {
        variants: [
          { name: 'a', share: 50 },
          { name: 'b', share: 50, pipeline: { modelVersion: 'v1', kind: 'als' } },
        ],
      },
      /variants\.1\.pipeline\.kind: name a modelVersion or a kind, not both/,
    ],
    [
      {
        variants: [
          { name: 'a', share: 25, pipeline: { kind: 'als' } },
          { name: 'b', share: 25, pipeline: { kind: 'ease' } },
          { name: 'c', share: 25, pipeline: { modelVersion: 'v1' } },
          { name: 'd', share: 25, pipeline: { modelVersion: 'v2', ranker: false } },
        ],
      },
      /variants: name at most 3 models \(versions and kinds\) besides the latest; 4 named/,
    ],
    [
      {
        variants: [
          { name: 'a', share: 50 },
          { name: 'b', share: 50, pipeline: { ranker: 'off' } },
        ],
      },
      /variants\.1\.pipeline\.ranker/,
    ],
    [
      {
        variants: [
          { name: 'a', share: 50 },
          { name: 'b', share: 50, pipeline: { diversity: 2 } },
        ],
      },
      /variants\.1\.pipeline\.diversity/,
    ],
    [body({ power: 0.2 }), /power/],
    [body({ colour: 'red' }), /colour/],
  ])('400 for %j', async (b, message) => {
    const err = await failure(setup()['PUT /experiments/{experimentId}'](req('PUT', 'x', b)));
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_experiment');
    expect(err.message).toMatch(message);
  });

  it('checks the models variants name: a published version, a kind this build trains (else 400)', async () => {
    const catalog = { kinds: ['als', 'ease'], versionExists: async (v: string) => v === 'v1' };
    const r = experimentRoutes({ store: new MemoryExperimentStore(), models: catalog });
    const put = (pipeline: object) =>
      r['PUT /experiments/{experimentId}'](
        req('PUT', 'm', {
          variants: [
            { name: 'a', share: 50 },
            { name: 'b', share: 50, pipeline },
          ],
        }),
      );
    const unknownVersion = await failure(put({ modelVersion: 'v9' }));
    expect([unknownVersion.status, unknownVersion.code]).toEqual([400, 'unknown_model_version']);
    expect(unknownVersion.message).toMatch(/variants\.1\.pipeline\.modelVersion: version "v9" is not published/);
    const unknownKind = await failure(put({ kind: 'xgboost' }));
    expect([unknownKind.status, unknownKind.code]).toEqual([400, 'unknown_model_kind']);
    expect(unknownKind.message).toMatch(/"xgboost" is not a kind this build trains \(als, ease\)/);
    const ok = await put({ modelVersion: 'v1', ranker: false });
    expect(ok.status).toBe(200);
    expect((ok.body as Experiment).variants[1].pipeline).toEqual({ modelVersion: 'v1', ranker: false });
    expect((await put({ kind: 'ease', diversity: 0.2 })).status).toBe(200);
    // a ranker choice alone names no model: nothing to check
    expect(
      (
        await experimentRoutes({ store: new MemoryExperimentStore() })['PUT /experiments/{experimentId}'](
          req('PUT', 'r', {
            variants: [
              { name: 'a', share: 50 },
              { name: 'b', share: 50, pipeline: { ranker: false } },
            ],
          }),
        )
      ).status,
    ).toBe(200);
  });

  it('a bad experiment id is 400 invalid_path; a bad filter is 400 naming the variant', async () => {
    expect((await failure(setup()['GET /experiments/{experimentId}'](req('GET', 'a b')))).code).toBe('invalid_path');
    const routes = experimentRoutes({
      store: new MemoryExperimentStore(),
      filterIssue: (e) => (e.includes('(') ? 'calls are not allowed' : null),
    });
    const bad = body();
    (bad.variants[1] as { pipeline?: object }).pipeline = { filter: 'f(x)' };
    const err = await failure(routes['PUT /experiments/{experimentId}'](req('PUT', 'x', bad)));
    expect(err.message).toBe('variants.1.pipeline.filter: calls are not allowed');
  });
});
