import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  type ItemRecord,
  MAX_EXPRESSION_LENGTH,
  RuleSyntaxError,
} from '../../../shared/rules/expression';

const item = (properties?: Record<string, unknown>, categories: string[] = [], itemId = 'i-1'): ItemRecord => ({
  itemId,
  categories,
  properties,
});
const matches = (expr: string, rec: ItemRecord) => compileFilter(expr).test(rec);

describe('filter expressions: meaning', () => {
  const shoe = item({ price: 89, brand: 'acme', onSale: true, tags: ['trail', 'blue'], dims: { w: 10 } }, ['running']);

  it('compares numbers and strings, joined with and/or/not', () => {
    expect(matches('price < 100 and brand != "x"', shoe)).toBe(true);
    expect(matches('price < 89', shoe)).toBe(false);
    expect(matches('price <= 89 && price >= 89', shoe)).toBe(true);
    expect(matches('brand == "acme" or price > 1000', shoe)).toBe(true);
    expect(matches('not (brand == "acme")', shoe)).toBe(false);
    expect(matches('!(price > 100)', shoe)).toBe(true);
    expect(matches('brand > "abc"', shoe)).toBe(true);
    expect(matches('price > -5', shoe)).toBe(true);
  });

  it('and binds tighter than or', () => {
    // false and false or true → (false and false) or true
    expect(matches('price > 100 and brand == "x" or onSale', shoe)).toBe(true);
    expect(matches('price > 100 and (brand == "x" or onSale)', shoe)).toBe(false);
  });

  it('tests lists, list properties, categories, item ids, nested properties and flags', () => {
    expect(matches('brand in ["acme", "zed"]', shoe)).toBe(true);
    expect(matches('price in [1, 2]', shoe)).toBe(false);
    expect(matches('"trail" in tags', shoe)).toBe(true);
    expect(matches('"road" in tags', shoe)).toBe(false);
    expect(matches('category == "running"', shoe)).toBe(true);
    expect(matches('category != "running"', shoe)).toBe(false);
    expect(matches('category in ["kitchen", "running"]', shoe)).toBe(true);
    expect(matches('itemId == "i-1"', shoe)).toBe(true);
    expect(matches('dims.w == 10 and properties.dims.w < 11', shoe)).toBe(true);
    expect(matches('onSale', shoe)).toBe(true);
    expect(matches('not onSale', shoe)).toBe(false);
    expect(matches('true', shoe)).toBe(true);
  });

  it('a missing property fails every comparison; == null asks for it', () => {
    const bare = item();
    expect(matches('price < 100', bare)).toBe(false);
    expect(matches('price >= 100', bare)).toBe(false);
    expect(matches('brand != "x"', bare)).toBe(false);
    expect(matches('brand == null', bare)).toBe(true);
    expect(matches('brand != null', bare)).toBe(false);
    expect(matches('brand != null', shoe)).toBe(true);
    expect(matches('"a" in tags', bare)).toBe(false);
    expect(matches('dims.h == 1', shoe)).toBe(false);
    expect(matches('price.cents == 1', shoe)).toBe(false);
  });

  it('values of different types are never ordered and never equal', () => {
    const odd = item({ price: '89', flag: 'true' });
    expect(matches('price < 100', odd)).toBe(false);
    expect(matches('price > 100', odd)).toBe(false);
    expect(matches('price == 89', odd)).toBe(false);
    expect(matches('price != 89', odd)).toBe(true);
    expect(matches('flag', odd)).toBe(false);
  });

  it('names never reach the prototype chain', () => {
    const rec = item(Object.assign(Object.create({ inherited: 1 }), { own: 1 }));
    expect(matches('own == 1', rec)).toBe(true);
    expect(matches('inherited == 1', rec)).toBe(false);
    expect(matches('toString == null', item({}))).toBe(true);
    expect(matches('hasOwnProperty != null', item({}))).toBe(false);
  });
});

describe('filter expressions: what is refused', () => {
  const refused: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['f(1)', /function calls/],
    ['price.toFixed(2) == "1"', /function calls/],
    ['a["b"] == 1', /computed member access/],
    ['tags[0] == "x"', /computed member access/],
    ['a.__proto__ == null', /"__proto__" is not allowed/],
    ['constructor == null', /"constructor" is not allowed/],
    ['x.prototype.y == 1', /"prototype" is not allowed/],
    ['this == 1', /"this"/],
    ['a ? b : c', /conditional/],
    ['a == 1, b == 2', /several expressions/],
    ['price + 1 < 3', /operator "\+"/],
    ['price === 1', /operator "==="/],
    ['a | b', /operator "\|"/],
    ['~price == 1', /only allowed before a number/],
    ['not a == 1', /applies to a condition/],
    ['price < true', /compares numbers or strings/],
    ['price >= null', /compares numbers or strings/],
    ['price in 3', /needs a list/],
    ['price in [a]', /is not allowed/],
    ['price in [null]', /not null/],
    ['category < "a"', /"category" is compared/],
    ['category == 3', /"category" is compared/],
    ['category', /needs a comparison/],
    ['"x" in category', /needs a list/],
    ['"text"', /is not a condition/],
    ['1e999 > price', /too large/],
    ['price <', /Expected expression/],
    ['(price < 1', /Unclosed \(/],
    ['[1, 2]', /only allowed after "in"/],
  ];

  for (const [expr, why] of refused) {
    it(`refuses ${JSON.stringify(expr)}`, () => {
      let err: unknown;
      try {
        compileFilter(expr);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RuleSyntaxError);
      expect((err as Error).message).toMatch(why);
    });
  }

  it('bounds length, size and nesting', () => {
    expect(() => compileFilter(`price < ${'1'.repeat(MAX_EXPRESSION_LENGTH)}`)).toThrow(/characters; at most/);
    expect(() => compileFilter(Array.from({ length: 120 }, () => 'a').join(' or '))).toThrow(/parts/);
    expect(() => compileFilter(`${'('.repeat(497)}a == 1${')'.repeat(497)}`)).not.toThrow();
    expect(() => compileFilter(`${'not '.repeat(240)}a`)).toThrow(RuleSyntaxError);
    expect(() => compileFilter(`a in [${Array.from({ length: 101 }, (_, i) => i).join(',')}]`)).toThrow(/at most 100/);
  });
});
