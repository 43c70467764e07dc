/** The committed OpenAPI document is what the schemas generate, and covers every route. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/topology';
import { buildOpenApi } from '../../shared/http/openapi';

describe('OpenAPI', () => {
  const doc = buildOpenApi(JSON.parse(readFileSync('package.json', 'utf8')).version) as any;

  it('docs/openapi.json is up to date (run npm run openapi)', () => {
    expect(JSON.parse(readFileSync('docs/openapi.json', 'utf8'))).toEqual(doc);
  });

  it('documents every route with its parameters', () => {
    for (const r of ROUTES) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      for (const [, name] of r.path.matchAll(/\{([^}]+)\}/g)) {
        expect(op.parameters.some((p: any) => p.in === 'path' && p.name === name)).toBe(true);
      }
    }
    const recs = doc.paths['/users/{userId}/recommendations'].get.parameters.map((p: any) => p.name);
    expect(recs).toEqual(expect.arrayContaining(['k', 'exclude', 'category', 'excludeCategory', 'minProbability']));
    expect(doc.paths['/events'].post.requestBody.content['application/json'].schema.properties.events.maxItems).toBe(100);
    expect(doc.paths['/health'].get.security).toEqual([]);
  });
});
