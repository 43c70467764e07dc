/**
 * Auth edge cases through the local API with the JWT authorizer emulated (session 22 review,
 * docs/reliability.md). Before: POST /events stored events under a token subject no path may
 * name (over 128 characters, ".", a control character): 202, then the person could neither
 * read nor erase them (every /users/{userId} route answers 400 invalid_path for that id).
 */
import { describe, expect, it } from 'vitest';
import { issueToken } from '../../infra/local/jwt';
import { useLocalApi } from '../robustness/api-harness';

const api = useLocalApi({ authMode: 'jwt' });
const bearer = async (sub: string, admin = false) => ({
  authorization: `Bearer ${await issueToken(api().stack.signingKey!, sub, { admin })}`,
});
const click = (extra: Record<string, unknown> = {}) => ({
  events: [{ itemId: 'item-1', type: 'click', timestamp: Date.UTC(2026, 0, 1), ...extra }],
});

describe('a token subject is an id like any other', () => {
  it('a subject no path can name: its events are rejected, naming why; a valid one is stored and readable', async () => {
    for (const sub of ['s'.repeat(129), '..', 'tab\there']) {
      const r = await api().send('POST', '/events', click(), await bearer(sub));
      expect(r.status, sub).toBe(400);
      expect(r.body.rejected).toEqual([
        { index: 0, error: expect.stringMatching(/^userId: the token's subject is not a valid id: /) },
      ]);
    }
    // the longest valid subject is stored and readable by its owner
    const ok = await api().send('POST', '/events', click(), await bearer('s'.repeat(128)));
    expect(ok.status).toBe(202);
    const own = await api().send('GET', `/users/${'s'.repeat(128)}/events`, undefined, await bearer('s'.repeat(128)));
    expect(own.body.events).toHaveLength(1);
  });

  it('held: another user in the body is refused; an admin may name any user; no token is 401', async () => {
    const other = await api().send('POST', '/events', click({ userId: 'bob' }), await bearer('alice'));
    expect(other.status).toBe(400);
    expect(other.body.rejected[0].error).toBe("userId: does not match the token's subject");
    const admin = await api().send('POST', '/events', click({ userId: 'bob' }), await bearer('ops', true));
    expect(admin.status).toBe(202);
    const none = await api().send('POST', '/events', click({ userId: 'bob' }));
    expect(none.status).toBe(401);
    // a subject differing only in Unicode normalisation is another user (ids are compared exactly)
    const nfd = await api().send('GET', '/users/caf%C3%A9/events', undefined, await bearer('cafe\u0301'));
    expect(nfd.status).toBe(403);
  });
});
