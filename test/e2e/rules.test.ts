/**
 * Business rules and catalog reads end to end through the local API (one stack):
 * a bulk import sets item properties, filters answer exactly k matching items,
 * stored filters, a pin and a slot promotion show up with their `because`, the
 * admin routes list and delete them, and the catalog pages with its cursor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRows, importRows } from '../../infra/cli/commands/import';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { startTestStack, type TestStack } from '../client/harness';

let t: TestStack;
const ITEMS = 64;
const n = (id: string) => Number(id.slice('item-'.length));

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(t.url + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}
const recs = async (query: string) => (await api('GET', `/users/user-1/recommendations?${query}`)).body;
const ids = (answer: { items: { itemId: string }[] }) => answer.items.map((x) => x.itemId);
const q = (expr: string) => encodeURIComponent(expr);

beforeAll(async () => {
  t = await startTestStack();
  await t.seed({ users: 80, items: ITEMS });
  // prices 0..95 and two brands, through the bulk import's port
  const csv = ['itemId,title,categories,price,brand']
    .concat(
      Array.from({ length: ITEMS }, (_, i) => `item-${i},Item ${i},theme-${i % 8},${i},${i % 2 ? 'acme' : 'zed'}`),
    )
    .join('\n');
  const report = await importRows(
    csvRows(csv),
    new DynamoInteractionStore(dynamoDocumentClient(), t.stack.aws.tableName),
  );
  expect(report.every((r) => r.status === 'ok')).toBe(true);
  expect((await t.train()).decision).toBe('published');
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('business rules through the local API', () => {
  it('a filter answers exactly k matching items, the best of the unfiltered ranking', async () => {
    const all = ids(await recs('k=100&promotions=0'));
    const want = all.filter((id) => n(id) < 40 && n(id) % 2 === 0).slice(0, 7);
    expect(want).toHaveLength(7);
    const got = await recs(`k=7&filter=${q('price < 40 and brand != "acme"')}`);
    expect(ids(got)).toEqual(want);
    const bad = await api('GET', `/users/user-1/recommendations?filter=${q('price.constructor("x")')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'invalid_filter', message: 'filter: function calls are not allowed' });
    expect((await api('GET', '/users/user-1/recommendations?filterName=nope')).body.error.code).toBe('unknown_filter');
  });

  it('stored filters and promotions: created, applied with their because, listed, deleted', async () => {
    const put = await api('PUT', '/rules/filters/cheap', { expression: 'price < 30' });
    expect(put.status).toBe(200);
    expect(ids(await recs('k=5&filterName=cheap'))).toEqual(ids(await recs(`k=5&filter=${q('price < 30')}`)));
    const refused = await api('PUT', '/rules/filters/bad', { expression: 'a.__proto__ == 1' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe('expression: property name "__proto__" is not allowed');

    const plain = ids(await recs('k=6'));
    const last = ids(await recs('k=100')).at(-1) as string;
    expect((await api('PUT', '/rules/promotions/hero', { type: 'pin', itemId: last, position: 2 })).status).toBe(200);
    expect(
      (await api('PUT', '/rules/promotions/acme2', { type: 'slots', expression: 'brand == "acme"', slots: 2 })).status,
    ).toBe(200);
    const promoted = await recs('k=6');
    expect(promoted.items).toHaveLength(6);
    expect(promoted.items[1].itemId).toBe(last);
    expect(promoted.items[1].because.at(-1)).toEqual({ rule: 'hero' });
    expect(promoted.items.filter((x: any) => n(x.itemId) % 2 === 1).length).toBeGreaterThanOrEqual(2);
    expect(await recs('k=6')).toMatchObject({ items: promoted.items });
    expect(ids(await recs('k=6&promotions=0'))).toEqual(plain);

    const listed = (await api('GET', '/rules')).body;
    expect(listed.filters.map((f: any) => f.name)).toEqual(['cheap']);
    expect(listed.promotions.map((p: any) => [p.name, p.type, p.enabled])).toEqual([
      ['acme2', 'slots', true],
      ['hero', 'pin', true],
    ]);
    expect((await api('DELETE', '/rules/promotions/hero')).body).toEqual({ name: 'hero', deleted: true });
    expect((await api('DELETE', '/rules/promotions/acme2')).body.deleted).toBe(true);
    expect((await api('DELETE', '/rules/filters/cheap')).body.deleted).toBe(true);
    expect((await api('DELETE', '/rules/filters/cheap')).body.deleted).toBe(false);
  });

  it('the catalog reads: one item, and every item once through the cursor', async () => {
    const one = await api('GET', '/items/item-3');
    expect(one.body).toMatchObject({ itemId: 'item-3', title: 'Item 3', properties: { price: 3, brand: 'acme' } });
    expect((await api('GET', '/items/no-such-item')).status).toBe(404);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api('GET', `/items?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((x: any) => x.itemId));
      cursor = page.body.cursor;
    } while (cursor && seen.length < 1000);
    expect(new Set(seen).size).toBe(ITEMS);
    expect(seen).toHaveLength(ITEMS);
    expect((await api('GET', '/items?cursor=not-ours')).body.error.code).toBe('invalid_cursor');
  });
});
