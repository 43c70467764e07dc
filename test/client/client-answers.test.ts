/**
 * The client against the local API (real handlers, dynalite, s3rver) when answers go wrong
 * (session 21 review, docs/reliability.md): a typed call's error carries the code, Retry-After
 * and whether a retry can help; the queue counts a batch as stored only on the API's own answer
 * (an empty 200 or a 204 from a proxy dropped the events, and a 5xx with a malformed `failed`
 * list counted every event stored), and its resend is stored once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneError, createAttuneClient, memoryStorage, type AttuneClient } from '../../clients/typescript/src/index';
import { startTestStack, type TestStack } from './harness';

let t: TestStack;
const clients: AttuneClient[] = [];
beforeAll(async () => {
  t = await startTestStack();
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.close();
  await t?.stop();
});

/** A fetch whose first `n` POST /events reach the API but come back as `answer` (a lost or mangled answer). */
function mangling(n: number, answer: () => Response): { fetch: typeof fetch; posts: () => number } {
  let posts = 0;
  return {
    posts: () => posts,
    fetch: async (input, init) => {
      const req = new Request(input, init);
      const res = await fetch(req);
      if (req.method !== 'POST' || !req.url.endsWith('/events')) return res;
      posts++;
      return posts <= n ? answer() : res;
    },
  };
}

async function stored(userId: string): Promise<string[]> {
  const res = await fetch(`${t.url}/users/${encodeURIComponent(userId)}/events?limit=100`);
  return ((await res.json()) as { events: { eventId: string }[] }).events.map((e) => e.eventId).sort();
}

const client = (o: Partial<Parameters<typeof createAttuneClient>[0]> = {}) => {
  const c = createAttuneClient({
    baseUrl: t.url,
    ...o,
    queue: { storage: memoryStorage(), flushIntervalMs: 0, initialBackoffMs: 30, ...o.queue },
  });
  clients.push(c);
  return c;
};

describe('client: error answers', () => {
  it('a typed call says the code, Retry-After and whether retrying can help', async () => {
    const c = client();
    // no model yet: 503 with Retry-After, worth retrying later
    const unavailable = await c.recommendations('u1').catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(AttuneError);
    expect(unavailable).toMatchObject({ status: 503, code: 'model_unavailable', retryable: true });
    expect((unavailable as AttuneError).retryAfter).toBeGreaterThan(0);
    // a bad query: the same request gets the same answer
    const bad = await c.recommendations('u1', { k: 0 }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 'invalid_query', retryable: false, retryAfter: undefined });
    // a 2xx that is not JSON (a captive portal) is an AttuneError, not a bare SyntaxError
    const portal = client({ fetch: async () => new Response('<html>log in</html>', { status: 200 }) });
    await expect(portal.health()).rejects.toMatchObject({ name: 'AttuneError', status: 200, retryable: false });
  });

  for (const [name, answer] of [
    ['an empty 200', () => new Response('', { status: 200 })],
    ['a 204', () => new Response(null, { status: 204 })],
    ['a 202 of {}', () => Response.json({}, { status: 202 })],
    [
      'a 200 login page',
      () => new Response('<html>log in</html>', { status: 200, headers: { 'content-type': 'text/html' } }),
    ],
    [
      'a 503 whose failed list is not indexes',
      () => Response.json({ error: { code: 'x', message: 'x' }, failed: ['a'] }, { status: 503 }),
    ],
    [
      'a 500 with an empty failed list',
      () => Response.json({ error: { code: 'x', message: 'x' }, stored: [], failed: [] }, { status: 500 }),
    ],
  ] as [string, () => Response][]) {
    it(`${name} keeps the batch; the resend is stored once`, async () => {
      const user = `answers-${name.replace(/\W+/g, '-')}`;
      const m = mangling(1, answer);
      const errors: (number | undefined)[] = [];
      const c = client({ fetch: m.fetch, queue: { onError: (e) => errors.push(e.status) } });
      const ids = [
        c.track({ userId: user, itemId: 'i1', type: 'view' }),
        c.track({ userId: user, itemId: 'i2', type: 'click' }),
      ];
      await c.events.flush();
      // the API stored them, but the client cannot know: it keeps them (before: gone, counted stored)
      expect(c.events.size).toBe(2);
      expect(errors).toHaveLength(1);
      await c.events.drained();
      expect(m.posts()).toBe(2);
      expect(await stored(user)).toEqual([...ids].sort());
    });
  }
});
