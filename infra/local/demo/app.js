// The demo shop, in the browser. Everything it knows about the visitor goes
// through @attune/client: views and clicks are tracked in its queue
// (persisted in localStorage), recommendations and similar items are typed calls.
// Plain JavaScript: the project's type-check has no DOM library; esbuild bundles it.
import { createAttuneClient, localStorageAdapter } from '../../../clients/typescript/src/index';

const $ = (id) => document.getElementById(id);
const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const PALETTE = ['#2b59c3', '#a23b72', '#1b7a5a', '#8a4fbf', '#b5461f', '#2f6f8f', '#7a5c12', '#9c2f2f'];
const PERSONAS = ['user-1', 'user-2', 'user-3', 'user-4', 'user-5'];
const USER_KEY = 'attune.demo.user';
const SHELF = 8;

const client = createAttuneClient({
  baseUrl: location.origin,
  queue: {
    storage: localStorageAdapter(),
    flushIntervalMs: 2000,
    onInvalid: (r) => console.warn('rejected events', r),
  },
});

let catalog = new Map();
const colors = new Map();
let category = null;
let user = pickUser();

function pickUser() {
  const asked = new URLSearchParams(location.search).get('user');
  if (asked === 'new' || (!asked && !localStorage.getItem(USER_KEY))) return freshUser();
  const id = asked || localStorage.getItem(USER_KEY);
  localStorage.setItem(USER_KEY, id);
  return id;
}

function freshUser() {
  const id = `visitor-${crypto.getRandomValues(new Uint32Array(2)).join('').slice(0, 12)}`;
  localStorage.setItem(USER_KEY, id);
  return id;
}

function card(id, why) {
  const it = catalog.get(id) ?? { itemId: id, title: id, category: 'other' };
  const color = colors.get(it.category) ?? '#555';
  return `<button class="card" data-item="${esc(it.itemId)}" data-category="${esc(it.category)}">
    <div class="swatch" style="background:${color}" aria-hidden="true">${esc(it.title.charAt(0))}</div>
    <div class="t">${esc(it.title)}</div><div class="c">${esc(it.category)}</div>
    ${why ? `<div class="why">${esc(why)}</div>` : ''}</button>`;
}

function because(item) {
  const first = item.because?.[0];
  if (!first) return '';
  return `Because you viewed ${catalog.get(first.itemId)?.title ?? first.itemId}`;
}

let asked = 0;
/** The shelf's last answer: its recommendationId and the items it showed. */
let shelf = null;
async function refreshForYou() {
  // clicks can overlap: only the newest request may paint, or an older answer would overwrite a newer one
  const mine = ++asked;
  shelf = null;
  try {
    const recs = await client.recommendations(user, { k: SHELF });
    if (mine !== asked) return;
    $('source').textContent = recs.source;
    $('for-you').innerHTML = recs.items.map((it) => card(it.itemId, because(it))).join('');
    // what was shown, for the online metrics (docs/online.md); a click on the shelf names this answer
    shelf = { recommendationId: recs.recommendationId, ids: new Set(recs.items.map((it) => it.itemId)) };
    for (const it of recs.items) {
      client.track({
        userId: user,
        itemId: it.itemId,
        type: 'impression',
        recommendationId: recs.recommendationId,
        position: it.position,
        modelVersion: recs.modelVersion,
        ...(recs.variant ? { variant: recs.variant } : {}),
      });
    }
  } catch (err) {
    if (mine !== asked) return;
    $('source').textContent = 'unavailable';
    $('for-you').innerHTML = `<div class="muted">${esc(err.message)}</div>`;
  }
}

function renderGrid() {
  const cats = [...colors.keys()];
  $('chips').innerHTML = [null, ...cats]
    .map(
      (c) =>
        `<button class="chip" data-chip="${esc(c ?? '')}" aria-pressed="${c === category}">${esc(c ?? 'all')}</button>`,
    )
    .join('');
  const items = [...catalog.values()]
    .filter((it) => !category || it.category === category)
    .slice(0, category ? 60 : 48);
  $('grid').innerHTML = items.map((it) => card(it.itemId)).join('');
}

async function openProduct(id) {
  const it = catalog.get(id);
  $('product').hidden = false;
  $('product-title').textContent = it?.title ?? id;
  $('product-meta').textContent = `${it?.category ?? ''} · ${id}`;
  client.track({ userId: user, itemId: id, type: 'view' });
  try {
    const sim = await client.similar(id, { k: 6 });
    $('similar').innerHTML = sim.items.map((s) => card(s.itemId)).join('');
  } catch (err) {
    $('similar').innerHTML =
      `<div class="muted">${esc(err.status === 404 ? 'not in the model yet' : err.message)}</div>`;
  }
}

async function onItem(id) {
  const attributed = shelf?.ids.has(id) ? { recommendationId: shelf.recommendationId } : {};
  client.track({ userId: user, itemId: id, type: 'click', ...attributed });
  const shown = openProduct(id);
  // send now rather than on the interval, so the shelf reflects the click right away
  const sent = await client.events.flush();
  $('log').textContent = `sent ${sent.stored} event(s) · ${client.events.size} queued`;
  await Promise.all([shown, refreshForYou()]);
}

document.addEventListener('click', (e) => {
  const chip = e.target.closest('[data-chip]');
  if (chip) {
    category = chip.dataset.chip || null;
    renderGrid();
    return;
  }
  const item = e.target.closest('[data-item]');
  if (item) void onItem(item.dataset.item);
});

function renderPersonas() {
  const options = [user, ...PERSONAS.filter((p) => p !== user)];
  $('persona').innerHTML = options
    .map((p) => `<option value="${esc(p)}">${esc(p.startsWith('visitor-') ? `${p} (new)` : p)}</option>`)
    .join('');
  $('persona').value = user;
}

$('persona').addEventListener('change', async () => {
  user = $('persona').value;
  localStorage.setItem(USER_KEY, user);
  $('product').hidden = true;
  await refreshForYou();
});
$('fresh').addEventListener('click', async () => {
  user = freshUser();
  renderPersonas();
  $('product').hidden = true;
  await refreshForYou();
});

async function start() {
  const items = await (await fetch('/demo/catalog.json')).json();
  catalog = new Map(items.map((it) => [it.itemId, it]));
  for (const it of items) if (!colors.has(it.category)) colors.set(it.category, PALETTE[colors.size % PALETTE.length]);
  renderPersonas();
  renderGrid();
  await refreshForYou();
  document.body.dataset.ready = 'true';
}

start().catch((err) => {
  $('for-you').innerHTML = `<div class="muted">could not start: ${esc(err.message)}</div>`;
});
