/**
 * The committed OpenAPI document is what the schemas generate, is valid for a
 * third-party validator, documents every route and status, and matches what
 * the real handlers answer behind the local API (so drift in serving or
 * ingest fails here, not in an app).
 */
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../infra/local/jwt';
import { statusRoutes } from '../../infra/local/status';
import { ROUTES } from '../../shared/topology';
import { QUERY_OVERRIDES, ROUTE_SCHEMAS, buildOpenApi, undocumentedRoutes } from '../../shared/http/openapi';
import { RESPONSE_SCHEMAS, type ResponseSchemaName } from '../../shared/http/responses';
import { startTestStack, type TestStack } from '../client/harness';

const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const doc = buildOpenApi(version) as any;

describe('OpenAPI document', () => {
  it('docs/openapi.json is up to date (run npm run openapi)', () => {
    expect(JSON.parse(readFileSync('docs/openapi.json', 'utf8'))).toEqual(doc);
  });

  it('is valid OpenAPI 3.1 for swagger-parser', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    await expect(
      SwaggerParser.validate(buildOpenApi(version, 'http://example.test:8080') as any),
    ).resolves.toBeDefined();
  });

  it('documents every route with its parameters, a 2xx schema and every error it can answer', () => {
    expect(undocumentedRoutes()).toEqual([]);
    for (const r of ROUTES) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      for (const [, name] of r.path.matchAll(/\{([^}]+)\}/g)) {
        expect(op.parameters.some((p: any) => p.in === 'path' && p.name === name)).toBe(true);
      }
      const ok = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      expect(ok).toHaveLength(1);
      expect(op.responses[ok[0]].content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
      for (const [status, res] of Object.entries<any>(op.responses)) {
        expect(res.content?.['application/json']?.schema, `${r.method} ${r.path} ${status}`).toBeDefined();
      }
      if (r.auth !== 'public')
        expect(op.responses['401'].content['application/json'].schema.$ref).toBe('#/components/schemas/GatewayMessage');
      if (r.auth === 'subject' || r.auth === 'admin') expect(op.responses['403']).toBeDefined();
      if (r.path !== '/health') expect(op.responses['503'].headers['Retry-After']).toBeDefined();
      if (op.requestBody) expect(op.responses['413']).toBeDefined();
    }
    const recs = doc.paths['/users/{userId}/recommendations'].get.parameters;
    const k = recs.find((p: any) => p.name === 'k');
    expect(k.schema).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
    expect(recs.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['exclude', 'category', 'excludeCategory', 'minProbability']),
    );
    expect(doc.paths['/events'].post.requestBody.content['application/json'].schema.properties.events.maxItems).toBe(
      100,
    );
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.components.schemas.Health.properties.modelAgeSeconds.anyOf[0]).toEqual({
      type: 'integer',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    });
  });

  it('documents numeric query parameters with the bounds the validators enforce', () => {
    for (const [key, s] of Object.entries(ROUTE_SCHEMAS)) {
      if (!s.query) continue;
      const [method, path] = key.split(' ');
      for (const p of doc.paths[path][method.toLowerCase()].parameters.filter((x: any) => x.in === 'query')) {
        const { type, minimum, maximum } = p.schema;
        if (type !== 'integer' && type !== 'number') continue;
        const ok = (v: string) => s.query!.safeParse({ [p.name]: v }).success;
        expect(ok(String(minimum)), `${key} ${p.name}=${minimum}`).toBe(true);
        expect(ok(String(maximum)), `${key} ${p.name}=${maximum}`).toBe(true);
        expect(ok(String(maximum + (type === 'integer' ? 1 : 0.01))), `${key} ${p.name} above max`).toBe(false);
        if (type === 'integer') expect(ok(String(minimum - 1))).toBe(false);
      }
    }
    const queryNames = Object.values<any>(doc.paths).flatMap((ops) =>
      Object.values<any>(ops).flatMap((op) =>
        op.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name),
      ),
    );
    for (const name of Object.keys(QUERY_OVERRIDES)) expect(queryNames).toContain(name);
  });

  it('serves servers from the request origin, with no hard-coded port in the committed document', () => {
    expect(JSON.stringify(doc.servers)).not.toMatch(/:\d{2,5}/);
    expect((buildOpenApi(version, 'http://10.0.0.2:4000') as any).servers[0].url).toBe('http://10.0.0.2:4000');
  });
});

/** Validates a body against the schema the document gives this status (resolving $ref / anyOf to zod). */
function conforms(schema: any, body: unknown): string | null {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() as ResponseSchemaName;
    const r = RESPONSE_SCHEMAS[name].safeParse(body);
    return r.success ? null : `${name}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  }
  if (schema.anyOf) {
    const errs = schema.anyOf.map((s: any) => conforms(s, body));
    return errs.includes(null) ? null : errs.join(' | ');
  }
  throw new Error(`unexpected schema ${JSON.stringify(schema)}`);
}

describe('real responses of the local API match the document', () => {
  let t: TestStack;
  let alice: string;
  let admin: string;
  const seen = new Set<string>();

  async function call(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string } = {}) {
    const res = await fetch(t.url + path, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined || opts.raw ? { 'content-type': 'application/json' } : {}),
      },
      body: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
    });
    const body = await res.json();
    const route = ROUTES.find(
      (r) => r.method === method && new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path.split('?')[0]),
    );
    const op = doc.paths[route!.path][method.toLowerCase()];
    const documented = op.responses[String(res.status)];
    expect(
      documented,
      `${method} ${path} answered an undocumented ${res.status}: ${JSON.stringify(body)}`,
    ).toBeDefined();
    expect(conforms(documented.content['application/json'].schema, body), `${method} ${path} ${res.status}`).toBeNull();
    if (documented.headers?.['Retry-After']) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    seen.add(`${method} ${route!.path} ${res.status}`);
    return { status: res.status, body: body as any };
  }

  beforeAll(async () => {
    t = await startTestStack({ authMode: 'jwt', extraRoutes: statusRoutes(), storeSwitch: true });
    alice = await issueToken(t.stack.signingKey!, 'user-1');
    admin = await issueToken(t.stack.signingKey!, 'ops', { admin: true });
  }, 60_000);
  afterAll(async () => t?.stop());

  it('before any model: serving answers 503 with Retry-After, health says no model', async () => {
    expect((await call('GET', '/health')).body.modelVersion).toBeNull();
    expect((await call('GET', '/users/user-1/recommendations', { token: alice })).status).toBe(503);
    expect((await call('GET', '/items/item-1/similar', { token: alice })).status).toBe(503);
  });

  it('every route answers its documented 2xx and errors', async () => {
    await t.seed();
    expect((await t.train()).decision).toBe('published');
    const ev = await call('POST', '/events', {
      token: alice,
      body: {
        events: [
          { eventId: 'c-1', itemId: 'item-2', type: 'click', sessionId: 's1', properties: { from: 'test' } },
          { itemId: '' },
        ],
      },
    });
    expect(ev.status).toBe(202);
    expect(ev.body.rejected.map((r: any) => r.index)).toEqual([1]);
    const none = await call('POST', '/events', { token: alice, body: { events: [{ itemId: '' }] } });
    expect(none.status).toBe(400);
    expect(none.body.rejected.map((r: any) => r.index)).toEqual([0]);
    expect((await call('POST', '/events', { token: alice, body: { events: [] } })).status).toBe(400);
    expect(
      (await call('POST', '/events', { token: alice, raw: `{"events":[${'"x",'.repeat(80_000)}"x"]}` })).status,
    ).toBe(413);
    expect((await call('POST', '/events', { body: { events: [] } })).status).toBe(401);

    const page = await call('GET', '/users/user-1/events?limit=5', { token: alice });
    expect(page.body.events[0].eventId).toBe('c-1');
    expect((await call('GET', '/users/user-1/events?limit=0', { token: alice })).status).toBe(400);
    expect((await call('GET', '/users/user-2/events', { token: alice })).status).toBe(403);

    const recs = await call('GET', '/users/user-1/recommendations?k=5&excludeCategory=coffee', { token: alice });
    expect(recs.status).toBe(200);
    expect(recs.body.items.length).toBe(5);
    const u4 = await issueToken(t.stack.signingKey!, 'user-4');
    expect((await call('GET', '/users/user-4/recommendations?k=3&minProbability=0', { token: u4 })).body.source).toBe(
      'personalized',
    );
    expect(
      (
        await call('GET', '/users/newcomer/recommendations', {
          token: await issueToken(t.stack.signingKey!, 'newcomer'),
        })
      ).body.source,
    ).toBe('popular');
    expect((await call('GET', '/users/user-1/recommendations?k=101', { token: alice })).status).toBe(400);
    // user attributes (docs/neural.md)
    const profile = { ageBand: '25-34', interests: ['jazz'] };
    expect((await call('PUT', '/users/user-1/attributes', { token: alice, body: profile })).body.interests).toEqual([
      'jazz',
    ]);
    expect((await call('GET', '/users/user-1/attributes', { token: alice })).body.ageBand).toBe('25-34');
    expect((await call('GET', '/users/user-2/attributes', { token: alice })).status).toBe(403);
    expect((await call('GET', '/users/user-4/attributes', { token: u4 })).status).toBe(404);
    expect((await call('PUT', '/users/user-1/attributes', { token: alice, body: { country: 'x' } })).status).toBe(400);

    const ranked = await call('POST', '/users/user-1/rank', {
      token: alice,
      body: { itemIds: ['item-3', 'item-1', 'nope'] },
    });
    expect(ranked.body.items.at(-1)).toEqual({ itemId: 'nope', score: null, probability: null, position: 3 });
    expect((await call('POST', '/users/user-1/rank', { token: alice, body: { itemIds: [] } })).status).toBe(400);

    expect((await call('GET', '/items/item-3/similar?k=4', { token: alice })).body.items).toHaveLength(4);
    expect((await call('GET', '/items/unknown-item/similar', { token: alice })).status).toBe(404);

    const put = await call('PUT', '/items/item-500', {
      token: admin,
      body: { title: 'New', categories: ['jazz'], properties: { price: 3 } },
    });
    expect(put.body).toMatchObject({ itemId: 'item-500', available: true });
    expect((await call('PUT', '/items/item-500', { token: alice, body: { title: 'x' } })).status).toBe(403);
    expect((await call('PUT', '/items/item-500', { token: admin, body: { title: 5 } })).status).toBe(400);
    expect((await call('DELETE', '/items/item-500', { token: admin })).body.available).toBe(false);
    expect((await call('DELETE', '/users/user-9', { token: admin })).status).toBe(202);
    expect((await call('DELETE', '/users/user-9', { token: alice })).status).toBe(403);
    expect((await call('DELETE', '/users/user-9/erasure', { token: admin })).body).toEqual({
      userId: 'user-9',
      lifted: true,
    });
    expect((await call('DELETE', '/users/user-9/erasure', { token: alice })).status).toBe(403);

    const experiment = {
      variants: [
        { name: 'control', share: 50 },
        { name: 'b', share: 50 },
      ],
    };
    expect((await call('PUT', '/experiments/ab', { token: admin, body: experiment })).body.control).toBe('control');
    expect((await call('PUT', '/experiments/ab', { token: admin, body: { variants: [] } })).status).toBe(400);
    expect((await call('GET', '/experiments', { token: admin })).body.experiments).toHaveLength(1);
    expect((await call('GET', '/experiments/ab', { token: alice })).status).toBe(403);
    expect((await call('GET', '/experiments/ab', { token: admin })).body.experimentId).toBe('ab');
    expect((await call('GET', '/metrics/online', { token: admin })).body.experiment.experimentId).toBe('ab');
    expect((await call('DELETE', '/experiments/ab', { token: admin })).body.deleted).toBe(true);
    expect((await call('GET', '/experiments/ab', { token: admin })).status).toBe(404);

    // business rules and catalog reads (docs/rules.md)
    const cheap = await call('PUT', '/rules/filters/cheap', { token: admin, body: { expression: 'price < 5' } });
    expect(cheap.body.name).toBe('cheap');
    expect((await call('PUT', '/rules/filters/bad', { token: admin, body: { expression: 'f(1)' } })).status).toBe(400);
    const pin = { type: 'pin', itemId: 'item-3', position: 1 };
    expect((await call('PUT', '/rules/promotions/hero', { token: admin, body: pin })).body.type).toBe('pin');
    expect((await call('GET', '/rules', { token: admin })).body.filters).toHaveLength(1);
    expect((await call('GET', '/rules', { token: alice })).status).toBe(403);
    expect((await call('GET', '/users/user-1/recommendations?filterName=cheap', { token: alice })).status).toBe(200);
    expect((await call('GET', '/users/user-1/recommendations?filter=f%28%29', { token: alice })).status).toBe(400);
    expect((await call('DELETE', '/rules/promotions/hero', { token: admin })).body.deleted).toBe(true);
    expect((await call('DELETE', '/rules/filters/cheap', { token: admin })).body.deleted).toBe(true);
    expect((await call('GET', '/items/item-3', { token: alice })).body.itemId).toBe('item-3');
    expect((await call('GET', '/items/no-such-item', { token: alice })).status).toBe(404);
    const catalogPage = await call('GET', '/items?limit=2', { token: admin });
    expect(catalogPage.body.items).toHaveLength(2);
    expect((await call('GET', `/items?cursor=${catalogPage.body.cursor}`, { token: admin })).status).toBe(200);
    expect((await call('GET', '/items?cursor=bad', { token: admin })).status).toBe(400);
    expect((await call('GET', '/items', { token: alice })).status).toBe(403);
  }, 90_000);

  it('while the store is down every route answers a documented status and body (503 with Retry-After)', async () => {
    t.store!.downAfter(0);
    try {
      const posted = await call('POST', '/events', {
        token: alice,
        body: { events: [{ itemId: 'item-1', type: 'view' }] },
      });
      expect(posted.status).toBe(503);
      expect(posted.body.failed).toEqual([0]);
      expect((await call('GET', '/users/user-1/events', { token: alice })).status).toBe(503);
      expect((await call('PUT', '/items/item-7', { token: admin, body: { title: 'x' } })).status).toBe(503);
      expect((await call('DELETE', '/users/user-8', { token: admin })).status).toBe(503);
      // serving keeps answering from its cached model; whatever it answers is documented
      await call('GET', '/users/user-1/recommendations', { token: alice });
      await call('GET', '/health');
    } finally {
      t.store!.up();
    }
  }, 60_000);

  it('covered every route’s success status', () => {
    for (const [key, s] of Object.entries(ROUTE_SCHEMAS)) expect([...seen]).toContain(`${key} ${s.success.status}`);
  });

  it('answers unknown paths 404 and wrong methods 405 with the error body, and serves the document', async () => {
    const nf = await fetch(`${t.url}/nowhere`);
    expect(nf.status).toBe(404);
    expect(RESPONSE_SCHEMAS.Error.safeParse(await nf.json()).success).toBe(true);
    expect(doc.components.responses.NotFound.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/Error',
    );
    const na = await fetch(`${t.url}/health`, { method: 'POST' });
    expect(na.status).toBe(405);
    expect(na.headers.get('allow')).toBe('GET');
    expect(doc.components.responses.MethodNotAllowed.headers.Allow).toBeDefined();
    expect(RESPONSE_SCHEMAS.Error.safeParse(await na.json()).success).toBe(true);
    const served = (await (await fetch(`${t.url}/openapi.json`)).json()) as any;
    expect(served.servers).toEqual([{ url: t.url, description: 'where this document was served from' }]);
    expect(served.paths).toEqual(doc.paths);
  });
});
