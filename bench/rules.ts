/**
 * Business-rule costs in serving's pure core, on generated catalogs of 100k and
 * 1M items: compiling an expression and building its bitmap (once per catalog
 * generation), and the top-10 selection without a filter, with a filter's
 * bitmap (broad and narrow), and with slot promotions and a pin after it.
 *
 *   npx tsx bench/rules.ts            table
 *   npx tsx bench/rules.ts --json     … last line: JSON array of results
 *
 * Work is planned in counts (builds, selections); the clock only measures.
 */
import { performance } from 'node:perf_hooks';
import type { CatalogItem } from '../shared/events';
import { Rng } from '../shared/math/rng';
import { RulePass, type RequestPlan } from '../shared/rules/apply';
import { FilterIndex } from '../shared/rules/filter-index';
import { CatalogCache } from '../shared/serving/catalog';
import { Scratch } from '../shared/serving/prepared';
import { selectTop } from '../shared/serving/select';

const JSON_OUT = process.argv.includes('--json');
const K = 10;
const SELECTIONS = 200;
const BUILDS = 5;
const BRANDS = ['acme', 'zed', 'nova', 'orbit'];
const BROAD = 'price < 100 and brand != "acme"';
const NARROW = 'category == "c7" and price >= 190';

const say = (s: string) => (JSON_OUT ? process.stderr.write(`${s}\n`) : console.log(s));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)];

async function run(items: number) {
  const rng = new Rng(7);
  const ids = Array.from({ length: items }, (_, i) => `item-${i}`);
  const catalog: CatalogItem[] = ids.map((itemId, i) => ({
    itemId,
    categories: [`c${i % 20}`],
    available: i % 50 !== 0,
    properties: { price: Math.floor(rng.next() * 200), brand: BRANDS[i % 4], tags: i % 3 ? ['a'] : ['b'] },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  }));
  const cache = new CatalogCache({ listCatalog: async () => catalog }, { refreshSeconds: 3600 });
  await cache.refresh();
  const view = cache.viewOf(new Map(ids.map((id, i) => [id, i])), items);
  const scores = Float32Array.from({ length: items }, () => rng.next() * 2 - 1);

  const builds: number[] = [];
  new FilterIndex().bitmap(view, [BROAD]); // warm-up: the first walk compiles the closures
  for (let b = 0; b < BUILDS; b++) {
    const index = new FilterIndex();
    const t0 = performance.now();
    index.bitmap(view, [BROAD]);
    builds.push(performance.now() - t0);
  }
  const index = new FilterIndex();
  const broad = index.bitmap(view, [BROAD]);
  const narrow = index.bitmap(view, [NARROW]);
  const share = (bits: Uint8Array) => bits.reduce((a, x) => a + x, 0) / items;

  const s = new Scratch(items);
  const time = (fn: () => void) => {
    const out: number[] = [];
    for (let r = 0; r < SELECTIONS; r++) {
      s.nextGeneration();
      const t0 = performance.now();
      fn();
      out.push(performance.now() - t0);
    }
    return out;
  };
  const select = (allow: Uint8Array | null) =>
    time(() => selectTop(s, scores, K, { restrict: false, blocked: view.blocked, floor: -Infinity, allow }));
  const plan: RequestPlan = {
    filters: [BROAD],
    boosts: [],
    slots: [
      { name: 'narrow2', source: NARROW, slots: 2 },
      { name: 'tag-b', source: '"b" in tags', slots: 3 },
    ],
    pins: [{ name: 'hero', itemId: 'item-7', position: 1 }],
  };
  const promoted = time(() => {
    const pass = new RulePass(index, view, plan);
    const flt = { restrict: false, blocked: view.blocked, floor: -Infinity, allow: pass.allow };
    const n = selectTop(s, scores, K, flt);
    pass.promote(s, scores, n, K, flt, new Map([['item-7', 7]]), (i) => scores[i]);
  });
  const boostPlan: RequestPlan = {
    filters: [],
    boosts: [{ name: 'b', source: NARROW, factor: 3 }],
    slots: [],
    pins: [],
  };
  const boostedScores = new Float32Array(items);
  const boosted = time(() => {
    const pass = new RulePass(index, view, boostPlan);
    const flt = { restrict: false, blocked: view.blocked, floor: -Infinity, allow: pass.allow };
    selectTop(s, pass.boost(scores, boostedScores, flt), K, flt);
  });
  return {
    items,
    bitmapBuildMs: median(builds),
    broadShare: share(broad),
    narrowShare: share(narrow),
    cases: {
      none: select(null),
      broad: select(broad),
      narrow: select(narrow),
      slotsAndPin: promoted,
      boost: boosted,
    },
  };
}

const results: unknown[] = [];
say(`rules bench: top-${K}, ${SELECTIONS} selections per case, bitmap build median of ${BUILDS}`);
say(`broad = ${BROAD}; narrow = ${NARROW}`);
for (const items of [100_000, 1_000_000]) {
  const r = await run(items);
  say(
    `\n${items.toLocaleString('en')} items: bitmap build ${r.bitmapBuildMs.toFixed(1)} ms ` +
      `(broad matches ${(r.broadShare * 100).toFixed(1)}%, narrow ${(r.narrowShare * 100).toFixed(2)}%)`,
  );
  for (const [name, xs] of Object.entries(r.cases)) {
    say(`  ${name.padEnd(12)} p50 ${median(xs).toFixed(3)} ms   p99 ${p99(xs).toFixed(3)} ms`);
    results.push({ items, case: name, p50Ms: median(xs), p99Ms: p99(xs), bitmapBuildMs: r.bitmapBuildMs });
  }
}
say(
  `\nload average ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
if (JSON_OUT) console.log(JSON.stringify(results));
