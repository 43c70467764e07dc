/** Mapping between domain records and DynamoDB items (attribute names in shared/storage/schema.ts). */
import type { CatalogItem, EventType, Interaction } from '../../events';
import { KEY, RECEIVED_SHARDS, keys } from '../schema';

/** FNV-1a: a stable, cheap hash to spread a day's events over the received-index shards. */
export function shardOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % RECEIVED_SHARDS;
}

export function eventToItem(ev: Interaction, retentionDays: number): Record<string, unknown> {
  return {
    [KEY.pk]: keys.user(ev.userId),
    [KEY.sk]: keys.event(ev.eventId),
    [KEY.lsi1sk]: keys.eventTime(ev.timestamp, ev.eventId),
    [KEY.gsi1pk]: keys.receivedBucket(ev.receivedAt, shardOf(`${ev.userId}\u0000${ev.eventId}`)),
    [KEY.gsi1sk]: keys.receivedSort(ev.receivedAt, ev.userId, ev.eventId),
    eventId: ev.eventId,
    userId: ev.userId,
    itemId: ev.itemId,
    type: ev.type,
    value: ev.value,
    timestamp: ev.timestamp,
    receivedAt: ev.receivedAt,
    sessionId: ev.sessionId,
    properties: ev.properties,
    recommendationId: ev.recommendationId,
    position: ev.position,
    modelVersion: ev.modelVersion,
    variant: ev.variant,
    ...(retentionDays > 0 ? { [KEY.ttl]: Math.floor(ev.receivedAt / 1000) + Math.round(retentionDays * 86_400) } : {}),
  };
}

export function eventFromItem(item: Record<string, any>): Interaction {
  const ev: Interaction = {
    eventId: item.eventId,
    userId: item.userId,
    itemId: item.itemId,
    type: item.type as EventType,
    timestamp: Number(item.timestamp),
    receivedAt: Number(item.receivedAt),
  };
  if (item.value !== undefined && item.value !== null) ev.value = Number(item.value);
  if (item.sessionId !== undefined) ev.sessionId = item.sessionId;
  if (item.properties !== undefined) ev.properties = item.properties;
  if (item.recommendationId !== undefined) ev.recommendationId = item.recommendationId;
  if (item.position !== undefined) ev.position = Number(item.position);
  if (item.modelVersion !== undefined) ev.modelVersion = item.modelVersion;
  if (item.variant !== undefined) ev.variant = item.variant;
  return ev;
}

export function catalogFromItem(item: Record<string, any>): CatalogItem {
  const out: CatalogItem = {
    itemId: item.itemId,
    categories: Array.isArray(item.categories) ? item.categories : [],
    available: item.available !== false,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
  if (item.title !== undefined) out.title = item.title;
  if (item.properties !== undefined) out.properties = item.properties;
  return out;
}
