/**
 * `npm start -- --auth jwt` / `attune local start-api --auth jwt`: the local
 * authorizer verifies dev tokens and the real handlers enforce subject and
 * admin checks on the claims it passes, as they do behind API Gateway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../infra/local/jwt';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';

let stack: LocalStack;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'attune-auth-'));
  stack = await startLocalStack({ home, port: 0, authMode: 'jwt', env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
});
afterAll(async () => {
  await stack?.stop();
  rmSync(home, { recursive: true, force: true });
});

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(stack.api.url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('local stack with auth on', () => {
  it('a token acts only as its own user; catalog and erasure need admin', async () => {
    const alice = await issueToken(stack.signingKey!, 'alice');
    const admin = await issueToken(stack.signingKey!, 'ops', { admin: true });

    expect((await call('GET', '/users/alice/events')).status).toBe(401);
    const posted = await call('POST', '/events', alice, {
      events: [
        { itemId: 'i1', type: 'click' },
        { userId: 'bob', itemId: 'i2', type: 'click' },
      ],
    });
    expect(posted.body).toEqual({
      accepted: 1,
      rejected: [{ index: 1, error: "userId: does not match the token's subject" }],
    });
    const own = await call('GET', '/users/alice/events', alice);
    expect(own.status).toBe(200);
    expect(own.body.events.map((e: any) => [e.userId, e.itemId])).toEqual([['alice', 'i1']]);
    expect((await call('GET', '/users/bob/events', alice)).status).toBe(403);
    expect((await call('GET', '/users/bob/recommendations', alice)).status).toBe(403);

    expect((await call('PUT', '/items/i1', alice, { title: 'x' })).status).toBe(403);
    expect((await call('PUT', '/items/i1', admin, { title: 'x' })).status).toBe(200);
    expect((await call('DELETE', '/users/alice', alice)).status).toBe(403);
    expect((await call('DELETE', '/users/alice', admin)).body).toEqual({ userId: 'alice', deleted: 1 });
    expect((await call('GET', '/health')).status).toBe(200);
  });
});
