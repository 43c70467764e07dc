/**
 * Attribution end to end through the local API, one stack: an experiment is
 * created, answers carry recommendationId, positions and a sticky variant; the
 * app reports impressions, a click and a purchase; the Train process (`attune
 * local invoke Train`, which runs the online job after training) counts them;
 * GET /metrics/online shows them per model version and variant. Erasure removes
 * the user's impressions and takes them out of the experiment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eStack, type E2eStack } from '../helpers/e2e-stack';
import { statusRoutes } from '../../infra/local/status';

let e2e: E2eStack;
const api: E2eStack['api'] = (method, path, body) => e2e.api(method, path, body);

// count what was just posted (deployments wait 30 s for writes in flight)
const invokeTrain = () => e2e.invokeTrain({ ATTUNE_TRAIN_BUDGET_SECONDS: '5', ATTUNE_ONLINE_SETTLE_SECONDS: '0' });

beforeAll(async () => {
  e2e = await startE2eStack({
    prefix: 'attune-online-',
    extraRoutes: statusRoutes(),
    dataset: { users: 60, items: 60, eventsPerUser: 12, seed: 5 },
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

describe('online metrics end to end', () => {
  it('show → impression → click/purchase → GET /metrics/online, per model version and variant', async () => {
    expect((await invokeTrain()).decision).toBe('published');
    const experiment = {
      variants: [
        { name: 'control', share: 50 },
        { name: 'diverse', share: 50, pipeline: { diversity: 0.5 } },
      ],
    };
    expect((await api('PUT', '/experiments/e2e', experiment)).status).toBe(200);

    const users = ['user-1', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6'];
    const shown: { userId: string; answer: any }[] = [];
    for (const userId of users) {
      const answer = (await api('GET', `/users/${userId}/recommendations?k=4`)).body;
      expect(answer.recommendationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      expect(answer.variant).toMatch(/^e2e:(control|diverse)$/);
      expect(answer.items.map((i: any) => i.position)).toEqual([1, 2, 3, 4]);
      // sticky: asked again, the same variant and a new recommendationId
      const again = (await api('GET', `/users/${userId}/recommendations?k=4`)).body;
      expect(again.variant).toBe(answer.variant);
      expect(again.recommendationId).not.toBe(answer.recommendationId);
      shown.push({ userId, answer });
    }
    const variants = new Set(shown.map((s) => s.answer.variant));

    const events: unknown[] = [];
    for (const { userId, answer } of shown) {
      for (const item of answer.items) {
        events.push({
          userId,
          itemId: item.itemId,
          type: 'impression',
          recommendationId: answer.recommendationId,
          position: item.position,
          modelVersion: answer.modelVersion,
          variant: answer.variant,
        });
      }
    }
    // user-1 and user-2 click their second item; user-1 buys it
    const [a, b] = shown;
    const click = (s: (typeof shown)[number]) => ({
      userId: s.userId,
      itemId: s.answer.items[1].itemId,
      type: 'click',
      recommendationId: s.answer.recommendationId,
    });
    events.push(click(a), click(b), { ...click(a), type: 'purchase', value: 25 });
    // a click naming another user's answer is not theirs to claim
    events.push({ ...click(a), userId: 'user-6' });
    const posted = await api('POST', '/events', { events });
    expect(posted.body).toEqual({ accepted: events.length, rejected: [] });

    // the similar answer is attributed too
    const similar = (await api('GET', '/items/item-3/similar?k=3')).body;
    expect(similar.recommendationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(similar.items.map((i: any) => i.position)).toEqual([1, 2, 3]);

    await invokeTrain();
    const report = await api('GET', '/metrics/online');
    expect(report.status).toBe(200);
    const r = report.body;
    expect(r.totals).toMatchObject({
      recommendations: 6,
      impressions: 24,
      clicks: 2,
      conversions: 1,
      purchases: 1,
      revenue: 25,
    });
    expect(r.totals.ctr.rate).toBeCloseTo(2 / 24, 12);
    expect(r.totals.ctrAt['1']).toBe(0);
    expect(r.totals.ctrAt['3']).toBeCloseTo(2 / 18, 12);
    expect(r.unattributed).toBe(1);
    expect(r.byModelVersion.map((x: any) => x.modelVersion)).toEqual([shown[0].answer.modelVersion]);
    expect(new Set(r.byVariant.map((x: any) => x.variant))).toEqual(variants);
    expect(r.experiment.experimentId).toBe('e2e');
    for (const c of r.experiment.comparisons) expect(c.decision).toBe('too small to decide');
    // exposure of what was shown: 24 impressions in the top-10 over the served catalog, with its categories
    const distinct = new Set(shown.flatMap((s) => s.answer.items.map((i: any) => i.itemId))).size;
    expect(r.totals.exposure).toMatchObject({ k: 10, impressions: 24, beyondCap: 0 });
    expect(r.totals.exposure.catalogItems).toBeGreaterThan(distinct);
    expect(r.totals.exposure.coverage).toBeCloseTo(distinct / r.totals.exposure.catalogItems, 4);
    expect(r.totals.exposure.groups.length).toBeGreaterThan(1);
    expect(r.byVariant.reduce((n: number, x: any) => n + x.exposure.impressions, 0)).toBe(24);
    // the status page shows the same numbers
    const panels = await (await fetch(`${e2e.stack.api.url}/status/panels`)).text();
    expect(panels).toContain('id="online-table"');
    expect(panels).toContain('<td class="num">24</td>');
    expect(panels).toContain('id="online-exposure-table"');

    // erasure: the user's impressions go like any event, and they are no longer in the experiment
    expect((await api('DELETE', '/users/user-3')).body.deleted).toBeGreaterThanOrEqual(4);
    expect((await api('GET', '/users/user-3/events')).body.events).toEqual([]);
    expect((await api('GET', '/users/user-3/recommendations?k=4')).body.variant).toBeNull();
  }, 240_000);
});
