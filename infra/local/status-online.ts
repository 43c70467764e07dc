/** The status page's online panel: what apps reported back (impressions, clicks, purchases) and the A/B report. */
import type { MetricsRow, OnlineReport } from '../../shared/online/report';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number | null | undefined, d = 2) =>
  typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : '—';
const rateCell = (r: MetricsRow['ctr']) =>
  r ? `${pct(r.rate)} <span class="muted">[${pct(r.low, 1)}, ${pct(r.high, 1)}]</span>` : '—';

function rowCells(label: string, r: MetricsRow): string {
  return `<tr><td class="mono">${esc(label)}</td><td class="num">${r.recommendations}</td><td class="num">${r.impressions}</td>
    <td class="num">${r.clicks}</td><td class="num">${rateCell(r.ctr)}</td><td class="num">${pct(r.ctrAt['10'] ?? null)}</td>
    <td class="num">${rateCell(r.conversionRate)}</td><td class="num">${r.revenue.toFixed(2)}</td><td class="num">${pct(r.coverage, 1)}</td></tr>`;
}

const HEAD = `<thead><tr><th></th><th class="num">answers</th><th class="num">impressions</th><th class="num">clicks</th>
  <th class="num">CTR [95%]</th><th class="num">CTR@10</th><th class="num">conversion [95%]</th><th class="num">revenue</th>
  <th class="num">coverage</th></tr></thead>`;

/** Categories named per row: the most over- and under-exposed against their share of interactions. */
const CATEGORY_CELLS = 3;

function exposureRow(label: string, r: MetricsRow): string {
  const e = r.exposure;
  if (!e) return '';
  const byRatio = (e.groups ?? []).filter((g) => g.ratio !== undefined).sort((a, b) => b.ratio! - a.ratio!);
  const cell = (gs: typeof byRatio) => gs.map((g) => `${esc(g.group)} ×${g.ratio!.toFixed(2)}`).join(', ') || '—';
  return `<tr><td class="mono">${esc(label)}</td><td class="num">${e.impressions}</td><td class="num">${e.gini.toFixed(3)}</td>
    <td class="num">${pct(e.coverage, 1)}</td><td class="num">${pct(e.longTail, 1)} <span class="muted">(${pct(e.longTailInteractions, 1)})</span></td>
    <td>${cell(byRatio.slice(0, CATEGORY_CELLS))}</td><td>${cell(byRatio.slice(CATEGORY_CELLS).slice(-CATEGORY_CELLS).reverse())}</td></tr>`;
}

/** Exposure of what was actually shown, per model version and variant (shared/online/exposure.ts). */
function exposureTable(report: OnlineReport): string {
  const rows = [
    exposureRow('all', report.totals),
    ...report.byModelVersion.map((r) => exposureRow(`model ${r.modelVersion}`, r)),
    ...report.byVariant.map((r) => exposureRow(`variant ${r.variant}`, r)),
  ].join('');
  if (!rows) return '';
  // label properties (a provider, a brand) of everything shown: each value's impressions / interactions
  const byProperty = Object.entries(report.totals.exposure?.byProperty ?? {}).map(
    ([name, groups]) =>
      `<p class="muted" data-property="${esc(name)}">by ${esc(name)}: ${groups
        .map((g) => `${esc(g.group)} ${pct(g.exposure, 1)}${g.ratio === undefined ? '' : ` (×${g.ratio.toFixed(2)})`}`)
        .join(' · ')}</p>`,
  );
  return `<h3>Exposure of what was shown (top-10)</h3><div class="scroll"><table id="online-exposure-table"><thead><tr><th></th>
    <th class="num">impressions</th><th class="num">Gini</th><th class="num">coverage</th>
    <th class="num">long-tail share <span class="muted">(their interactions)</span></th>
    <th>most over-exposed (impressions / interactions)</th><th>most under-exposed</th></tr></thead><tbody>${rows}</tbody></table></div>${byProperty.join('')}`;
}

export function onlineCard(report: OnlineReport | null | undefined): string {
  if (!report) return '<p class="muted">Online metrics are not available (GET /metrics/online did not answer).</p>';
  if (!report.countedUntil || report.totals.impressions === 0) {
    return `<p class="muted">No impressions counted yet. Apps send <code>impression</code> events with the answer's
      <code>recommendationId</code> and each item's <code>position</code>; clicks and purchases carry the same id
      (docs/online.md). The training run counts them.</p>`;
  }
  const rows = [
    rowCells('all', report.totals),
    ...report.byModelVersion.map((r) => rowCells(`model ${r.modelVersion}`, r)),
    ...report.byVariant.map((r) => rowCells(`variant ${r.variant}`, r)),
  ];
  const exp = report.experiment;
  const ab = exp
    ? `<h3>Experiment ${esc(exp.experimentId)} (${esc(exp.status)}) against ${esc(exp.control)}</h3>
      <table id="ab-table"><thead><tr><th>variant</th><th>metric</th><th class="num">difference [95%]</th>
      <th class="num">p</th><th class="num">needed per variant</th><th>decision</th></tr></thead><tbody>${exp.comparisons
        .map(
          (c) => `<tr><td class="mono">${esc(c.variant)}</td><td>${c.metric}</td>
          <td class="num">${pct(c.difference)} ${c.interval ? `<span class="muted">[${pct(c.interval.low)}, ${pct(c.interval.high)}]</span>` : ''}</td>
          <td class="num">${c.pValue === null ? '—' : c.pValue.toFixed(3)}</td><td class="num">${c.neededPerVariant ?? '—'}</td>
          <td>${esc(c.decision)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  return `<div class="scroll"><table id="online-table">${HEAD}<tbody>${rows.join('')}</tbody></table></div>${ab}${exposureTable(report)}
    <p class="muted">counted up to ${esc(report.countedUntil)}; ${report.unattributed} click(s)/purchase(s) named an answer that could not be attributed</p>`;
}
