/**
 * The error contract (issue 9 §4, §3 third bullet): one shape everywhere.
 * Black box through the local API with the JWT authorizer emulated, and the
 * HTTP layer over a store that fails in each classified way.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueToken, LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../infra/local/jwt';
import type { Interaction } from '../../shared/events';
import { createHttpHandler, type LambdaHttpHandler } from '../../shared/http/api';
import { experimentRoutes } from '../../shared/experiments/routes';
import { MemoryExperimentStore } from '../../shared/experiments/store';
import { ingestRoutes } from '../../shared/ingest/routes';
import {
  StoreInputError,
  StoreMisconfiguredError,
  StoreUnavailableError,
  type PutEventsResult,
} from '../../shared/ports/interactions';
import { MemoryInteractionStore } from '../../shared/storage/memory/interactions';
import { call } from '../helpers/handlers';
import { useLocalApi } from './api-harness';

const api = useLocalApi({ authMode: 'jwt' });
const admin = () => issueToken(api().stack.signingKey!, 'ops', { admin: true });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('401 from the JWT authorizer emulation is what API Gateway answers', () => {
  const expect401 = (res: Awaited<ReturnType<ReturnType<typeof api>['send']>>, challenge: string) => {
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"message":"Unauthorized"}');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('www-authenticate')).toBe(challenge);
    expect(res.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  };

  it('no token: a bare Bearer challenge', async () => {
    expect401(await api().send('GET', '/users/alice/events'), 'Bearer');
  });

  it('a token for another audience: API Gateway’s documented description', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(LOCAL_ISSUER)
      .setAudience('someone-else')
      .setExpirationTime('1h')
      .sign(api().stack.signingKey!);
    expect401(
      await api().send('GET', '/users/alice/events', undefined, bearer(token)),
      'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"',
    );
  });

  it('forged, expired and garbage tokens', async () => {
    const forged = await issueToken(new Uint8Array(32).fill(1), 'alice');
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(api().stack.signingKey!);
    const why = (d: string) => `Bearer scope="" error="invalid_token" error_description="${d}"`;
    expect401(
      await api().send('GET', '/users/alice/events', undefined, bearer(forged)),
      why('the token signature is invalid'),
    );
    expect401(await api().send('GET', '/users/alice/events', undefined, bearer(expired)), why('the token has expired'));
    expect401(
      await api().send('GET', '/users/alice/events', undefined, bearer('x.y.z')),
      why('the token is malformed'),
    );
  });
});

describe('oversize bodies: 413 with the standard body for every size a function sees', () => {
  it('POST /events over 256 KB and POST /rank over 512 KB', async () => {
    const token = await admin();
    const events = await api().send(
      'POST',
      '/events',
      { events: [{ userId: 'u', itemId: 'i', type: 'view', pad: 'x'.repeat(300_000) }] },
      bearer(token),
    );
    expect(events.status).toBe(413);
    expect(events.body.error).toMatchObject({ code: 'payload_too_large' });
    const rank = await api().send('POST', '/users/ops/rank', { itemIds: ['x'.repeat(600_000)] }, bearer(token));
    expect(rank.status).toBe(413);
    expect(rank.body.error).toMatchObject({ code: 'payload_too_large' });
  });

  it('over API Gateway’s 10 MB the gateway itself answers, as on AWS', async () => {
    const res = await api().send('POST', '/events', 'x'.repeat(11 * 1024 * 1024), bearer(await admin()));
    expect(res.status).toBe(413);
    expect(res.text).toBe('{"message":"Request Entity Too Large"}');
  });
});

describe('POST /events: all rejected is a 400 with the same per-event list; partial stays 202', () => {
  it('400 invalid_events', async () => {
    const token = await admin();
    const bad = [
      { userId: 'u', itemId: 'i', type: 'teleport' },
      { userId: 'u', type: 'view' },
    ];
    const all = await api().send('POST', '/events', { events: bad }, bearer(token));
    expect(all.status).toBe(400);
    expect(all.body.error.code).toBe('invalid_events');
    const partial = await api().send(
      'POST',
      '/events',
      { events: [...bad, { userId: 'u', itemId: 'i', type: 'view' }] },
      bearer(token),
    );
    expect(partial.status).toBe(202);
    expect(partial.body.accepted).toBe(1);
    expect(all.body.rejected).toEqual(partial.body.rejected);
    expect(all.body.rejected.map((r: any) => r.index)).toEqual([0, 1]);
  });
});

describe('a single-valued query parameter given twice is a 400 that says so', () => {
  it.each([
    ['/users/ops/recommendations?k=3&k=5', 'k: given 2 times; it takes a single value'],
    ['/users/ops/events?limit=1&limit=2&limit=3', 'limit: given 3 times; it takes a single value'],
    ['/items/i1/similar?k=1&k=1', 'k: given 2 times; it takes a single value'],
  ])('%s', async (path, message) => {
    const res = await api().send('GET', path, undefined, bearer(await admin()));
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid_query', message });
  });

  it('list parameters may repeat; health ignores its query', async () => {
    const token = await admin();
    expect(
      (await api().send('GET', '/users/ops/recommendations?exclude=i1&exclude=i2&k=2', undefined, bearer(token)))
        .status,
    ).toBe(200);
    expect((await api().send('GET', '/health?probe=1&probe=2')).status).toBe(200);
  });
});

/** A memory store that fails the way the DynamoDB adapter reports each kind of fault. */
class FaultyStore extends MemoryInteractionStore {
  fault: 'unavailable' | 'input' | 'misconfigured' | 'none' = 'none';
  private raise(): void {
    if (this.fault === 'unavailable')
      throw new StoreUnavailableError('throttled', { retryAfterSeconds: 7, cause: new Error('ThrottlingException') });
    if (this.fault === 'input') throw new StoreInputError('properties.n: the store refused this number');
    if (this.fault === 'misconfigured')
      throw new StoreMisconfiguredError('table missing', { cause: new Error('ResourceNotFoundException') });
  }
  override async listUserEvents(userId: string, opts: { limit: number; cursor?: string }) {
    this.raise();
    return super.listUserEvents(userId, opts);
  }
  override async putEvents(events: Interaction[]): Promise<PutEventsResult> {
    if (this.fault === 'none') return super.putEvents(events);
    if (this.fault === 'input')
      return {
        stored: [],
        failed: [],
        invalid: events.map((_, index) => ({ index, error: 'value: refused by the store' })),
      };
    const error =
      this.fault === 'unavailable'
        ? new StoreUnavailableError('throttled', { retryAfterSeconds: 7 })
        : new StoreMisconfiguredError('access denied', { cause: new Error('AccessDeniedException') });
    // The first event lands, the rest do not.
    await super.putEvents(events.slice(0, 1));
    return { stored: [0], failed: events.slice(1).map((_, i) => i + 1), error };
  }
}

/** Every route the Ingest function serves (functions/ingest/handler.ts composes the same two sets). */
function ingestFunctionRoutes(store: FaultyStore) {
  return { ...ingestRoutes({ store, authMode: 'none' }), ...experimentRoutes({ store: new MemoryExperimentStore() }) };
}

describe('store faults are classified at the HTTP layer, every 5xx logged once with its cause', () => {
  const lines: { level: string; message: string; extra: any }[] = [];
  const logger = {
    info: (message: string, extra: unknown) => lines.push({ level: 'info', message, extra }),
    warn: (message: string, extra: unknown) => lines.push({ level: 'warn', message, extra }),
    error: (message: string, extra: unknown) => lines.push({ level: 'error', message, extra }),
  };
  const store = new FaultyStore();
  const h: LambdaHttpHandler = createHttpHandler('Ingest', ingestFunctionRoutes(store), {
    authMode: 'none',
    adminGroup: 'admin',
    logger: logger as any,
  });
  const batch = { events: [0, 1, 2].map((i) => ({ userId: 'f', itemId: `i${i}`, type: 'view' })) };

  it.each([
    ['unavailable', 503, 'store_unavailable', { 'retry-after': '7' }],
    ['input', 400, 'invalid_value', {}],
    ['misconfigured', 500, 'internal', {}],
  ] as const)('a read that fails as %s → %i %s', async (fault, status, code, headers) => {
    store.fault = fault;
    lines.length = 0;
    const res = await call(h, { method: 'GET', path: '/users/f/events' });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.headers).toMatchObject(headers);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: status >= 500 ? 'error' : 'info', message: 'request' });
    expect(lines[0].extra).toMatchObject({ route: 'GET /users/{userId}/events', status });
    if (status >= 500) expect(lines[0].extra.error).toBeInstanceOf(Error);
    if (fault === 'misconfigured') expect(res.body.error.message).toBe('internal error'); // the cause stays in the log
  });

  it.each([
    ['unavailable', 503, 'store_unavailable'],
    ['misconfigured', 500, 'internal'],
  ] as const)('a write that fails as %s carries accepted, stored, failed and rejected', async (fault, status, code) => {
    store.fault = fault;
    lines.length = 0;
    const res = await call(h, {
      method: 'POST',
      path: '/events',
      body: { events: [...batch.events, { userId: 'f', type: 'x' }] },
    });
    expect(res.status).toBe(status);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code }),
      accepted: 1,
      stored: [0],
      failed: [1, 2],
      rejected: [{ index: 3, error: expect.stringMatching(/^itemId: /) }],
    });
    expect(lines.map((l) => l.level)).toEqual(['error']);
    expect(lines[0].extra.error).toBeInstanceOf(
      fault === 'unavailable' ? StoreUnavailableError : StoreMisconfiguredError,
    );
  });

  it('a bare hand-written event (no request context, no route key) is routed by its path', async () => {
    store.fault = 'none';
    const bare = { version: '2.0', routeKey: '$default', rawPath: '/users/a%20b/events', headers: {} } as any;
    const res = await h(bare, {} as any);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ events: [], cursor: null });
    const nowhere = await h({ ...bare, rawPath: '/nowhere' }, {} as any);
    expect(nowhere.statusCode).toBe(404);
  });

  it('values the store refused are rejected events (400), never a 503', async () => {
    store.fault = 'input';
    const res = await call(h, { method: 'POST', path: '/events', body: batch });
    expect(res.status).toBe(400);
    expect(res.body.rejected).toEqual([0, 1, 2].map((index) => ({ index, error: 'value: refused by the store' })));
  });

  it('the erasure check failing is a 503 that says nothing was stored', async () => {
    const down = new FaultyStore();
    down.erasedAmong = async () => {
      throw new StoreUnavailableError('timeout', { retryAfterSeconds: 3 });
    };
    const h2 = createHttpHandler('Ingest', ingestFunctionRoutes(down), {
      authMode: 'none',
      adminGroup: 'admin',
      logger: logger as any,
    });
    const res = await call(h2, { method: 'POST', path: '/events', body: batch });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body).toMatchObject({ accepted: 0, stored: [], failed: [0, 1, 2], rejected: [] });
    expect(res.body.error.message).toMatch(/^no event was stored/);
  });
});
