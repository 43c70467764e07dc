/**
 * InteractionStore in process memory: for unit tests of the cores and for
 * tools that need no persistence. Same contract as the DynamoDB store (the
 * contract suite in test/contract runs against both).
 */
import type { CatalogItem, Interaction } from '../../events';
import {
  InvalidCursorError,
  type CatalogPage,
  type Erasure,
  type EventPage,
  type InteractionStore,
  type PutEventsResult,
} from '../../ports/interactions';
import {
  type StoredUserAttributes,
  type UserAttributeStore,
  type UserAttributesBody,
  UserErasedError,
} from '../../ingest/attributes';
import { keys } from '../schema';
import { MemoryAttributes } from './attributes';

const sortKey = (ev: Interaction) => keys.eventTime(ev.timestamp, ev.eventId);

export class MemoryInteractionStore implements InteractionStore, UserAttributeStore {
  private readonly events = new Map<string, Map<string, Interaction>>();
  private readonly erasures = new Map<string, Erasure>();
  private readonly catalog = new Map<string, CatalogItem & { updatedMs: number }>();
  private readonly attributes = new MemoryAttributes();

  async putEvents(events: Interaction[]): Promise<PutEventsResult> {
    const result = { stored: [] as number[], failed: [] as number[], invalid: [], erased: [] as number[] };
    for (const [i, ev] of events.entries()) {
      // As in DynamoDB, where such a write deletes itself after re-checking the marker.
      if (this.erasures.has(ev.userId)) {
        result.erased.push(i);
        continue;
      }
      let byId = this.events.get(ev.userId);
      if (!byId) this.events.set(ev.userId, (byId = new Map()));
      byId.set(ev.eventId, structuredClone(ev));
      result.stored.push(i);
    }
    return result;
  }

  async listUserEvents(userId: string, opts: { limit: number; cursor?: string }): Promise<EventPage> {
    if (this.erasures.has(userId)) return { events: [], cursor: null };
    const all = [...(this.events.get(userId)?.values() ?? [])].sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1));
    let start = 0;
    if (opts.cursor) {
      let after: unknown;
      try {
        after = JSON.parse(Buffer.from(opts.cursor, 'base64url').toString('utf8'));
      } catch {
        throw new InvalidCursorError('cursor is not one this API issued');
      }
      const a = after as { u?: unknown; k?: unknown };
      if (!a || a.u !== userId || typeof a.k !== 'string')
        throw new InvalidCursorError('cursor is not one this API issued for this user');
      start = all.findIndex((ev) => sortKey(ev) < (a.k as string));
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + opts.limit);
    const more = start + opts.limit < all.length;
    const last = page[page.length - 1];
    return {
      events: page.map((e) => structuredClone(e)),
      cursor: more && last ? Buffer.from(JSON.stringify({ u: userId, k: sortKey(last) })).toString('base64url') : null,
    };
  }

  async eraseUser(userId: string): Promise<{ deleted: number }> {
    this.erasures.set(userId, { userId, erasedAt: Date.now() });
    this.attributes.delete(userId);
    const deleted = this.events.get(userId)?.size ?? 0;
    this.events.delete(userId);
    return { deleted };
  }

  async clearErasure(userId: string): Promise<boolean> {
    this.events.delete(userId);
    return this.erasures.delete(userId);
  }

  async putUserAttributes(userId: string, a: UserAttributesBody, now = Date.now()): Promise<StoredUserAttributes> {
    if (this.erasures.has(userId)) throw new UserErasedError(userId);
    return this.attributes.put(userId, a, now);
  }

  async getUserAttributes(userId: string): Promise<StoredUserAttributes | null> {
    return this.erasures.has(userId) ? null : this.attributes.get(userId);
  }

  async listUserAttributes(): Promise<StoredUserAttributes[]> {
    return this.attributes.list();
  }

  async getErasure(userId: string): Promise<Erasure | null> {
    return this.erasures.get(userId) ?? null;
  }

  async erasedAmong(userIds: string[]): Promise<Set<string>> {
    return new Set(userIds.filter((u) => this.erasures.has(u)));
  }

  async listErasures(): Promise<Erasure[]> {
    return [...this.erasures.values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));
  }

  async putItem(item: Omit<CatalogItem, 'createdAt' | 'updatedAt'>, now = Date.now()): Promise<CatalogItem> {
    const iso = new Date(now).toISOString();
    const prev = this.catalog.get(item.itemId);
    const next: CatalogItem & { updatedMs: number } = {
      itemId: item.itemId,
      categories: [...item.categories],
      available: item.available,
      createdAt: prev?.createdAt ?? iso,
      updatedAt: iso,
      updatedMs: now,
    };
    if (item.title !== undefined) next.title = item.title;
    if (item.properties !== undefined) next.properties = structuredClone(item.properties);
    this.catalog.set(item.itemId, next);
    return strip(next);
  }

  async getItem(itemId: string): Promise<CatalogItem | null> {
    const it = this.catalog.get(itemId);
    return it ? strip(it) : null;
  }

  async markItemUnavailable(itemId: string, now = Date.now()): Promise<CatalogItem> {
    const prev = this.catalog.get(itemId);
    const iso = new Date(now).toISOString();
    const next = {
      ...(prev ?? { itemId, categories: [], createdAt: iso }),
      available: false,
      updatedAt: iso,
      updatedMs: now,
    };
    this.catalog.set(itemId, next as CatalogItem & { updatedMs: number });
    return strip(next as CatalogItem & { updatedMs: number });
  }

  async listCatalog(sinceMs?: number): Promise<CatalogItem[]> {
    return [...this.catalog.values()]
      .filter((it) => sinceMs === undefined || it.updatedMs >= sinceMs)
      .sort((a, b) => a.updatedMs - b.updatedMs || (a.itemId < b.itemId ? -1 : 1))
      .map(strip);
  }

  async listCatalogPage(opts: { limit: number; cursor?: string }): Promise<CatalogPage> {
    let after: string | undefined;
    if (opts.cursor) {
      let c: unknown;
      try {
        c = JSON.parse(Buffer.from(opts.cursor, 'base64url').toString('utf8'));
      } catch {
        throw new InvalidCursorError('cursor is not one this API issued');
      }
      const k = (c as { c?: unknown } | null)?.c;
      if (typeof k !== 'string') throw new InvalidCursorError('cursor is not one this API issued for the catalog');
      after = k;
    }
    const all = [...this.catalog.values()]
      .filter((it) => after === undefined || catalogKey(it) > after)
      .sort((a, b) => (catalogKey(a) < catalogKey(b) ? -1 : 1));
    const page = all.slice(0, opts.limit);
    const last = page[page.length - 1];
    const more = all.length > opts.limit;
    return {
      items: page.map(strip),
      cursor: more && last ? Buffer.from(JSON.stringify({ c: catalogKey(last) })).toString('base64url') : null,
    };
  }
}

/** The Directory index's sort key of a catalog record: update time, then id (as DynamoDB orders it). */
const catalogKey = (it: { updatedMs: number; itemId: string }) => keys.catalogSort(it.updatedMs, it.itemId);

function strip(it: CatalogItem & { updatedMs: number }): CatalogItem {
  const { updatedMs: _drop, ...rest } = it;
  return structuredClone(rest);
}
