/** events/ holds a ready fixture for every route of the topology, and each routes where it says. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/topology';
import { matchRoute } from '../../infra/local/http-event';

const fixtures = readdirSync('events')
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, event: JSON.parse(readFileSync(`events/${f}`, 'utf8')) }));

describe('events/ fixtures', () => {
  it('cover every route', () => {
    const keys = new Set(fixtures.map((f) => f.event.routeKey));
    for (const r of ROUTES) expect(keys, `${r.method} ${r.path}`).toContain(`${r.method} ${r.path}`);
  });

  it('are consistent with their own path', () => {
    for (const { file, event } of fixtures) {
      if (event.source === 'aws.events') {
        expect(event['detail-type'], file).toBe('Scheduled Event');
        continue;
      }
      const m = matchRoute(event.requestContext.http.method, event.rawPath);
      expect(m, file).not.toBeNull();
      expect(`${m!.route.method} ${m!.route.path}`, file).toBe(event.routeKey);
      expect(event.pathParameters ?? {}, file).toEqual(m!.params);
    }
  });
});
