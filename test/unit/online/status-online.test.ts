/** The status page's online panel: numbers with their intervals, the A/B table, and what it says without data. */
import { describe, expect, it } from 'vitest';
import { onlineCard } from '../../../infra/local/status-online';
import type { Experiment } from '../../../shared/experiments/schema';
import { emptyState, foldEvents } from '../../../shared/online/aggregate';
import { buildReport } from '../../../shared/online/report';

const R = '0190a000-0000-7000-8000-000000000001';

describe('onlineCard', () => {
  it('renders totals, model versions, variants and the comparisons; escapes ids', () => {
    const s = emptyState(0);
    foldEvents(
      s,
      [
        {
          eventId: 'a',
          userId: 'u',
          itemId: 'i1',
          type: 'impression',
          timestamp: 1,
          receivedAt: 5,
          recommendationId: R,
          position: 1,
          modelVersion: 'v<1>',
          variant: 'x:control',
        },
        { eventId: 'b', userId: 'u', itemId: 'i1', type: 'click', timestamp: 1, receivedAt: 6, recommendationId: R },
      ],
      10,
    );
    const exp = {
      experimentId: 'x',
      status: 'running',
      variants: [
        { name: 'control', share: 50, pipeline: {} },
        { name: 'b', share: 50, pipeline: {} },
      ],
      control: 'control',
      alpha: 0.05,
      power: 0.8,
      minDetectableEffect: 0.1,
    } as unknown as Experiment;
    const catalog = {
      itemIds: Array.from({ length: 10 }, (_, i) => `i${i + 1}`),
      propertiesOf: (id: string) => ({ provider: id === 'i1' ? 'acme' : 'other' }),
    };
    const html = onlineCard(buildReport(s, exp, 10, catalog));
    expect(html).toContain('model v&lt;1&gt;');
    expect(html).toContain('variant x:control');
    expect(html).toContain('100.00% <span class="muted">[20.7%, 100.0%]</span>');
    expect(html).toContain('id="ab-table"');
    expect(html).toContain('too small to decide');
    // exposure of what was shown: one item of ten, at position 1
    expect(html).toContain('id="online-exposure-table"');
    // i1 (acme) took every impression and the one interaction (its click); "other" had neither, so is not listed
    expect(html).toContain('<p class="muted" data-property="provider">by provider: acme 100.0% (×1.00)</p>');
    expect(html).toMatch(
      /variant x:control<\/td><td class="num">1<\/td><td class="num">0\.900<\/td>\s*<td class="num">10\.0%/,
    );
  });

  it('says how to send impressions before any are counted, and when the route did not answer', () => {
    expect(onlineCard(buildReport(null, null, null))).toContain('No impressions counted yet');
    expect(onlineCard(null)).toContain('not available');
  });
});
