/** The local API Gateway: request → v2 event → handler result → HTTP response, and the JWT stand-in. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startLocalApi, type LocalApi } from '../../infra/local/api-server';
import { issueToken } from '../../infra/local/jwt';

const key = new Uint8Array(32).fill(7);
const seen: { fn: string; event: APIGatewayProxyEventV2 }[] = [];
let api: LocalApi;
let authApi: LocalApi;

beforeAll(async () => {
  const invoke = async (fn: string, event: APIGatewayProxyEventV2) => {
    seen.push({ fn, event });
    if (event.rawPath === '/items/boom/similar') throw new Error('the function crashed');
    if (event.rawPath === '/health') {
      return {
        statusCode: 200,
        headers: { 'x-a': '1' },
        cookies: ['a=1', 'b=2'],
        body: Buffer.from('binary!').toString('base64'),
        isBase64Encoded: true,
      };
    }
    return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
  };
  api = await startLocalApi({ invoke: invoke as any });
  authApi = await startLocalApi({ invoke: invoke as any, signingKey: key });
});
afterAll(async () => {
  await api.close();
  await authApi.close();
});

describe('start-api conversions', () => {
  it('routes to the owning function with path parameters, query and body', async () => {
    const res = await fetch(`${api.url}/users/u%201/recommendations?k=5&exclude=a&exclude=b`);
    expect(res.status).toBe(201);
    const { fn, event } = seen.at(-1)!;
    expect(fn).toBe('Recommend');
    expect(event.routeKey).toBe('GET /users/{userId}/recommendations');
    // Decoded once, as API Gateway hands path parameters to the function (which never decodes again).
    expect(event.pathParameters).toEqual({ userId: 'u 1' });
    expect(event.queryStringParameters).toEqual({ k: '5', exclude: 'a,b' });
    await fetch(`${api.url}/events`, {
      method: 'POST',
      body: '{"events":[]}',
      headers: { 'content-type': 'application/json' },
    });
    expect(seen.at(-1)!.event.body).toBe('{"events":[]}');
    expect(seen.at(-1)!.fn).toBe('Ingest');
  });

  it('passes binary request bodies base64-encoded', async () => {
    await fetch(`${api.url}/events`, {
      method: 'POST',
      body: new Uint8Array([0, 1, 2]),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const ev = seen.at(-1)!.event;
    expect(ev.isBase64Encoded).toBe(true);
    expect(Buffer.from(ev.body!, 'base64')).toEqual(Buffer.from([0, 1, 2]));
  });

  it('returns headers, cookies and decoded base64 bodies', async () => {
    const res = await fetch(`${api.url}/health`);
    expect(res.headers.get('x-a')).toBe('1');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('binary!');
  });

  it('answers unknown routes 404 and wrong methods 405 in the JSON error shape', async () => {
    const nf = await fetch(`${api.url}/nowhere`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as any).error.code).toBe('not_found');
    const na = await fetch(`${api.url}/health`, { method: 'DELETE' });
    expect(na.status).toBe(405);
    expect(na.headers.get('allow')).toBe('GET');
  });
});

describe('every request on its own', () => {
  it('a crashing function is API Gateway’s 500, and the server keeps serving', async () => {
    const res = await fetch(`${api.url}/items/boom/similar`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"message":"Internal Server Error"}');
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });

  it('a declared body over the limit is 413 before it is read; the route key, never the path, is logged', async () => {
    const lines: string[] = [];
    const small = await startLocalApi({
      invoke: async () => ({ statusCode: 204 }),
      maxBodyBytes: 10,
      log: (l) => lines.push(l),
    });
    try {
      const res = await fetch(`${small.url}/events`, { method: 'POST', body: 'x'.repeat(11) });
      expect(res.status).toBe(413);
      expect(await res.text()).toBe('{"message":"Request Entity Too Large"}');
      expect((await fetch(`${small.url}/users/secret-user/events`)).status).toBe(204);
      expect(lines.join('\n')).toContain('GET /users/{userId}/events → 204');
      expect(lines.join('\n')).not.toContain('secret-user');
    } finally {
      await small.close();
    }
  });
});

describe('JWT authorizer emulation', () => {
  it('rejects missing and forged tokens before the function runs', async () => {
    const before = seen.length;
    expect((await fetch(`${authApi.url}/users/42/events`)).status).toBe(401);
    const forged = await issueToken(new Uint8Array(32).fill(9), '42');
    expect(
      (await fetch(`${authApi.url}/users/42/events`, { headers: { authorization: `Bearer ${forged}` } })).status,
    ).toBe(401);
    expect(seen.length).toBe(before);
  });

  it('hands the verified claims to the handler as API Gateway does', async () => {
    const token = await issueToken(key, '42', { admin: true });
    const res = await fetch(`${authApi.url}/users/42/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(201);
    const claims = (seen.at(-1)!.event.requestContext as any).authorizer.jwt.claims;
    expect(claims.sub).toBe('42');
    expect(claims['cognito:groups']).toBe('[admin]');
  });

  it('leaves public routes open', async () => {
    expect((await fetch(`${authApi.url}/health`)).status).toBe(200);
  });
});
