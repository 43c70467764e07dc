/**
 * The local server and pages that are not its own (session 22 review, docs/reliability.md).
 * With auth off every route is an admin's. Before: a page whose name resolves to 127.0.0.1
 * (DNS rebinding) was this server's origin to the browser and could read and erase every
 * user; any site could POST events as text/plain without a preflight. Real requests with the
 * Host and Origin headers a browser sends, to the local API over the embedded stores.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useLocalApi } from '../robustness/api-harness';

const api = useLocalApi();

/** One request with exactly these headers (fetch may not set Host). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: any }> {
  const { port } = new URL(api().url);
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => done({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

const events = (userId: string) =>
  JSON.stringify({
    events: [{ eventId: `${userId}-1`, userId, itemId: 'item-1', type: 'click', timestamp: Date.UTC(2026, 0, 1) }],
  });
const count = async (userId: string) =>
  (await send('GET', `/users/${userId}/events`, { host: '127.0.0.1' })).body.events.length as number;

describe('requests from pages that are not the local server', () => {
  it('a rebound Host is 403 foreign_origin on API routes, the status page and the demo; nothing is written', async () => {
    for (const [method, path, body] of [
      ['POST', '/events', events('o-rebind')],
      ['GET', '/users/o-rebind/events', undefined],
      ['DELETE', '/users/user-1', undefined],
      ['GET', '/', undefined],
      ['GET', '/status.json', undefined],
    ] as const) {
      const r = await send(method, path, { host: 'attacker.example:3000' }, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error).toEqual({
        code: 'foreign_origin',
        message: 'Host "attacker.example:3000" is not this local server (use 127.0.0.1 or localhost)',
      });
    }
    expect(await count('o-rebind')).toBe(0);
  });

  it("another site's text/plain POST (no preflight) is refused; so is a file:// page's (Origin: null)", async () => {
    for (const origin of ['https://attacker.example', 'null', 'http://127.0.0.1.attacker.example']) {
      const r = await send(
        'POST',
        '/events',
        { host: '127.0.0.1', origin, 'content-type': 'text/plain' },
        events('o-csrf'),
      );
      expect(r.status, origin).toBe(403);
      expect(r.body.error.code).toBe('foreign_origin');
    }
    expect(await count('o-csrf')).toBe(0);
  });

  it("the server's own pages, loopback names and clients without a browser's headers are served", async () => {
    const { port } = new URL(api().url);
    const own: Record<string, string>[] = [
      { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` },
      { host: `localhost:${port}`, origin: `http://localhost:${port}` },
      { host: `[::1]:${port}`, origin: `http://[::1]:${port}` },
      { host: `shop.localhost:${port}`, origin: 'http://localhost:5173' },
      { host: '127.0.0.1' },
    ];
    for (const [i, headers] of own.entries()) {
      const r = await send('POST', '/events', { ...headers, 'content-type': 'application/json' }, events(`o-own-${i}`));
      expect(r.status, JSON.stringify(headers)).toBe(202);
    }
  });
});
