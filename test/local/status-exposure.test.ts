import { describe, expect, it } from 'vitest';
import { exposureCard } from '../../infra/local/status-exposure';

describe('status page: exposure panel', () => {
  const e = {
    users: 400,
    k: 10,
    gini: 0.8123,
    coverage: 0.4,
    longTail: 0.05,
    longTailInteractions: 0.3,
    groupedBy: 'category' as const,
    groups: [
      { group: 'kitchen', exposure: 0.6, interactions: 0.3, ratio: 2 },
      { group: '<b>x</b>', exposure: 0.4, interactions: 0.7, ratio: 0.5714 },
    ],
  };

  it('shows the numbers and one pair of bars per category, names escaped', () => {
    const html = exposureCard(e);
    expect(html).toContain('0.812');
    expect(html).toContain('40.0%');
    expect(html).toContain('5.0%');
    expect(html).toContain('30.0% of interactions');
    expect(html.match(/<g data-tip/g)).toHaveLength(2);
    expect(html).toContain('×2.00');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('<b>x</b>');
  });

  it('one line per label property with the share and ratio of each value', () => {
    const html = exposureCard({
      ...e,
      byProperty: { provider: [{ group: 'acme', exposure: 0.75, interactions: 0.5, ratio: 1.5 }] },
    });
    expect(html).toContain('by provider');
    expect(html).toContain('acme 75.0% (×1.50)');
  });

  it('says so when a model has no exposure numbers or no categories', () => {
    expect(exposureCard(undefined)).toContain('no exposure numbers');
    expect(exposureCard({ ...e, groups: undefined })).toContain('No categories');
  });
});
