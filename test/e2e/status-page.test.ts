/**
 * The status page an operator keeps open: complete on first paint (rendered
 * on the server), a runs table and a chart with a time axis and a scale that
 * follows the data, an item map that separates planted categories, tooltips,
 * auto-refresh and readable contrast — in Chromium at desktop and phone
 * widths (screenshots in .tmp/ for a person to look at).
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectItems } from '../../infra/local/status-map';
import { ago, duration, humanTime, metricRange, niceTicks } from '../../infra/local/status-render';
import { statusRoutes, trialsOf } from '../../infra/local/status';
import { startTestStack, type TestStack } from '../client/harness';
import { CHROMIUM, launchChromium } from '../helpers/browser';

describe('status page helpers', () => {
  it('scales follow the data, ticks are round numbers inside the range', () => {
    const [lo, hi] = metricRange([0.41, 0.43, 0.45]);
    expect(lo).toBeGreaterThan(0.39);
    expect(hi).toBeLessThan(0.47);
    expect(niceTicks(lo, hi, 4)).toEqual([0.41, 0.42, 0.43, 0.44, 0.45]);
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.5, 1]);
    const [a, b] = metricRange([0.3]);
    expect(a).toBeLessThan(0.3);
    expect(b).toBeGreaterThan(0.3);
  });

  it('times and durations read like a person would say them', () => {
    expect(humanTime('2026-12-02T14:05:09Z')).toBe('2 Dec 14:05 UTC');
    expect(ago(10_000)).toBe('just now');
    expect(ago(5 * 60_000)).toBe('5 min ago');
    expect(ago(3 * 3_600_000)).toBe('3 h ago');
    expect(duration(850)).toBe('850 ms');
    expect(duration(7_400)).toBe('7.4 s');
    expect(duration(185_000)).toBe('3 min 5 s');
  });

  it('the item map separates planted clusters', () => {
    const n = 240,
      f = 16,
      clusters = 4;
    const factors = new Float32Array(n * f);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++)
        factors[i * f + j] = (j % clusters === i % clusters ? 1 : 0) + 0.05 * Math.sin(i * 13 + j * 7);
    }
    const out = projectItems(
      Array.from({ length: n }, (_, i) => `i${i}`),
      factors,
      f,
    )!;
    expect(out.points).toHaveLength(n);
    // with 4 symmetric clusters the top two axes hold about 2/3 of the variance
    expect(out.explained).toBeGreaterThan(0.6);
    const centroid = (c: number) => {
      const ps = out.points.filter((_, i) => i % clusters === c);
      return { x: ps.reduce((s, p) => s + p.x, 0) / ps.length, y: ps.reduce((s, p) => s + p.y, 0) / ps.length, ps };
    };
    const cs = [0, 1, 2, 3].map(centroid);
    const spread = Math.max(...cs.flatMap((c) => c.ps.map((p) => Math.hypot(p.x - c.x, p.y - c.y))));
    const distinct = cs
      .flatMap((a, i) => cs.slice(i + 1).map((b) => Math.hypot(a.x - b.x, a.y - b.y)))
      .filter((d) => d > 4 * spread);
    // two axes can keep at least three of the four clusters apart from each other
    expect(distinct.length).toBeGreaterThanOrEqual(3);
    expect(projectItems(['a', 'b', 'c'], new Float32Array(3), 1)).toBeNull();
  });

  it('counts trials from the tuner log or the auto-selection candidates', () => {
    expect(trialsOf({ tuning: { trials: [{}, {}, {}] } })).toBe(3);
    const auto = { candidates: [{ kind: 'als', note: '12 tuning trials' }, { kind: 'ease' }, { kind: 'blend' }] };
    expect(trialsOf({ tuning: { auto } })).toBe(14);
    expect(trialsOf({ tuning: undefined })).toBeNull();
  });

  it('samples big catalogs evenly', () => {
    const out = projectItems(
      Array.from({ length: 10_000 }, (_, i) => `i${i}`),
      new Float32Array(10_000 * 2).map((_, k) => Math.sin(k)),
      2,
      500,
    )!;
    expect(out.points).toHaveLength(500);
    expect(out.points[1].itemId).toBe('i20');
  });
});

describe('status page on the local stack', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({
      extraRoutes: statusRoutes(),
      env: { ATTUNE_TUNE: 'true', ATTUNE_TRAIN_BUDGET_SECONDS: '4' },
    });
    await t.seed({ users: 160, items: 120, eventsPerUser: 20, seed: 9 });
    expect((await t.train()).decision).toBe('published');
    await fetch(`${t.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [1, 2, 3].map((i) => ({ userId: 'status-u', itemId: `item-${i}`, type: 'click' })),
      }),
    });
    expect((await t.train()).decision).toMatch(/published|rejected/);
  }, 120_000);
  afterAll(async () => t?.stop());

  it('the first paint is complete: no "loading…", every panel filled by the server', async () => {
    const html = await (await fetch(`${t.url}/`)).text();
    expect(html).not.toMatch(/loading…/);
    const version = ((await (await fetch(`${t.url}/health`)).json()) as any).modelVersion;
    expect(html).toContain(version);
    expect(html.match(/<tr><td><time/g)?.length).toBe(2);
    expect(html.match(/<circle [^>]*data-tip/g)!.length).toBeGreaterThan(120);
    expect(html).toMatch(/id="item-map"/);
    expect(html).toMatch(/<time datetime="20\d\d-/);
    // the published runs' tuning trials, from their manifests
    const trials = [...html.matchAll(/<td class="num">(\d+|—)<\/td>\s*<td class="num">0\.\d{4}/g)].map((m) => m[1]);
    expect(trials.length).toBe(2);
    expect(Number(trials.at(-1))).toBeGreaterThan(0);
    const panels = await (await fetch(`${t.url}/status/panels`)).text();
    expect(panels).toContain('id="runs-table"');
  });

  describe.skipIf(!CHROMIUM)('in headless Chromium', () => {
    it('desktop and phone: chart axes, tooltips, auto-refresh, contrast; screenshots saved', async () => {
      const browser = await launchChromium();
      const errors: string[] = [];
      mkdirSync('.tmp', { recursive: true });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`${t.url}/?refresh=1`);
        // x-axis labels are times, the y-axis does not start at 0
        const yLabels = await page.locator('#ndcg-chart text[text-anchor="end"]').allTextContents();
        expect(Math.min(...yLabels.map(Number))).toBeGreaterThan(0);
        expect(await page.locator('#ndcg-chart text[text-anchor="middle"]').count()).toBeGreaterThanOrEqual(2);
        expect(await page.locator('#runs-table tbody tr').count()).toBe(2);

        // hover a point of the map: the tooltip names the item and its category
        await page.locator('#item-map circle').nth(5).hover();
        await expect.poll(() => page.locator('#tip').isVisible()).toBe(true);
        expect(await page.locator('#tip').textContent()).toMatch(
          / · (running|kitchen|jazz|sci-fi|garden|board-games|photography|coffee) · item-/,
        );
        await page.locator('#ndcg-chart circle').first().hover();
        expect(await page.locator('#tip').textContent()).toMatch(/nDCG@10 0\.\d{4}/);
        await page.screenshot({ path: '.tmp/status-desktop.png', fullPage: true });

        // text contrast against the white cards: WCAG AA (4.5:1) for every text style on the page
        const colors = await page.evaluate(() => {
          const doc = (globalThis as any).document;
          const pick = ['.muted', '.ago', 'td', 'th', '.reason', 'svg text', '.legend', '.sub', '.pill'];
          return pick.flatMap((sel) =>
            [...doc.querySelectorAll(sel)]
              .slice(0, 3)
              .map((el: any) => [sel, (globalThis as any).getComputedStyle(el)[sel === 'svg text' ? 'fill' : 'color']]),
          );
        });
        for (const [sel, c] of colors)
          expect(contrast(c, 'rgb(255, 255, 255)'), `${sel} ${c}`).toBeGreaterThanOrEqual(4.5);

        // auto-refresh: a new run shows up without reloading
        await fetch(`${t.url}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ events: [{ userId: 'status-u2', itemId: 'item-9', type: 'like' }] }),
        });
        await t.train();
        await page.waitForFunction(
          () => (globalThis as any).document.querySelectorAll('#runs-table tbody tr').length === 3,
          null,
          { timeout: 10_000 },
        );

        const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
        phone.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        await phone.goto(`${t.url}/`);
        // one column, nothing wider than the screen except inside scroll boxes
        const overflow = await phone.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);
        expect(overflow).toBeLessThanOrEqual(390);
        await phone.screenshot({ path: '.tmp/status-phone.png', fullPage: true });
      } finally {
        await browser.close();
      }
      expect(errors).toEqual([]);
    }, 120_000);
  });
});

function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
