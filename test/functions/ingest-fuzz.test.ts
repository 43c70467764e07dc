/**
 * Ingest's session 18–19 routes and fields as a hostile or careless client sends them, through
 * the real handler on dynalite + s3rver: PUT /users/{userId}/attributes and POST /events with
 * impressions and attribution fields, generated from docs/openapi.json (fast-check, seeded).
 * Every answer is a documented status with the standard error body; whatever a 2xx accepted
 * is read back (attributes equal, every accepted event with an id listed); a store that is
 * down is a 503 with Retry-After that says what was stored.
 */
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { useEmbeddedAws } from '../helpers/aws';
import { call, loadHandler } from '../helpers/handlers';
import { expectContract, fromSchema, mutate, mutation, nastyString, operation, percentEncode } from './openapi-fuzz';

const aws = useEmbeddedAws();
let ingest: LambdaHttpHandler;
const env = () => ({ ...aws().env, ATTUNE_AUTH_MODE: 'none', ATTUNE_MODEL_PREFIX: 'models/' });

beforeAll(async () => {
  ingest = await loadHandler('../../functions/ingest/handler', env());
});

type Doc = Record<string, any>;
const bodyOf = (op: Doc) => op.requestBody.content['application/json'].schema;
/** The schema's values, one in three with one mutation (a wrong type, a deleted or an extra field). */
const near = (schema: Doc) =>
  fc
    .tuple(fromSchema(schema), fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, mutation))
    .map(([v, m]) => JSON.stringify(m ? mutate(v, m) : v) ?? 'null');
const users = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 30 }).map((u) => `u${u}`) },
  { weight: 1, arbitrary: nastyString.filter((s) => s !== '') },
);

describe('PUT /users/{userId}/attributes, generated from the document', () => {
  it('a documented status; a 200 is what GET answers afterwards', async () => {
    const put = operation('PUT', '/users/{userId}/attributes');
    const get = operation('GET', '/users/{userId}/attributes');
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(users, near(bodyOf(put)), async (user, body) => {
        const path = `/users/${percentEncode(user)}/attributes`;
        const res = await call(ingest, { method: 'PUT', path, body });
        expectContract(res, put, `${user} ${body.slice(0, 300)}`);
        if (res.status !== 200) return;
        stored++;
        const back = await call(ingest, { method: 'GET', path });
        expectContract(back, get, user);
        expect(back.body).toEqual(res.body);
      }),
      { seed: 2006, numRuns: 40 },
    );
    expect(stored).toBeGreaterThan(12);
  });
});

describe('POST /events with impressions and attribution fields, generated from the document', () => {
  it('a documented status; every event a 202 accepted with an id is listed afterwards', async () => {
    const op = operation('POST', '/events');
    const list = operation('GET', '/users/{userId}/events');
    let batches = 0;
    // the document's events, on a few users and items, most with an id, a third of the batches mutated
    const batch = fc
      .tuple(
        fromSchema(bodyOf(op)),
        fc.array(fc.tuple(fc.nat(3), fc.nat(20), fc.nat(3)), { minLength: 100, maxLength: 100 }),
        fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, mutation),
      )
      .map(([v, picks, m]) => {
        const b = v as Doc;
        const run = batches++;
        b.events.forEach((e: Doc, i: number) => {
          const [u, item, id] = picks[i];
          // each batch its own users, so one page (100) lists all of a user's events
          e.userId = `e${run}-${u}`;
          e.itemId = `i${item}`;
          if (id > 0) e.eventId = `ev-${i}-${u}-${item}-${id}`;
          else delete e.eventId;
          // each type's own fields (docs/reliability.md), so most events are valid before the mutation
          if (e.type === 'rating') e.value = 0.5 + (Math.abs(e.value ?? 1) % 4.5);
          else if (e.type === 'purchase' && e.value !== undefined) e.value = Math.abs(e.value);
          else delete e.value;
          if (e.type !== 'impression') for (const k of ['position', 'modelVersion', 'variant']) delete e[k];
          else e.recommendationId ??= '0190d6b2-7a3e-7c4b-9f1e-3b2a1c0d9e8f';
          if (typeof e.timestamp === 'number') e.timestamp = 1_700_000_000_000 + (Math.abs(e.timestamp) % 1e11);
        });
        return JSON.stringify(m ? mutate(b, m) : b) ?? 'null';
      });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(batch, async (body) => {
        const res = await call(ingest, { method: 'POST', path: '/events', body });
        expectContract(res, op, body.slice(0, 300));
        if (res.status !== 202) return;
        const events = JSON.parse(body).events as Doc[];
        const rejected = new Set((res.body.rejected as { index: number }[]).map((r) => r.index));
        expect(res.body.accepted).toBe(events.length - rejected.size);
        accepted += res.body.accepted;
        const byUser = new Map<string, Set<string>>();
        for (const [i, e] of events.entries())
          if (!rejected.has(i) && e.eventId) byUser.set(e.userId, (byUser.get(e.userId) ?? new Set()).add(e.eventId));
        for (const [user, ids] of byUser) {
          const got = await call(ingest, { method: 'GET', path: `/users/${user}/events?limit=100` });
          expectContract(got, list, user);
          const listed = new Set((got.body.events as Doc[]).map((e) => e.eventId));
          for (const id of ids) expect(listed.has(id), `${user} ${id}`).toBe(true);
        }
      }),
      { seed: 2007, numRuns: 20 },
    );
    expect(accepted).toBeGreaterThan(30);
  });
});

describe('the table down', () => {
  it('attributes and experiments: 503 with Retry-After', async () => {
    // The SDK resolves its endpoint lazily, so the variable must hold while the calls run.
    const real = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
    try {
      const down = await loadHandler('../../functions/ingest/handler', {
        ...env(),
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
      });
      const requests: [string, string, unknown?][] = [
        ['PUT', '/users/u1/attributes', { interests: ['coffee'] }],
        ['GET', '/users/u1/attributes'],
        [
          'PUT',
          '/experiments/x',
          {
            variants: [
              { name: 'a', share: 50 },
              { name: 'b', share: 50 },
            ],
          },
        ],
        ['GET', '/experiments/x'],
        ['GET', '/experiments'],
        ['DELETE', '/experiments/x'],
      ];
      for (const [method, path, body] of requests) {
        // every 5xx is one ERROR line with the store error behind it (docs/reliability.md, Logging)
        const lines: string[] = [];
        const [out, err] = [process.stdout.write, process.stderr.write];
        process.stdout.write = process.stderr.write = ((chunk: unknown) => (
          lines.push(String(chunk)), true
        )) as typeof out;
        const res = await call(down, { method, path, body }).finally(() => {
          [process.stdout.write, process.stderr.write] = [out, err];
        });
        const line = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'request');
        expect(line, `${method} ${path}`).toMatchObject({ level: 'ERROR', status: 503 });
        expect(JSON.stringify(line.error), `${method} ${path}`).toContain('ECONNREFUSED');
        const route = path.startsWith('/users')
          ? '/users/{userId}/attributes'
          : path === '/experiments'
            ? path
            : '/experiments/{experimentId}';
        expectContract(res, operation(method, route), `${method} ${path}`);
        expect([res.status, res.body.error.code]).toEqual([503, 'store_unavailable']);
      }
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = real;
    }
  });
});

describe('a write whose answer was lost', () => {
  // a timeout the embedded store cannot produce on demand: the write may have landed
  it('PUT attributes says they may have been stored, and that retrying is safe', async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      mock.on(BatchGetCommand).resolves({ Responses: {} });
      mock.on(PutCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
      const res = await call(ingest, { method: 'PUT', path: '/users/u9/attributes', body: { country: 'DE' } });
      expectContract(res, operation('PUT', '/users/{userId}/attributes'), 'timeout');
      expect(res.status).toBe(503);
      expect(res.body.error.message).not.toMatch(/not stored/);
      expect(res.body.error.message).toMatch(/may have been stored/);
    } finally {
      mock.restore();
    }
  });
});
