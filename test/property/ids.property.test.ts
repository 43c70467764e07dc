/**
 * Ids survive every encoding they pass through: percent-encoding in a path
 * (the local gateway and the handlers' own fallback decode once), and the
 * DynamoDB key layout, whose sort keys must order by time whatever the ids hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePathSegment } from '../../shared/http/api';
import { Id } from '../../shared/http/validation';
import { keys } from '../../shared/storage/schema';
import { matchRoute } from '../../infra/local/http-event';
import { FC } from './fc';

/** Any id the API accepts: `/`, `%`, `#`, `?`, spaces, quotes, any script, astral characters. */
const id = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }),
    fc.string({
      unit: fc.constantFrom('/', '%', '#', '?', '&', '+', ' ', '"', "'", '.', 'a', 'é', '😀'),
      minLength: 1,
    }),
  )
  .filter((s) => Id.safeParse(s).success);
const time = fc.integer({ min: 0, max: 4_102_444_800_000 }); // 1970 … 2100

describe('ids round-trip', () => {
  it('through a percent-encoded path segment, and the route still matches', () => {
    fc.assert(
      fc.property(id, id, (user, item) => {
        expect(decodePathSegment(encodeURIComponent(user))).toBe(user);
        const recs = matchRoute('GET', `/users/${encodeURIComponent(user)}/recommendations`);
        expect(recs?.params).toEqual({ userId: user });
        const similar = matchRoute('GET', `/items/${encodeURIComponent(item)}/similar`);
        expect(similar?.params).toEqual({ itemId: item });
      }),
      FC,
    );
  });

  it('a malformed segment never throws: it decodes to something no id may be, or to a valid id', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('%', 'e', '9', 'C', '3', 'A', 'x', 'F', '0') }), (raw) => {
        const d = decodePathSegment(raw);
        let strict: string | null = null;
        try {
          strict = decodeURIComponent(raw);
        } catch {
          strict = null;
        }
        if (strict === null) expect(d).toContain('\uFFFD');
        else expect(d).toBe(strict);
      }),
      FC,
    );
  });

  it('keys are injective per id, and time-ordered sort keys order by time whatever the ids', () => {
    fc.assert(
      fc.property(id, id, time, time, (a, b, t1, t2) => {
        expect(keys.user(a) === keys.user(b)).toBe(a === b);
        expect(keys.item(a) === keys.item(b)).toBe(a === b);
        expect(keys.event(a).slice(2)).toBe(a);
        if (t1 < t2) {
          expect(keys.eventTime(t1, a) < keys.eventTime(t2, b)).toBe(true);
          expect(keys.catalogSort(t1, a) < keys.catalogSort(t2, b)).toBe(true);
          expect(keys.receivedSort(t1, a, a) < keys.receivedSort(t2, b, b)).toBe(true);
        }
      }),
      FC,
    );
  });
});
