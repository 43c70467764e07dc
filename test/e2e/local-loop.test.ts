/**
 * The whole loop as a developer meets it: local stack on an ephemeral port
 * with embedded stores, the real handlers, training through `attune local
 * invoke Train` in another process (sharing the running stack's stores).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eStack, type E2eStack } from '../helpers/e2e-stack';
import { statusRoutes } from '../../infra/local/status';
import { CHROMIUM, launchChromium } from '../helpers/browser';

let e2e: E2eStack;
const api: E2eStack['api'] = (method, path, body) => e2e.api(method, path, body);

const invokeTrain = () =>
  // npm start's 20 s: tuning is planned in nominal work, which a quiet machine finishes in ~2 s; the clock
  // (1.5x its share) only cuts it on a machine several times overloaded. A 4 s budget let the clock cut the
  // second run's search to one trial under load, and the gate then rightly rejected a worse configuration.
  e2e.invokeTrain({ ATTUNE_TRAIN_BUDGET_SECONDS: '20' });

beforeAll(async () => {
  e2e = await startE2eStack({
    prefix: 'attune-e2e-',
    extraRoutes: statusRoutes(),
    dataset: { users: 150, items: 120, eventsPerUser: 20, seed: 3 },
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

describe('local loop', () => {
  it('new user: popular → fold-in → model → erased → popular', async () => {
    const first = await invokeTrain();
    expect(first.decision).toBe('published');
    const v1 = (await api('GET', '/health')).body.modelVersion;
    expect(v1).toBe(first.version);

    const user = 'e2e-newcomer';
    const cold = await api('GET', `/users/${user}/recommendations?k=5`);
    expect(cold.status).toBe(200);
    expect(cold.body.source).toBe('popular');
    expect(cold.body.items).toHaveLength(5);

    // Three clicks in the "jazz" theme (cluster 2 of 8: items 2, 10, 18, …).
    const clicked = ['item-2', 'item-10', 'item-18'];
    const posted = await api('POST', '/events', {
      events: clicked.map((itemId) => ({ userId: user, itemId, type: 'click' })),
    });
    expect(posted.body).toEqual({ accepted: 3, rejected: [] });
    const warm = await api('GET', `/users/${user}/recommendations?k=5`);
    expect(warm.body.source).toBe('fold-in');
    const warmIds = warm.body.items.map((i: any) => i.itemId);
    expect(warmIds).not.toEqual(cold.body.items.map((i: any) => i.itemId));
    for (const id of clicked) expect(warmIds).not.toContain(id);
    expect(warm.body.items[0].because.map((b: any) => b.itemId).every((id: string) => clicked.includes(id))).toBe(true);

    const second = await invokeTrain();
    expect(second.decision).toBe('published');
    expect(second.version).not.toBe(v1);
    expect((await api('GET', '/health')).body.modelVersion).toBe(second.version);
    const learned = await api('GET', `/users/${user}/recommendations?k=5`);
    expect(learned.body.source).toBe('personalized');
    expect(learned.body.modelVersion).toBe(second.version);

    const erased = await api('DELETE', `/users/${user}`);
    expect(erased.status).toBe(202);
    expect(erased.body.deleted).toBe(3);
    const after = await api('GET', `/users/${user}/recommendations?k=5`);
    expect(after.body.source).toBe('popular');
    expect(after.body.items.every((i: any) => i.because.length === 0)).toBe(true);
  }, 120_000);

  it('serves the status snapshot and the OpenAPI document', async () => {
    const status = await api('GET', '/status.json');
    expect(status.body.model.version).toBe((await api('GET', '/health')).body.modelVersion);
    expect(status.body.runs.length).toBeGreaterThanOrEqual(2);
    expect(status.body.popular.length).toBeGreaterThan(0);
    const doc = await api('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
  });
});

describe.skipIf(!CHROMIUM)('status page in headless Chromium', () => {
  it('shows the model, the runs chart, popular items, and a user’s recommendations with reasons', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
      await page.goto(e2e.stack.api.url + '/');
      const version = (await api('GET', '/health')).body.modelVersion;
      await page.waitForFunction(
        (v) => (globalThis as any).document.getElementById('model')?.textContent?.includes(v),
        version,
      );
      expect(await page.locator('#ndcg-chart circle').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('#popular tr').count()).toBeGreaterThan(0);
      await page.fill('#user', 'user-4');
      await page.click('#go');
      await page.waitForSelector('#rec-table tr.rec');
      expect(await page.locator('#source').textContent()).toBe('personalized');
      expect(await page.locator('#rec-table tr.rec').count()).toBe(10);
      // Titles from the catalog, and reasons from the user's history.
      expect(await page.locator('#rec-table').textContent()).toMatch(
        /Sessions|Standards|Trio Live|Ballads|Quartet|Nocturnes|Vinyl Box|Shoes|Skillet|Lens|Beans|Seeds|Game|Odyssey/,
      );
      await page.screenshot({ path: '.tmp/status-page.png', fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
