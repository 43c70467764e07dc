/**
 * Logging (issue 10 §6, issue 11 §1): one line per request at the default
 * level, with the route key, status, latency and request id; never a user id
 * (not even inside a path), an IP address or a user agent — on success, on
 * 4xx and on 5xx alike. Drives the real Ingest and Recommend handlers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { publishModel } from '../../shared/model/repository';
import { s3Client } from '../../shared/storage/aws/clients';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { useEmbeddedAws } from '../helpers/aws';
import { call, loadHandler } from '../helpers/handlers';
import type { HttpEventInput } from '../../infra/local/http-event';
import { trainFixture } from '../unit/serving/fixture';

const aws = useEmbeddedAws();
const captured: string[] = [];
const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

let ingest: LambdaHttpHandler;
let recommend: LambdaHttpHandler;
let ingestJwt: LambdaHttpHandler;
let fx: ReturnType<typeof trainFixture>;
beforeAll(async () => {
  fx = trainFixture({ users: 60, items: 30, clusters: 3, factors: 8 });
  await publishModel(new S3ModelStore(s3Client(), aws().bucketName), 'models/', fx.model, { keep: 2 });
  process.stdout.write = ((chunk: unknown) => (captured.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (captured.push(String(chunk)), true)) as typeof process.stderr.write;
  const env = { ATTUNE_AUTH_MODE: 'none', POWERTOOLS_LOG_LEVEL: 'INFO', ATTUNE_MODEL_PREFIX: 'models/' };
  ingest = await loadHandler('../../functions/ingest/handler', env);
  recommend = await loadHandler('../../functions/recommend/handler', env);
  ingestJwt = await loadHandler('../../functions/ingest/handler', { ...env, ATTUNE_AUTH_MODE: 'jwt' });
}, 60_000);
afterAll(() => {
  process.stdout.write = write.out;
  process.stderr.write = write.err;
});

/**
 * What the handlers wrote, less Powertools Metrics' own notice when an
 * invocation stored no metric (metrics are disabled under test; EMF lines
 * would be metrics, not logs).
 */
const logLines = () =>
  captured
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('No application metrics to publish') && !l.includes('"_aws"'));

/** User ids chosen to be findable in any log line, plain or percent-encoded. */
const USERS = ['alice-7f3e9a', 'bob zeta-51c2', 'carol%dd-0b41', 'dave/ee-93aa'];
const encoded = (u: string) => encodeURIComponent(u);

function requests(): [LambdaHttpHandler, HttpEventInput][] {
  const item = fx.model.itemIds[0];
  const out: [LambdaHttpHandler, HttpEventInput][] = [];
  for (const u of USERS) {
    const events = [
      { userId: u, itemId: item, type: 'view' },
      { userId: u, itemId: 'i2', type: 'rating', value: 4 },
      { userId: u, itemId: 'bad', type: 'teleport' },
    ];
    out.push(
      [ingest, { method: 'POST', path: '/events', body: { events } }],
      [ingest, { method: 'POST', path: '/events', body: { events: [{ userId: u, itemId: 'x', type: 'nope' }] } }],
      [ingest, { method: 'GET', path: `/users/${encoded(u)}/events?limit=5` }],
      [ingest, { method: 'GET', path: `/users/${encoded(u)}/events?limit=0` }],
      [ingest, { method: 'GET', path: `/users/${encoded(u)}/events?cursor=bogus` }],
      [ingestJwt, { method: 'GET', path: `/users/${encoded(u)}/events`, claims: { sub: 'someone-else' } }],
      [
        ingestJwt,
        { method: 'POST', path: '/events', claims: { sub: u }, body: { events: [{ itemId: 'i1', type: 'view' }] } },
      ],
      [recommend, { method: 'GET', path: `/users/${encoded(u)}/recommendations?k=3` }],
      [recommend, { method: 'GET', path: `/users/${encoded(u)}/recommendations?k=3&k=4` }],
      [recommend, { method: 'POST', path: `/users/${encoded(u)}/rank`, body: { itemIds: [item, 'zz'] } }],
      [ingest, { method: 'DELETE', path: `/users/${encoded(u)}` }],
      [ingest, { method: 'DELETE', path: `/users/${encoded(u)}/erasure` }],
    );
  }
  out.push(
    [recommend, { method: 'GET', path: `/items/${item}/similar?k=3` }],
    [recommend, { method: 'GET', path: '/health' }],
    [ingest, { method: 'GET', path: '/users/%FF/events' }],
    [ingest, { method: 'PATCH', path: `/users/${encoded(USERS[0])}` }],
  );
  return out;
}

describe('request logging', () => {
  it('one line per request, with route key, status, latency and request id; no user id, IP or user agent', async () => {
    const reqs = requests();
    captured.length = 0;
    const statuses: number[] = [];
    for (const [h, input] of reqs) {
      statuses.push((await call(h, { ...input, headers: { 'user-agent': 'Mozilla/5.0 TestAgent/9.9' } })).status);
    }
    const lines = logLines();
    const records = lines.map((l) => JSON.parse(l));
    const requestLines = records.filter((r) => r.message === 'request');
    expect(requestLines).toHaveLength(reqs.length);
    expect(lines).toHaveLength(reqs.length); // nothing else at the default level
    expect(requestLines.map((r) => r.status)).toEqual(statuses);
    expect(new Set(statuses).size).toBeGreaterThan(4); // successes and several kinds of failure
    for (const r of requestLines) {
      expect(typeof r.route).toBe('string');
      expect(r.route === '-' || /^(GET|POST|PUT|DELETE) \//.test(r.route)).toBe(true);
      expect(typeof r.ms).toBe('number');
      expect(typeof r.requestId).toBe('string');
    }
    const all = lines.join('\n');
    for (const u of USERS) {
      expect(all).not.toContain(u);
      expect(all).not.toContain(encoded(u));
    }
    for (const leak of ['127.0.0.1', 'sourceIp', 'TestAgent', 'userAgent', 'rawPath']) expect(all).not.toContain(leak);
    expect(all).not.toMatch(/\/users\/[^{]/); // route keys only: /users/{userId}/…
  });

  it('a 5xx is still one line, at error level, with the cause', async () => {
    const real = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
    try {
      const down = await loadHandler('../../functions/ingest/handler', {
        ATTUNE_AUTH_MODE: 'none',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      captured.length = 0;
      const res = await call(down, { method: 'GET', path: `/users/${encoded(USERS[1])}/events` });
      expect(res.status).toBe(503);
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = real;
    }
    const lines = logLines().map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'request',
      route: 'GET /users/{userId}/events',
      status: 503,
    });
    expect(lines[0].error).toBeDefined();
    expect(JSON.stringify(lines[0])).not.toContain(USERS[1]);
  });
});
