/**
 * The status page's exposure panel: what the served model's top-10 does to the
 * catalog (the manifest's `exposure` block, shared/training/exposure.ts) —
 * Gini, coverage, long-tail share, and per category the share of slots beside
 * the share of interactions, as paired bars so over- and under-exposure show at a glance.
 */
import type { ModelExposure } from '../../shared/math/exposure';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Categories shown as bars; the rest stay in the manifest. */
const MAX_BARS = 12;

/** One line per label property (provider, brand…): each value's slots / interactions ratio. */
function propertyLines(e: ModelExposure): string {
  const rows = Object.entries(e.byProperty ?? {}).map(([name, groups]) => {
    const cells = groups
      .map((g) => `${esc(g.group)} ${pct(g.exposure)}${g.ratio === undefined ? '' : ` (×${g.ratio.toFixed(2)})`}`)
      .join(' · ');
    return `<tr><th scope="row">by ${esc(name)}</th><td>${cells}</td></tr>`;
  });
  return rows.length ? `<table><tbody>${rows.join('')}</tbody></table>` : '';
}

export function exposureCard(e: ModelExposure | undefined): string {
  if (!e)
    return '<p class="muted">This model has no exposure numbers (published before they were measured, or cut short).</p>';
  const head = `<table><tbody>
    <tr><th scope="row">Gini of exposure</th><td class="num">${e.gini.toFixed(3)}</td>
      <td class="muted">0 = every item shown equally, 1 = one item everywhere</td></tr>
    <tr><th scope="row">catalog coverage</th><td class="num">${pct(e.coverage)}</td>
      <td class="muted">items in at least one top-${e.k}</td></tr>
    <tr><th scope="row">long-tail share</th><td class="num">${pct(e.longTail)}</td>
      <td class="muted">slots for items outside the top 20% by popularity (they hold ${pct(e.longTailInteractions)} of interactions)</td></tr>
  </tbody></table>`;
  const groups = (e.groups ?? []).slice(0, MAX_BARS);
  if (!groups.length)
    return `${head}${propertyLines(e)}<p class="muted">Measured over ${e.users} users' top-${e.k}. No categories in the catalog: no per-category view.</p>`;
  const W = 960;
  const row = 22;
  const left = 150;
  const max = Math.max(...groups.map((g) => Math.max(g.exposure, g.interactions)), 1e-9);
  const bar = (x: number) => Math.max(1, ((W - left - 70) * x) / max);
  const bars = groups
    .map((g, r) => {
      const y = r * row + 4;
      const tip = `${g.group}: ${pct(g.exposure)} of slots, ${pct(g.interactions)} of interactions`;
      return `<g data-tip="${esc(tip)}"><title>${esc(tip)}</title>
        <text x="${left - 6}" y="${y + 13}" text-anchor="end">${esc(g.group.length > 18 ? `${g.group.slice(0, 17)}…` : g.group)}</text>
        <rect x="${left}" y="${y}" width="${bar(g.exposure)}" height="8" fill="#3b6fd8"/>
        <rect x="${left}" y="${y + 9}" width="${bar(g.interactions)}" height="8" fill="#b9c3d6"/>
        <text x="${left + bar(Math.max(g.exposure, g.interactions)) + 6}" y="${y + 13}">${g.ratio === undefined ? '' : `×${g.ratio.toFixed(2)}`}</text></g>`;
    })
    .join('');
  return `${head}
    <svg viewBox="0 0 ${W} ${groups.length * row + 8}" width="100%" role="img" aria-label="Share of recommendation slots and of interactions per category">${bars}</svg>
    <div class="legend"><span><i style="background:#3b6fd8;border-radius:0"></i>share of top-${e.k} slots</span>
      <span><i style="background:#b9c3d6;border-radius:0"></i>share of interactions</span>
      <span class="muted">×ratio = slots / interactions · ${e.users} users</span></div>${propertyLines(e)}`;
}
