/**
 * A variant that pins a model version, through the real Ingest and Recommend
 * handlers on dynalite + s3rver: PUT /experiments checks the version against the
 * model bucket (400 unknown_model_version / unknown_model_kind), and Recommend
 * answers the variant's users with the pinned version while control gets latest.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assignVariant } from '../../shared/experiments/assign';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { publishModel } from '../../shared/model/repository';
import { s3Client } from '../../shared/storage/aws/clients';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { useEmbeddedAws } from '../helpers/aws';
import { call, loadHandler } from '../helpers/handlers';
import { trainFixture } from '../unit/serving/fixture';

const aws = useEmbeddedAws();
const fixture = (seed: number) =>
  trainFixture({ users: 60, items: 40, factors: 8, seed, version: `20260101T00000${seed}Z-00000${seed}` }).model;
const OLD = fixture(1);
const NEW = fixture(2);

let ingest: LambdaHttpHandler;
let recommend: LambdaHttpHandler;

beforeAll(async () => {
  const models = new S3ModelStore(s3Client(), aws().bucketName);
  for (const m of [OLD, NEW]) await publishModel(models, 'models/', m, { keep: 5 });
  const env = { ...aws().env, ATTUNE_AUTH_MODE: 'none', ATTUNE_MODEL_PREFIX: 'models/' };
  ingest = await loadHandler('../../functions/ingest/handler', env);
  recommend = await loadHandler('../../functions/recommend/handler', { ...env, ATTUNE_MODEL_REFRESH_SECONDS: '0' });
});

const put = (pipeline: object) =>
  call(ingest, {
    method: 'PUT',
    path: '/experiments/pin',
    body: JSON.stringify({
      variants: [
        { name: 'control', share: 50 },
        { name: 'old', share: 50, pipeline },
      ],
    }),
  });

describe('a variant pinned to a model version, through the handlers', () => {
  it('PUT checks the model bucket; Recommend answers the variant with the pinned version', async () => {
    const missing = await put({ modelVersion: '20250101T000000Z-abcdef' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('unknown_model_version');
    const kind = await put({ kind: 'svd' });
    expect([kind.status, kind.body.error.code]).toEqual([400, 'unknown_model_kind']);
    const ok = await put({ modelVersion: OLD.manifest.version });
    expect(ok.status).toBe(200);

    const exp = { experimentId: 'pin', variants: ok.body.variants };
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const seen = new Set<string>();
    for (const u of users) {
      const r = await call(recommend, { method: 'GET', path: `/users/${u}/recommendations?k=3` });
      expect(r.status).toBe(200);
      const variant = assignVariant(exp, u).name;
      seen.add(variant);
      expect(r.body.variant).toBe(`pin:${variant}`);
      expect(r.body.modelVersion).toBe(variant === 'old' ? OLD.manifest.version : NEW.manifest.version);
      if (variant === 'old')
        expect(r.body.servedBy).toEqual({ requested: `version:${OLD.manifest.version}`, kind: 'als', ranker: false });
      else expect(r.body.servedBy).toBeUndefined();
    }
    expect(seen).toEqual(new Set(['control', 'old']));
  });
});
