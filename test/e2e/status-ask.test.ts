/**
 * The status page's "recommendations for a user" form given what a person may type, in Chromium
 * (session 22 review, docs/reliability.md). Before: an answer without a JSON body — the local
 * server's 431 for a 20,000-character id, or no answer at all (the server stopped) — threw inside
 * the handler and the panel said "asking…" for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusRoutes } from '../../infra/local/status';
import { startTestStack, type TestStack } from '../client/harness';
import { CHROMIUM, launchChromium } from '../helpers/browser';

describe.skipIf(!CHROMIUM)('status page: asking for a user', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ extraRoutes: statusRoutes() });
  }, 120_000);
  afterAll(async () => t?.stop());

  it('every answer ends "asking…": an error body, no body (431), and no server at all', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${t.url}/`);
      const ask = async (user: string) => {
        await page.fill('#user', user);
        await page.click('#ask button, #ask [type=submit]');
        await expect.poll(() => page.locator('#recs').textContent(), { timeout: 20_000 }).not.toMatch(/asking…/);
        return (await page.locator('#recs').textContent())?.trim();
      };
      // no model yet: the API's own error body
      expect(await ask('user-1')).toMatch(/model|no/i);
      expect(await ask('u'.repeat(20_000))).toMatch(/^431\b/);
      await t.stop();
      expect(await ask('user-1')).toMatch(/could not reach the local server/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
