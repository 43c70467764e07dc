/**
 * Request headers and body encodings through the local API (session 22 review,
 * docs/reliability.md). Before: a gzip body (API Gateway passes it through compressed) was
 * answered 400 invalid_json quoting the compressed bytes; a body with a UTF-8 byte order mark
 * (what Windows tools write) was 400 invalid_json with an invisible character in the message.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useLocalApi } from '../robustness/api-harness';

const api = useLocalApi();
const batch = (userId: string) => ({
  events: [{ eventId: `${userId}-1`, userId, itemId: 'item-1', type: 'click', timestamp: Date.UTC(2026, 0, 1) }],
});
const listed = async (userId: string) => (await api().send('GET', `/users/${userId}/events`)).body.events.length;

describe('body encodings', () => {
  it('a compressed body is 415 unsupported_encoding with the standard body, on every route that reads one', async () => {
    const gz = gzipSync(JSON.stringify(batch('hdr-gzip')));
    for (const coding of ['gzip', 'br', 'GZIP, identity']) {
      const r = await api().send('POST', '/events', new Uint8Array(gz), { 'content-encoding': coding });
      expect(r.status, coding).toBe(415);
      expect(r.body.error.code).toBe('unsupported_encoding');
      expect(r.body.error.message).toMatch(/^content-encoding ".+" is not accepted: send the JSON body uncompressed$/);
    }
    const item = await api().send('PUT', '/items/item-hdr', new Uint8Array(gzipSync('{"title":"x"}')), {
      'content-encoding': 'gzip',
    });
    expect(item.status).toBe(415);
    expect(await listed('hdr-gzip')).toBe(0);
    // identity is no encoding at all
    const plain = await api().send('POST', '/events', JSON.stringify(batch('hdr-id')), {
      'content-encoding': 'identity',
    });
    expect(plain.status).toBe(202);
  });

  it('a UTF-8 byte order mark before the JSON is ignored (RFC 8259 §8.1), the events stored', async () => {
    const r = await api().send('POST', '/events', `\uFEFF${JSON.stringify(batch('hdr-bom'))}`);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ accepted: 1, rejected: [] });
    expect(await listed('hdr-bom')).toBe(1);
  });

  it('held: a Latin-1 body is not UTF-8 and says so per event; the content-type is not what decides', async () => {
    const latin1 = Buffer.from('{"events":[{"userId":"h\xe9","itemId":"item-1","type":"click"}]}', 'latin1');
    const r = await api().send('POST', '/events', new Uint8Array(latin1), {
      'content-type': 'application/json; charset=iso-8859-1',
    });
    expect(r.status).toBe(400);
    expect(r.body.rejected[0].error).toMatch(/U\+FFFD/);
    const form = await api().send('POST', '/events', JSON.stringify(batch('hdr-form')), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(202);
  });
});
