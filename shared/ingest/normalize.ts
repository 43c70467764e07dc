/** Turns a validated client event into the stored Interaction (ids, times). */
import { createHash } from 'node:crypto';
import type { Interaction } from '../events';
import { MAX_FUTURE_MS, MIN_TIMESTAMP_MS, type EventInput } from './schemas';

/**
 * A deterministic id from an event's content, for clients that send no
 * eventId: the same event retried maps to the same record. (Without a
 * client timestamp the content includes the receive time, so such retries
 * cannot be recognised — clients should send eventId or timestamp.)
 */
export function deriveEventId(ev: Omit<Interaction, 'eventId' | 'receivedAt'>): string {
  const canonical = JSON.stringify([
    ev.userId,
    ev.itemId,
    ev.type,
    ev.value ?? null,
    ev.timestamp,
    ev.sessionId ?? null,
    // only when present, so ids derived before attribution existed stay the same
    ...(ev.recommendationId !== undefined ? [ev.recommendationId] : []),
  ]);
  return `d-${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

/** Parses a validated timestamp; returns an error message when it is out of range. */
export function resolveTimestamp(ts: EventInput['timestamp'], now: number): number | string {
  if (ts === undefined) return now;
  const ms = typeof ts === 'number' ? ts : Date.parse(ts);
  if (!Number.isFinite(ms)) return 'timestamp: is not a valid date';
  if (ms > now + MAX_FUTURE_MS) return 'timestamp: is more than 5 minutes in the future';
  if (ms < MIN_TIMESTAMP_MS) return 'timestamp: is before 2000-01-01 (epoch seconds? send milliseconds)';
  return ms;
}

export function toInteraction(input: EventInput & { userId: string }, timestamp: number, now: number): Interaction {
  const base = {
    userId: input.userId,
    itemId: input.itemId,
    type: input.type,
    timestamp,
    ...(input.value !== undefined ? { value: input.value } : {}),
    ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
    ...(input.recommendationId !== undefined ? { recommendationId: input.recommendationId } : {}),
  };
  return {
    ...base,
    eventId: input.eventId ?? deriveEventId(base),
    receivedAt: now,
    ...(input.properties !== undefined ? { properties: input.properties } : {}),
    ...(input.position !== undefined ? { position: input.position } : {}),
    ...(input.modelVersion !== undefined ? { modelVersion: input.modelVersion } : {}),
    ...(input.variant !== undefined ? { variant: input.variant } : {}),
  };
}

/** The public JSON view of a stored event. */
export function eventView(ev: Interaction): Record<string, unknown> {
  return {
    eventId: ev.eventId,
    userId: ev.userId,
    itemId: ev.itemId,
    type: ev.type,
    value: ev.value ?? null,
    timestamp: new Date(ev.timestamp).toISOString(),
    receivedAt: new Date(ev.receivedAt).toISOString(),
    ...(ev.sessionId !== undefined ? { sessionId: ev.sessionId } : {}),
    ...(ev.properties !== undefined ? { properties: ev.properties } : {}),
    ...(ev.recommendationId !== undefined ? { recommendationId: ev.recommendationId } : {}),
    ...(ev.position !== undefined ? { position: ev.position } : {}),
    ...(ev.modelVersion !== undefined ? { modelVersion: ev.modelVersion } : {}),
    ...(ev.variant !== undefined ? { variant: ev.variant } : {}),
  };
}
