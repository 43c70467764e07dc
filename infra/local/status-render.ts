/**
 * Server-side rendering of the status page's panels: the first paint already
 * shows everything (no "loading…"), and the page's auto-refresh swaps in the
 * same HTML from /status/panels. Charts are plain SVG with tooltips (data-tip,
 * shown by the page script, and <title> for screen readers).
 */
import type { ModelExposure } from '../../shared/math/exposure';
import { exposureCard } from './status-exposure';
import type { OnlineReport } from '../../shared/online/report';
import type { MapPoint } from './status-map';
import { onlineCard } from './status-online';

export interface RunRow {
  startedAt: string;
  decision: string;
  reason: string;
  version: string | null;
  durationMs: number | null;
  trials: number | null;
  metrics: Record<string, number>;
  /** metrics.ndcg10, kept at the top level for older readers of /status.json. */
  ndcg10?: number | null;
}

export interface StatusView {
  now: number;
  health:
    | { status?: string; reasons?: string[]; modelVersion?: string | null; modelAgeSeconds?: number | null }
    | undefined;
  model: {
    version: string;
    createdAt: string;
    kind: string;
    factors: number;
    counts: { users: number; items: number; interactions: number };
    metrics?: Record<string, unknown>;
    exposure?: ModelExposure;
  } | null;
  runs: RunRow[];
  popular: { itemId: string }[];
  titles: Record<string, string>;
  categories: Record<string, string>;
  map: { points: MapPoint[]; explained: number; version: string } | null;
  /** GET /metrics/online (status-online.ts); absent or null when it did not answer. */
  online?: OnlineReport | null;
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fmt = (x: unknown, d = 3) =>
  typeof x === 'number' && Number.isFinite(x) ? (Number.isInteger(x) ? String(x) : x.toFixed(d)) : '—';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** "2 Dec 14:05 UTC" (the page script rewrites it in the viewer's time zone). */
export function humanTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return esc(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400 * 2) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

const time = (iso: string, now: number) =>
  `<time datetime="${esc(iso)}">${humanTime(iso)}</time> <span class="ago">${ago(now - Date.parse(iso))}</span>`;

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Round tick values inside [lo, hi], 1, 2 or 5 × a power of ten apart, about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 4): number[] {
  if (!(hi > lo)) return [lo];
  const p = 10 ** Math.floor(Math.log10((hi - lo) / target));
  const ticks = (step: number) => {
    const out: number[] = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
      out.push(Number(v.toPrecision(12)));
    return out;
  };
  const options = [0.5, 1, 2, 5, 10].map((m) => ticks(m * p)).filter((t) => t.length >= 2);
  return (
    options.sort((a, b) => Math.abs(a.length - target) - Math.abs(b.length - target) || a.length - b.length)[0] ?? [
      lo,
      hi,
    ]
  );
}

/** The y-range of a metric chart: the data's own range with a margin, never forced to 0. */
export function metricRange(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo;
  const margin = span > 0 ? span * 0.15 : Math.max(Math.abs(hi) * 0.05, 0.005);
  return [Math.max(0, lo - margin), hi + margin];
}

export const DECISION_COLORS: Record<string, string> = {
  published: '#2b59c3',
  rejected: '#b35900',
  failed: '#b3261e',
  skipped: '#5b6477',
  locked: '#5b6477',
};

const label = (v: StatusView, id: string) =>
  v.titles[id] ? `${esc(v.titles[id])} <span class="muted">${esc(id)}</span>` : esc(id);

function healthLine(v: StatusView): string {
  const h = v.health ?? {};
  const age = typeof h.modelAgeSeconds === 'number' ? ` · trained ${ago(h.modelAgeSeconds * 1000)}` : '';
  const c = v.model?.counts;
  const size = c ? ` · ${fmt(c.users)} users × ${fmt(c.items)} items` : '';
  const reasons = (h.reasons ?? []).map((r) => `<li>${esc(r)}</li>`).join('');
  return `<span class="pill ${h.status === 'ok' ? 'ok' : 'warn'}">${esc(h.status ?? 'unknown')}</span> model <b>${esc(h.modelVersion ?? 'none yet')}</b>${age}${size}
    ${reasons ? `<ul class="reasons">${reasons}</ul>` : ''}`;
}

function modelCard(v: StatusView): string {
  const m = v.model;
  if (!m) return '<p class="muted">No model is published yet: the first training run publishes one.</p>';
  const metrics = Object.entries(m.metrics ?? {}).filter(([, x]) => typeof x === 'number');
  return `<table><tbody>
    <tr><th scope="row">version</th><td>${esc(m.version)}</td></tr>
    <tr><th scope="row">created</th><td>${time(m.createdAt, v.now)}</td></tr>
    <tr><th scope="row">kind</th><td>${esc(m.kind)} · ${fmt(m.factors)} factors</td></tr>
    <tr><th scope="row">data</th><td>${fmt(m.counts.users)} users · ${fmt(m.counts.items)} items · ${fmt(m.counts.interactions)} interactions</td></tr>
    ${metrics.map(([k, x]) => `<tr><th scope="row">${esc(k)}</th><td class="num">${fmt(x, 4)}</td></tr>`).join('')}
  </tbody></table>`;
}

function popularCard(v: StatusView): string {
  if (!v.popular.length) return '<p class="muted">Nothing yet.</p>';
  return `<table><tbody>${v.popular.map((it, i) => `<tr><td class="num">${i + 1}</td><td>${label(v, it.itemId)}</td></tr>`).join('')}</tbody></table>`;
}

/** nDCG@10 of evaluated runs over time: time axis, a scale fitted to the data, tooltips. */
export function runsChart(v: StatusView): string {
  const pts = v.runs
    .filter((r) => typeof r.metrics.ndcg10 === 'number' && Number.isFinite(Date.parse(r.startedAt)))
    .map((r) => ({ r, t: Date.parse(r.startedAt), y: r.metrics.ndcg10 }))
    .sort((a, b) => a.t - b.t);
  if (!pts.length) return '<p class="muted">No evaluated training runs yet.</p>';
  const W = 1000,
    H = 240,
    L = 64,
    R = 16,
    T = 14,
    B = 40;
  const [lo, hi] = metricRange(pts.map((p) => p.y));
  const t0 = pts[0].t,
    t1 = pts.at(-1)!.t;
  const tSpan = t1 - t0 || 60_000;
  const x = (t: number) => (pts.length === 1 ? L + (W - L - R) / 2 : L + ((t - t0) / tSpan) * (W - L - R));
  const y = (val: number) => T + (1 - (val - lo) / (hi - lo)) * (H - T - B);
  const yTicks = niceTicks(lo, hi, 4);
  const xTicks = pts.length === 1 ? [t0] : niceTimeTicks(t0, t1, 5);
  const sameDay = new Date(t0).toDateString() === new Date(t1).toDateString() && t1 - t0 < 86_400_000;
  const xLabel = (t: number) => {
    const d = new Date(t);
    return sameDay
      ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
      : `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  };
  const grid = yTicks
    .map(
      (tk) =>
        `<line x1="${L}" x2="${W - R}" y1="${y(tk)}" y2="${y(tk)}" class="grid"/><text x="${L - 8}" y="${y(tk) + 4}" text-anchor="end">${fmt(tk, 3)}</text>`,
    )
    .join('');
  const xs = xTicks
    .map(
      (tk) =>
        `<line x1="${x(tk)}" x2="${x(tk)}" y1="${H - B}" y2="${H - B + 5}" class="axis"/><text x="${x(tk)}" y="${H - B + 20}" text-anchor="middle">${xLabel(tk)}</text>`,
    )
    .join('');
  const line = pts.map((p) => `${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
  const dots = pts
    .map((p) => {
      const tip = `${humanTime(p.r.startedAt)} · ${p.r.decision} · nDCG@10 ${fmt(p.y, 4)}${p.r.version ? ` · ${p.r.version}` : ''}`;
      return `<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="5" fill="${DECISION_COLORS[p.r.decision] ?? '#5b6477'}" data-tip="${esc(tip)}" tabindex="0"><title>${esc(tip)}</title></circle>`;
    })
    .join('');
  return `<div class="scroll"><svg id="ndcg-chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Holdout nDCG@10 of training runs over time">
    ${grid}<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" class="axis"/>${xs}
    <text x="14" y="${T + (H - T - B) / 2}" transform="rotate(-90 14 ${T + (H - T - B) / 2})" text-anchor="middle">nDCG@10</text>
    <polyline points="${line}" fill="none" stroke="#8796c9" stroke-width="1.5"/>${dots}</svg></div>
    <div class="legend">${['published', 'rejected', 'failed'].map((d) => `<span><i style="background:${DECISION_COLORS[d]}"></i>${d}</span>`).join('')}
    <span class="muted">${pts.length} evaluated run(s); the scale follows the data (not from 0)</span></div>`;
}

function niceTimeTicks(t0: number, t1: number, target: number): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * 60_000);
  const step = steps.find((s) => (t1 - t0) / s <= target) ?? steps.at(-1)!;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
  return out.length ? out : [t0];
}

function runsTable(v: StatusView): string {
  if (!v.runs.length) return '<p class="muted">No training runs yet.</p>';
  const rows = v.runs.slice(0, 25).map(
    (r) => `<tr><td>${time(r.startedAt, v.now)}</td>
      <td><span class="pill" style="color:${DECISION_COLORS[r.decision] ?? '#5b6477'}">${esc(r.decision)}</span></td>
      <td class="reason">${esc(r.reason)}</td><td class="num">${duration(r.durationMs)}</td><td class="num">${fmt(r.trials)}</td>
      <td class="num">${fmt(r.metrics.ndcg10, 4)}</td><td class="num">${fmt(r.metrics.precision10, 4)}</td>
      <td class="mono">${esc(r.version ?? '—')}</td></tr>`,
  );
  return `<div class="scroll"><table id="runs-table"><thead><tr><th>started</th><th>decision</th><th>reason</th>
    <th class="num">duration</th><th class="num">trials</th><th class="num">nDCG@10</th><th class="num">P@10</th><th>version</th></tr></thead>
    <tbody>${rows.join('')}</tbody></table></div>${v.runs.length > 25 ? `<p class="muted">latest 25 of ${v.runs.length}</p>` : ''}`;
}

export const CATEGORY_COLORS = [
  '#2b59c3',
  '#b3261e',
  '#1b7a5a',
  '#8a4fbf',
  '#b35900',
  '#2f6f8f',
  '#7a5c12',
  '#a23b72',
  '#4d566b',
  '#0f766e',
];

export function itemMap(v: StatusView): string {
  const m = v.map;
  if (!m?.points.length) return '<p class="muted">The served model has no item factors to map.</p>';
  const cats = [...new Set(m.points.map((p) => v.categories[p.itemId] ?? 'uncategorised'))].sort();
  const color = new Map(cats.map((c, i) => [c, CATEGORY_COLORS[i % CATEGORY_COLORS.length]]));
  const W = 1000,
    H = 460,
    P = 16;
  const xs = m.points.map((p) => p.x),
    ys = m.points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (val: number) => P + ((val - x0) / (x1 - x0 || 1)) * (W - 2 * P);
  const sy = (val: number) => H - P - ((val - y0) / (y1 - y0 || 1)) * (H - 2 * P);
  const r = m.points.length > 800 ? 3 : 4.5;
  const dots = m.points
    .map((p) => {
      const cat = v.categories[p.itemId] ?? 'uncategorised';
      const tip = `${v.titles[p.itemId] ?? p.itemId} · ${cat} · ${p.itemId}`;
      return `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="${r}" fill="${color.get(cat)}" fill-opacity="0.85" data-tip="${esc(tip)}"><title>${esc(tip)}</title></circle>`;
    })
    .join('');
  const legend =
    cats.length <= CATEGORY_COLORS.length
      ? cats.map((c) => `<span><i style="background:${color.get(c)}"></i>${esc(c)}</span>`).join('')
      : `<span class="muted">${cats.length} categories (colours repeat)</span>`;
  return `<svg id="item-map" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Items on the model's two principal axes, coloured by category">${dots}</svg>
    <div class="legend">${legend}<span class="muted">${m.points.length} items of ${esc(m.version)}; the two axes hold ${Math.round(m.explained * 100)}% of the factors' variance</span></div>`;
}

/** The panels (everything that refreshes). */
export function renderPanels(v: StatusView): string {
  return `<div class="sub" id="health">${healthLine(v)} <span class="muted">· updated <span id="updated" data-now="${v.now}">${humanTime(new Date(v.now).toISOString())}</span></span></div>
  <div class="grid">
    <section class="card"><h2>Served model</h2><div id="model">${modelCard(v)}</div></section>
    <section class="card"><h2>Popular now</h2><div id="popular">${popularCard(v)}</div></section>
    <section class="card wide"><h2>Training runs — holdout nDCG@10</h2><div id="chart">${runsChart(v)}</div></section>
    <section class="card wide"><h2>Training runs</h2><div id="runs">${runsTable(v)}</div></section>
    <section class="card wide"><h2>Exposure — what the served model's top-10 does to the catalog</h2><div id="exposure">${v.model ? exposureCard(v.model.exposure) : '<p class="muted">No model yet.</p>'}</div></section>
    <section class="card wide"><h2>Online — what users did with what they were shown</h2><div id="online">${onlineCard(v.online)}</div></section>
    <section class="card wide"><h2>Item map — the model's item factors on two principal axes</h2><div id="map">${itemMap(v)}</div></section>
  </div>`;
}
