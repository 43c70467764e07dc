import { describe, expect, it } from 'vitest';
import { ItemsCsvError, parseItemsCsv } from '../../../shared/metadata/items-csv';
import { Vocabulary, itemTokens, multiHot, tokenBags, userTokens } from '../../../shared/metadata/vocabulary';
import { eceOfBins, expectedCalibrationError } from '../../../shared/math/neural/ece';

describe('items.csv', () => {
  it('reads categories split on | and keeps other columns as properties, quoted commas included', () => {
    const items = parseItemsCsv(
      'item_id,title,categories,price,brand\ni1,"Shoes, trail",running|outdoor,89,acme\ni2,Mug,,4.5,\n',
    );
    expect(items).toEqual([
      {
        itemId: 'i1',
        title: 'Shoes, trail',
        categories: ['running', 'outdoor'],
        properties: { price: 89, brand: 'acme' },
      },
      { itemId: 'i2', title: 'Mug', categories: [], properties: { price: 4.5 } },
    ]);
  });

  it('fails clearly on a missing item_id column, a header alone and duplicate ids', () => {
    expect(() => parseItemsCsv('id;title;categories\na;b;c\n')).toThrow(
      /no item_id column in header "id;title;categories"/,
    );
    expect(() => parseItemsCsv('item_id,title,categories\n')).toThrow(ItemsCsvError);
    expect(() => parseItemsCsv('item_id,title\na,x\na,y\n')).toThrow(/appears twice \(line 3\)/);
    expect(() => parseItemsCsv('item_id,title\n"a,x\n')).toThrow(ItemsCsvError);
  });
});

describe('vocabularies and token bags', () => {
  it('turns categories, string properties and user attributes into tokens; numbers stay out', () => {
    expect(itemTokens({ categories: ['a', 'b'], properties: { price: 3, brand: 'x', sale: true } })).toEqual([
      'c:a',
      'c:b',
      'p:brand=x',
      'p:sale=true',
    ]);
    expect(userTokens({ age: '25-34', country: 'DE' })).toEqual(['age=25-34', 'country=DE']);
  });

  it('numbers tokens in order of first sight and drops unknown tokens when not growing', () => {
    const tok: Record<string, string[]> = { x: ['c:a', 'c:b', 'c:a'], y: [], z: ['c:b', 'c:new'] };
    const v = new Vocabulary();
    const bags = tokenBags(['x', 'y', 'w'], (id) => tok[id], v, true);
    expect(v.toJSON()).toEqual(['c:a', 'c:b']);
    expect(Array.from(bags.indptr)).toEqual([0, 2, 2, 2]);
    expect(Array.from(bags.indices)).toEqual([0, 1]);
    const frozen = tokenBags(['z'], (id) => tok[id], v, false);
    expect(Array.from(frozen.indices)).toEqual([1]);
    expect(v.size).toBe(2);
    expect(Array.from(multiHot(bags, 2))).toEqual([1, 1, 0, 0, 0, 0]);
  });
});

describe('expected calibration error', () => {
  it('is the count-weighted gap between mean predicted and observed rate', () => {
    // bin [0.1, 0.2): p 0.1, 0.1 with one hit → |0.1 − 0.5| = 0.4; bin [0.9, 1): p 0.9, 0.9, two hits → 0.1
    expect(expectedCalibrationError([0.1, 0.1, 0.9, 0.9], [1, 0, 1, 1])).toBeCloseTo(0.25, 12);
    expect(eceOfBins([])).toBe(0);
  });

  it('is zero for perfectly calibrated bins', () => {
    const p = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75];
    expect(expectedCalibrationError(p, [1, 0, 0, 0, 1, 1, 1, 0])).toBeCloseTo(0, 12);
  });
});
