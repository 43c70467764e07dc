/**
 * What GET /metrics/online's exposure costs at the online state's caps' scale
 * (shared/online/exposure.ts): a 100,000-item catalog with 40 categories and a
 * 10-value provider, 64 (model version, variant) groups that each showed 5,000
 * items, interaction counts for every item. Prints the saved state's size and
 * the wall and CPU time of buildReport (three runs: the first includes the JIT's warm-up).
 *   npx tsx bench/online-exposure.ts [catalog items, default 100000]
 */
import { loadavg } from 'node:os';
import { emptyCounts, emptyState, groupKey } from '../shared/online/aggregate';
import { buildReport } from '../shared/online/report';

const N = Number(process.argv[2] ?? 100_000);
const GROUPS = 64;
const SHOWN = 5_000;

const s = emptyState(0);
s.watermark = 1;
s.interactionItems = Array.from({ length: N }, (_, i) => `item-${i}`);
s.interactionCounts = Array.from({ length: N }, (_, i) => 1 + ((i * 7919) % 97));
for (let g = 0; g < GROUPS; g++) {
  const items = [...new Set(Array.from({ length: SHOWN }, (_, j) => `item-${(g * 1543 + j * 17) % N}`))];
  const modelVersion = `v${g % 32}`;
  const variant = `x:${g % 2 ? 'a' : 'b'}`;
  s.groups[groupKey(modelVersion, variant)] = {
    modelVersion,
    variant,
    counts: emptyCounts(),
    items,
    shown: items.map((_, j) => 1 + (j % 13)),
  };
}
const catalog = {
  itemIds: s.interactionItems,
  categoriesOf: (id: string) => [`c${Number(id.slice(5)) % 40}`],
  propertiesOf: (id: string) => ({ provider: `p${Number(id.slice(5)) % 10}` }),
};
console.log(
  `state ${(JSON.stringify(s).length / 1e6).toFixed(1)} MB: ${GROUPS} groups × ${SHOWN} items, ${N} items used`,
);
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const report = buildReport(s, null, N, catalog);
  const used = process.cpuUsage(cpu);
  const rows = 1 + report.byModelVersion.length + report.byVariant.length;
  const ms = Math.round(performance.now() - t);
  // CPU time (this process's, the GC's helper threads too) says more than wall time on a shared machine
  const cpuMs = Math.round((used.user + used.system) / 1000);
  const load = loadavg()[0].toFixed(1);
  console.log(
    `buildReport ${ms} ms wall, ${cpuMs} ms CPU, ${rows} rows (Gini ${report.totals.exposure?.gini}); load ${load}`,
  );
}
