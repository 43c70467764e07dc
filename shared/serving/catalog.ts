/**
 * The catalog as serving needs it: which items are unavailable and which
 * categories each item is in, projected onto the current model's item indices.
 *
 * Kept cheap for large catalogs: one full read per container, then only the
 * records updated since the last read (listCatalog(since)), applied
 * incrementally to the projection — a refresh costs O(changes), not O(catalog).
 */
import type { CatalogItem } from '../events';
import type { InteractionStore } from '../ports/interactions';
import type { ItemRecord } from '../rules/expression';
import { sameValue } from '../rules/same-value';
import { MAX_VARIANT_MODELS } from '../experiments/schema';

/**
 * Re-read this much before the newest update seen: the directory index is
 * eventually consistent and writers' clocks differ, so a record may become
 * visible with an update time a little older than one already read.
 */
export const CATALOG_OVERLAP_MS = 60_000;

interface Entry {
  categories: readonly string[];
  available: boolean;
  /** Kept for filter expressions (shared/rules). */
  properties?: Readonly<Record<string, unknown>>;
}

/** The catalog projected on one model's item indices. */
export class CatalogView {
  /** blocked[i] = 1 when item i is unavailable and must never be returned. */
  readonly blocked: Uint8Array;
  private readonly postings = new Map<string, Set<number>>();
  private readonly records: (Entry | undefined)[];
  /** Bumped by every record change: filter bitmaps built for an older generation are rebuilt. */
  generation = 0;

  constructor(
    private readonly itemIndex: Map<string, number>,
    items: number,
  ) {
    this.blocked = new Uint8Array(items);
    this.records = new Array(items);
  }

  get size(): number {
    return this.blocked.length;
  }

  /** Every model item with its catalog record (bare when the catalog does not know it). */
  forEachRecord(fn: (index: number, record: ItemRecord) => void): void {
    // one record object rewritten per item: `fn` reads it synchronously and keeps nothing
    const rec: { itemId: string; categories: readonly string[]; properties?: Readonly<Record<string, unknown>> } = {
      itemId: '',
      categories: NO_CATEGORIES,
      properties: undefined,
    };
    for (const [itemId, i] of this.itemIndex) {
      const e = this.records[i];
      rec.itemId = itemId;
      rec.categories = e?.categories ?? NO_CATEGORIES;
      rec.properties = e?.properties;
      fn(i, rec);
    }
  }

  /** Categories of model item i (empty when the catalog does not know it); diversity's per-category cap reads it. */
  categoriesOf(i: number): readonly string[] {
    return this.records[i]?.categories ?? NONE;
  }

  /** Item indices in a category (empty when unknown). */
  itemsIn(category: string): ReadonlySet<number> {
    return this.postings.get(category) ?? EMPTY;
  }

  /** Applies one record change (old is the previous record, if any). */
  update(itemId: string, before: Entry | undefined, after: Entry): void {
    const idx = this.itemIndex.get(itemId);
    if (idx === undefined) return;
    this.generation++;
    this.records[idx] = after;
    this.blocked[idx] = after.available ? 0 : 1;
    if (before) for (const c of before.categories) this.postings.get(c)?.delete(idx);
    for (const c of after.categories) {
      let s = this.postings.get(c);
      if (!s) this.postings.set(c, (s = new Set()));
      s.add(idx);
    }
  }
}

const EMPTY: ReadonlySet<number> = new Set();
const NO_CATEGORIES: readonly string[] = [];
const NONE: readonly string[] = [];

export interface CatalogCacheOptions {
  refreshSeconds: number;
  now?: () => number;
  onError?: (message: string, err: unknown) => void;
}

/** Catalog views kept: one per model served at once (the latest, plus what A/B variants name). */
const MAX_VIEWS = 1 + MAX_VARIANT_MODELS;

/** Catalog records held in memory, refreshed by delta at most every `refreshSeconds`. */
export class CatalogCache {
  private readonly entries = new Map<string, Entry>();
  private watermark = 0;
  private loaded = false;
  private lastCheck = -Infinity;
  private inflight: Promise<void> | null = null;
  /** Views by model item index, least recently used first: the latest model's and A/B variants' models'. */
  private readonly views = new Map<Map<string, number>, CatalogView>();
  private readonly now: () => number;
  /** When catalog reads started failing (null while they work); /health reports it. */
  failingSince: number | null = null;

  constructor(
    private readonly store: Pick<InteractionStore, 'listCatalog'>,
    private readonly opts: CatalogCacheOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** True once a full read has succeeded. */
  get ready(): boolean {
    return this.loaded;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Refreshes when due. Failures are reported and the last good catalog stays in use. */
  async refresh(): Promise<void> {
    if (this.loaded && this.now() - this.lastCheck < this.opts.refreshSeconds * 1000) return;
    this.inflight ??= this.read().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async read(): Promise<void> {
    const started = this.now();
    try {
      const since = this.loaded ? Math.max(0, this.watermark - CATALOG_OVERLAP_MS) : undefined;
      const records = await this.store.listCatalog(since);
      for (const r of records) this.apply(r);
      this.loaded = true;
      this.lastCheck = started;
      this.failingSince = null;
    } catch (err) {
      this.failingSince ??= started;
      // try again on the next request rather than after a full interval
      this.opts.onError?.('catalog refresh failed; serving the last catalog read', err);
    }
  }

  private apply(r: CatalogItem): void {
    const updated = Date.parse(r.updatedAt);
    if (Number.isFinite(updated) && updated > this.watermark) this.watermark = updated;
    const after: Entry = { categories: [...new Set(r.categories ?? [])], available: r.available !== false };
    if (r.properties !== undefined) after.properties = r.properties;
    const before = this.entries.get(r.itemId);
    const same =
      before &&
      before.available === after.available &&
      sameList(before.categories, after.categories) &&
      sameValue(before.properties, after.properties);
    if (same) return;
    this.entries.set(r.itemId, after);
    for (const view of this.views.values()) view.update(r.itemId, before, after);
  }

  /**
   * The projection for a model's item index, built on the first call for a
   * new model (O(catalog)) and kept up to date by later refreshes.
   */
  viewOf(itemIndex: Map<string, number>, items: number): CatalogView {
    let view = this.views.get(itemIndex);
    if (view) {
      this.views.delete(itemIndex);
    } else {
      view = new CatalogView(itemIndex, items);
      for (const [id, e] of this.entries) view.update(id, undefined, e);
    }
    this.views.set(itemIndex, view);
    // models served at once: the latest and those A/B variants name (./variant-models.ts); older ones drop out
    for (const old of this.views.keys()) if (this.views.size > MAX_VIEWS) this.views.delete(old);
    return view;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
