/**
 * Values (issue 9 §2): what DynamoDB cannot hold is a 400 naming the field,
 * never a 503 from the store; each event type has a value domain; and, as a
 * property, whatever the validator passes is stored and read back intact.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { MAX_PROPERTIES_BYTES } from '../../shared/ingest/schemas';
import { storableIssues } from '../../shared/ingest/values';
import { useEmbeddedAws } from '../helpers/aws';
import { call, loadHandler } from '../helpers/handlers';

useEmbeddedAws();
let h: LambdaHttpHandler;
beforeAll(async () => {
  h = await loadHandler('../../functions/ingest/handler', { ATTUNE_AUTH_MODE: 'none' });
});

let n = 0;
const view = (extra: Record<string, unknown> = {}) => ({ userId: 'vals', itemId: `i${n++}`, type: 'view', ...extra });
const post = (events: unknown[]) => call(h, { method: 'POST', path: '/events', body: { events } });
const postRaw = (json: string) => call(h, { method: 'POST', path: '/events', body: json });
const deep = (depth: number, leaf = '1') => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

describe('values the store cannot hold are 400 naming the field, and the rest of the batch is stored', () => {
  it.each([
    ['integer beyond 2^53', { properties: { n: 1e20 } }, /^properties\.n: must be within/],
    ['2^53 (what 9007199254740993 parses to)', { properties: { n: 2 ** 53 } }, /^properties\.n: must be within/],
    ['-1e20 in a list', { properties: { l: [1, -1e20] } }, /^properties\.l\.1: must be within/],
    ['1e-200', { properties: { n: 1e-200 } }, /^properties\.n: must be 0 or at least 1e-130/],
    ['5e-324', { properties: { a: { b: 5e-324 } } }, /^properties\.a\.b: must be 0 or at least/],
    ['constructor key', { properties: { constructor: 1 } }, /^properties\.constructor: is a reserved key name/],
    [
      'prototype key deep down',
      { properties: { a: [{ prototype: {} }] } },
      /^properties\.a\.0\.prototype: is a reserved/,
    ],
    ['empty key', { properties: { '': 1 } }, /key names must not be empty/],
    ['9 levels', { properties: JSON.parse(deep(9)) }, /is nested deeper than 8 levels/],
    ['purchase revenue 1e300', { type: 'purchase', value: 1e300 }, /^value: must be within/],
  ])('%s', async (_name, extra, message) => {
    const res = await post([view(), view(extra)]);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toHaveLength(1);
    expect(res.body.rejected[0].index).toBe(1);
    expect(res.body.rejected[0].error).toMatch(message);
  });

  it('a "__proto__" key (as JSON.parse creates it) is refused, not silently dropped', async () => {
    const res = await postRaw(
      `{"events": [{"userId": "vals", "itemId": "p", "type": "view", "properties": {"__proto__": {"x": 1}}}]}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.rejected[0].error).toMatch(/^properties\.__proto__: is a reserved key name/);
  });

  it('8 levels are stored and read back', async () => {
    const properties = JSON.parse(deep(7, '[1]'));
    const res = await post([view({ userId: 'deep8', properties })]);
    expect(res.status).toBe(202);
    const back = await call(h, { method: 'GET', path: '/users/deep8/events' });
    expect(back.body.events[0].properties).toEqual(properties);
  });

  it.each([1_000, 5_000, 40_000])('%i levels of nesting: 400, never a RangeError or 500', async (depth) => {
    const res = await postRaw(
      `{"events": [{"userId": "vals", "itemId": "d", "type": "view", "properties": ${deep(depth)}}]}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.rejected[0].error).toMatch(/nested deeper than 8 levels/);
    const list = await postRaw(`{"events": [${'['.repeat(depth)}${']'.repeat(depth)}]}`);
    expect(list.status).toBe(400);
  });

  it('PUT /items: price 1e300 and deep properties are 400 invalid_item naming the field', async () => {
    const price = await call(h, { method: 'PUT', path: '/items/x', body: { properties: { price: 1e300 } } });
    expect(price.status).toBe(400);
    expect(price.body.error).toMatchObject({ code: 'invalid_item' });
    expect(price.body.error.message).toMatch(/^properties\.price: must be within/);
    const nested = await call(h, { method: 'PUT', path: '/items/x', body: `{"properties": ${deep(5000)}}` });
    expect(nested.status).toBe(400);
    const ok = await call(h, { method: 'PUT', path: '/items/x', body: { properties: { price: 19.99, tags: ['a'] } } });
    expect(ok.status).toBe(200);
  });
});

describe('value domains per event type', () => {
  it.each([
    ['rating 0', { type: 'rating', value: 0 }, 'value: a rating must be between 0.5 and 5'],
    ['rating 5.5', { type: 'rating', value: 5.5 }, 'value: a rating must be between 0.5 and 5'],
    ['rating 1e9', { type: 'rating', value: 1e9 }, 'value: a rating must be between 0.5 and 5'],
    ['rating -1', { type: 'rating', value: -1 }, 'value: a rating must be between 0.5 and 5'],
    ['rating without value', { type: 'rating' }, 'value: is required for a rating'],
    ['negative revenue', { type: 'purchase', value: -5 }, 'value: purchase revenue must not be negative'],
    [
      'value on a click',
      { type: 'click', value: 3 },
      'value: is only accepted for rating (the rating) and purchase (revenue), not for click',
    ],
  ])('%s → rejected', async (_name, extra, error) => {
    const res = await post([view(extra)]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code: 'invalid_events' }),
      rejected: [{ index: 0, error }],
    });
  });

  it('ratings 0.5..5 and purchase revenue are stored as sent', async () => {
    const res = await post([
      view({ userId: 'dom', type: 'rating', value: 0.5, timestamp: 1_780_000_000_000 }),
      view({ userId: 'dom', type: 'rating', value: 5, timestamp: 1_780_000_000_001 }),
      view({ userId: 'dom', type: 'purchase', value: 19.99, timestamp: 1_780_000_000_002 }),
    ]);
    expect(res.body).toEqual({ accepted: 3, rejected: [] });
    const back = await call(h, { method: 'GET', path: '/users/dom/events' });
    expect(back.body.events.map((e: any) => e.value)).toEqual([19.99, 5, 0.5]);
  });

  it('a configured range applies (ATTUNE_RATING_MIN/MAX)', async () => {
    const tenPoint = await loadHandler('../../functions/ingest/handler', {
      ATTUNE_AUTH_MODE: 'none',
      ATTUNE_RATING_MIN: '1',
      ATTUNE_RATING_MAX: '10',
    });
    const res = await call(tenPoint, {
      method: 'POST',
      path: '/events',
      body: { events: [view({ type: 'rating', value: 9 }), view({ type: 'rating', value: 0.5 })] },
    });
    expect(res.body).toEqual({
      accepted: 1,
      rejected: [{ index: 1, error: 'value: a rating must be between 1 and 10' }],
    });
  });
});

/** JSON values with the edge cases of the store: tiny and huge doubles, reserved and empty keys, depth. */
const key = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'k'.repeat(129)) },
);
const num = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e-130, 9.99e-131, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 9.99e125, 1e126, 5e-324, 0.1),
);
const leaf = fc.oneof(num, fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null));
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(key, tie('tree'), { maxKeys: 3 }),
  ),
}));
const properties = fc.dictionary(key, tree, { maxKeys: 4 });

describe('property: a value the validator passes is stored and read back; any other is a 400 up front', () => {
  it('holds for generated properties (through the handler into dynalite)', async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(properties, async (props) => {
        // JSON is what travels: -0 becomes 0, a "__proto__" key stays a key.
        const sent = JSON.parse(JSON.stringify(props));
        const userId = `prop-${i++}`;
        const head = `"userId": ${JSON.stringify(userId)}, "itemId": "x", "type": "view"`;
        const event = `{${head}, "properties": ${JSON.stringify(props)}}`;
        const res = await postRaw(`{"events": [${event}]}`);
        const storable =
          storableIssues(sent).length === 0 && Buffer.byteLength(JSON.stringify(sent)) <= MAX_PROPERTIES_BYTES;
        expect(res.status, JSON.stringify(res.body)).toBe(storable ? 202 : 400);
        if (!storable) return void expect(res.body.rejected[0].error).toMatch(/^properties/);
        const back = await call(h, { method: 'GET', path: `/users/${userId}/events` });
        expect(back.body.events[0].properties).toEqual(sent);
      }),
      { numRuns: 150, seed: 20261202 },
    );
  });
});
