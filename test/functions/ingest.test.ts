/** The Ingest handler end to end against dynalite: real SDK, real router, real table. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { useEmbeddedAws } from '../helpers/aws';
import { call, type HttpResult, loadHandler } from '../helpers/handlers';

const HANDLER = '../../functions/ingest/handler';
useEmbeddedAws();
let h: LambdaHttpHandler;
beforeAll(async () => {
  h = await loadHandler(HANDLER, { ATTUNE_AUTH_MODE: 'none' });
});

const events = (userId: string, n: number, start = 0) =>
  Array.from({ length: n }, (_, i) => ({
    eventId: `${userId}-e${start + i}`,
    userId,
    itemId: `item-${(start + i) % 13}`,
    type: 'view',
    timestamp: Date.UTC(2026, 0, 1) + (start + i) * 1000,
  }));

async function allEvents(userId: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(h, {
      method: 'GET',
      path: `/users/${encodeURIComponent(userId)}/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    });
    expect(res.status).toBe(200);
    out.push(...res.body.events);
    cursor = res.body.cursor;
  } while (cursor);
  return out;
}

describe('POST /events', () => {
  it('stores a batch of 100 and lists it newest first', async () => {
    const res = await call(h, { method: 'POST', path: '/events', body: { events: events('u100', 100) } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 100, rejected: [] });
    const stored = await allEvents('u100');
    expect(stored).toHaveLength(100);
    expect(stored[0]).toMatchObject({
      eventId: 'u100-e99',
      itemId: 'item-8',
      type: 'view',
      value: null,
      timestamp: '2026-01-01T00:01:39.000Z',
    });
    expect(stored.map((e) => e.eventId)).toEqual(
      events('u100', 100)
        .map((e) => e.eventId)
        .reverse(),
    );
  });

  it('a retried batch stores nothing twice', async () => {
    const batch = events('retry', 40);
    expect((await call(h, { method: 'POST', path: '/events', body: { events: batch } })).body.accepted).toBe(40);
    expect((await call(h, { method: 'POST', path: '/events', body: { events: batch } })).body.accepted).toBe(40);
    expect(await allEvents('retry')).toHaveLength(40);
  });

  it('derives the same id for the same content when eventId is absent', async () => {
    const ev = { userId: 'derive', itemId: 'x', type: 'like', timestamp: '2026-02-01T10:00:00Z' };
    await call(h, { method: 'POST', path: '/events', body: { events: [ev, ev] } });
    await call(h, { method: 'POST', path: '/events', body: { events: [ev] } });
    const stored = await allEvents('derive');
    expect(stored).toHaveLength(1);
    expect(stored[0].eventId).toMatch(/^d-[0-9a-f]{32}$/);
  });

  it('stores the valid part of a partly invalid batch and names each problem', async () => {
    const now = Date.now();
    const batch = [
      { userId: 'mixed', itemId: 'a', type: 'click' },
      { userId: 'mixed', itemId: 'b', type: 'teleport' },
      { userId: 'mixed', itemId: 'c', type: 'rating' },
      { userId: 'mixed', itemId: 'd', type: 'rating', value: 4 },
      { userId: 'mixed', itemId: 'e', type: 'view', timestamp: now + 10 * 60_000 },
      { userId: 'mixed', itemId: 'f', type: 'view', timestamp: 1_700_000_000 },
      { userId: '', itemId: 'g', type: 'view' },
      { userId: 'mixed', itemId: 'h', type: 'view', properties: { blob: 'x'.repeat(3000) } },
      { userId: 'mixed', itemId: 'i', type: 'view', extra: 1 },
      { userId: 'mixed', itemId: 'j', type: 'view', value: 'NaN' },
      { itemId: 'k', type: 'view' },
      'not an object',
      { userId: 'mixed', itemId: 'l', type: 'purchase', timestamp: 'yesterday' },
    ];
    const res = await call(h, { method: 'POST', path: '/events', body: { events: batch } });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    const byIndex = Object.fromEntries(res.body.rejected.map((r: any) => [r.index, r.error]));
    expect(Object.keys(byIndex).map(Number)).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(byIndex[1]).toMatch(/^type: /);
    expect(byIndex[2]).toBe('value: is required for a rating');
    expect(byIndex[4]).toBe('timestamp: is more than 5 minutes in the future');
    expect(byIndex[5]).toMatch(/before 2000-01-01/);
    expect(byIndex[6]).toBe('userId: must not be empty');
    expect(byIndex[7]).toMatch(/^properties: must serialize to at most 2048 bytes/);
    expect(byIndex[8]).toMatch(/extra/);
    expect(byIndex[9]).toMatch(/^value: /);
    expect(byIndex[10]).toBe('userId: is required');
    expect(byIndex[12]).toMatch(/^timestamp: /);
    expect((await allEvents('mixed')).map((e) => e.itemId).sort()).toEqual(['a', 'd']);
  });

  it('concurrent batches lose nothing', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, b) =>
        call(h, { method: 'POST', path: '/events', body: { events: events('conc', 100, b * 100) } }),
      ),
    );
    expect(results.map((r) => r.body.accepted)).toEqual(Array(8).fill(100));
    expect(await allEvents('conc')).toHaveLength(800);
  });

  it.each([
    ['not JSON', '{"events": [', 400, 'invalid_json'],
    ['no body', undefined, 400, 'missing_body'],
    ['wrong shape', { items: [] }, 400, 'invalid_request'],
    ['events not an array', { events: 'x' }, 400, 'invalid_request'],
    ['empty batch', { events: [] }, 400, 'invalid_request'],
    ['101 events', { events: events('big', 101) }, 400, 'invalid_request'],
    [
      'body over 256 KB',
      JSON.stringify({ events: [{ userId: 'u', itemId: 'i', type: 'view', pad: 'x'.repeat(300_000) }] }),
      413,
      'payload_too_large',
    ],
    ['a JSON array', [1, 2], 400, 'invalid_request'],
  ])('%s → %i %s', async (_name, body, status, code) => {
    const res = await call(h, { method: 'POST', path: '/events', body });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
  });

  it('reads base64-encoded bodies', async () => {
    const res = await call(h, { method: 'POST', path: '/events', body: { events: events('b64', 2) }, base64: true });
    expect(res.body.accepted).toBe(2);
  });
});

describe('GET /users/{userId}/events', () => {
  it.each([
    ['?limit=0', 'invalid_query'],
    ['?limit=101', 'invalid_query'],
    ['?limit=ten', 'invalid_query'],
    ['?cursor=bogus', 'invalid_cursor'],
    ['?colour=red', 'invalid_query'],
  ])('%s → 400 %s', async (qs, code) => {
    const res = await call(h, { method: 'GET', path: `/users/u100/events${qs}` });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  it('pages with a cursor', async () => {
    const first = await call(h, { method: 'GET', path: '/users/u100/events?limit=30' });
    expect(first.body.events).toHaveLength(30);
    const second = await call(h, { method: 'GET', path: `/users/u100/events?limit=30&cursor=${first.body.cursor}` });
    expect(second.body.events[0].eventId).toBe('u100-e69');
  });

  it('an unknown user has no events', async () => {
    const res = await call(h, { method: 'GET', path: '/users/nobody/events' });
    expect(res.body).toEqual({ events: [], cursor: null });
  });
});

describe('DELETE /users/{userId}', () => {
  it("erases exactly that user's events and refuses new ones", async () => {
    await call(h, {
      method: 'POST',
      path: '/events',
      body: { events: [...events('forget-me', 60), ...events('keep-me', 5)] },
    });
    const res = await call(h, { method: 'DELETE', path: '/users/forget-me' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ userId: 'forget-me', deleted: 60 });
    expect(await allEvents('forget-me')).toEqual([]);
    expect(await allEvents('keep-me')).toHaveLength(5);
    const again = await call(h, {
      method: 'POST',
      path: '/events',
      body: { events: [...events('forget-me', 1), ...events('keep-me', 1, 99)] },
    });
    expect(again.body.accepted).toBe(1);
    expect(again.body.rejected).toEqual([
      { index: 0, error: 'userId: this user has been erased; their events are not stored' },
    ]);
  });
});

describe('catalog', () => {
  it('upserts, validates and marks unavailable', async () => {
    const put = await call(h, {
      method: 'PUT',
      path: '/items/sku-1',
      body: { title: 'Blue shoe', categories: ['shoes', 'blue'], properties: { price: 10 } },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      itemId: 'sku-1',
      title: 'Blue shoe',
      categories: ['shoes', 'blue'],
      available: true,
    });
    const bad = await call(h, { method: 'PUT', path: '/items/sku-1', body: { categories: 'shoes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_item' });
    expect(bad.body.error.message).toMatch(/^categories: /);
    const del = await call(h, { method: 'DELETE', path: '/items/sku-1' });
    expect(del.body).toMatchObject({
      itemId: 'sku-1',
      available: false,
      title: 'Blue shoe',
      createdAt: put.body.createdAt,
    });
  });
});

describe('routing', () => {
  it('unknown route → 404, wrong method → 405 with Allow, JSON bodies', async () => {
    const nf = await call(h, { method: 'GET', path: '/nope' });
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('not_found');
    const na = await call(h, { method: 'PATCH', path: '/events' });
    expect(na.status).toBe(405);
    expect(na.body.error.code).toBe('method_not_allowed');
    expect(na.headers.allow).toBe('POST');
  });

  it('a control character in a path id is a 400', async () => {
    const res = await call(h, { method: 'GET', path: '/users/a%01b/events' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_path');
  });
});

describe('store unreachable', () => {
  it('answers 503 with Retry-After and stores nothing it claims', async () => {
    // The SDK resolves its endpoint lazily, so the variable must hold while the calls run.
    const real = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
    let res: HttpResult | undefined;
    let list: HttpResult | undefined;
    try {
      const down = await loadHandler(HANDLER, { ATTUNE_AUTH_MODE: 'none' });
      res = await call(down, { method: 'POST', path: '/events', body: { events: events('down', 3) } });
      list = await call(down, { method: 'GET', path: '/users/down/events' });
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = real;
    }
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(res.body.error.code).toBe('store_unavailable');
    expect(res.body.error.message).toMatch(/no event was stored/);
    expect(res.body).toMatchObject({ accepted: 0, stored: [], failed: [0, 1, 2], rejected: [] });
    expect(list.status).toBe(503);
    expect(await allEvents('down')).toEqual([]);
  });
});

describe('auth (jwt mode, defence in depth)', () => {
  let jh: LambdaHttpHandler;
  beforeAll(async () => {
    jh = await loadHandler(HANDLER, { ATTUNE_AUTH_MODE: 'jwt' });
  });

  it('no token → 401', async () => {
    const res = await call(jh, { method: 'GET', path: '/users/alice/events' });
    expect(res.status).toBe(401);
  });

  it("a token for A cannot read B's events", async () => {
    const res = await call(jh, { method: 'GET', path: '/users/bob/events', claims: { sub: 'alice' } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect((await call(jh, { method: 'GET', path: '/users/alice/events', claims: { sub: 'alice' } })).status).toBe(200);
  });

  it('POST /events takes the user from the token', async () => {
    const res = await call(jh, {
      method: 'POST',
      path: '/events',
      claims: { sub: 'tok-user' },
      body: {
        events: [
          { itemId: 'x', type: 'view' },
          { userId: 'someone-else', itemId: 'y', type: 'view' },
          { userId: 'tok-user', itemId: 'z', type: 'view' },
        ],
      },
    });
    expect(res.body).toEqual({
      accepted: 2,
      rejected: [{ index: 1, error: "userId: does not match the token's subject" }],
    });
    expect((await allEvents('tok-user')).map((e) => e.itemId).sort()).toEqual(['x', 'z']);
  });

  it('catalog and erasure need the admin group', async () => {
    const user = await call(jh, { method: 'DELETE', path: '/users/alice', claims: { sub: 'alice' } });
    expect(user.status).toBe(403);
    const item = await call(jh, { method: 'PUT', path: '/items/z', claims: { sub: 'alice' }, body: { title: 'Z' } });
    expect(item.status).toBe(403);
    const admin = await call(jh, {
      method: 'PUT',
      path: '/items/z',
      claims: { sub: 'ops', 'cognito:groups': ['admin'] },
      body: { title: 'Z' },
    });
    expect(admin.status).toBe(200);
  });
});

describe('logging', () => {
  it('writes structured JSON with the request id and never the free-form properties', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const errWrite = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: any, ...rest: any[]) => (lines.push(String(chunk)), write(chunk, ...rest))) as any;
    process.stderr.write = ((chunk: any, ...rest: any[]) => (
      lines.push(String(chunk)), errWrite(chunk, ...rest)
    )) as any;
    try {
      const verbose = await loadHandler(HANDLER, { ATTUNE_AUTH_MODE: 'none', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
      const secret = 'card-4111-1111-1111-1111';
      await call(verbose, {
        method: 'POST',
        path: '/events',
        body: { events: [{ userId: 'logs', itemId: 'i', type: 'view', properties: { note: secret } }] },
      });
      await call(verbose, {
        method: 'POST',
        path: '/events',
        body: { events: [{ userId: 'logs', itemId: 'i', type: 'bogus', properties: { note: secret } }] },
      });
      const logs = lines.join('');
      expect(logs).not.toContain(secret);
      const request = lines
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find((l) => l.message === 'request');
      expect(request).toMatchObject({ level: 'INFO', route: 'POST /events', status: 202 });
      expect(typeof request.requestId).toBe('string');
    } finally {
      process.stdout.write = write as any;
      process.stderr.write = errWrite as any;
    }
  });
});
