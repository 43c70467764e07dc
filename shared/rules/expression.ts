/**
 * The filter expression language: a small, safe subset of JavaScript syntax
 * parsed by jsep, checked against a whitelist, and compiled into a predicate
 * over catalog records. Nothing is ever evaluated as code: the predicate is a
 * tree of closures over the checked syntax tree. Grammar and semantics:
 * docs/rules.md.
 */
import jsep from 'jsep';

/** Longest expression accepted (a query parameter or a stored definition). */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Most syntax nodes an expression may hold: bounds the cost per catalog item. */
export const MAX_EXPRESSION_NODES = 200;
/** Most values an `in [...]` list may hold. */
export const MAX_LIST_VALUES = 100;

// Word operators beside the symbol ones; jsep only matches them as whole words.
jsep.addBinaryOp('or', 1);
jsep.addBinaryOp('and', 2);
jsep.addBinaryOp('in', 7);
jsep.addUnaryOp('not');

/** A malformed or disallowed expression; the message names the problem (and where, when known). */
export class RuleSyntaxError extends Error {
  override name = 'RuleSyntaxError';
}

/** What a predicate sees of a catalog item. */
export interface ItemRecord {
  itemId: string;
  categories: readonly string[];
  properties?: Readonly<Record<string, unknown>>;
}

export type Predicate = (item: ItemRecord) => boolean;

export interface CompiledFilter {
  source: string;
  test: Predicate;
}

type Scalar = string | number | boolean | null;
type Operand =
  | { kind: 'lit'; value: Scalar }
  | { kind: 'path'; path: string[] }
  | { kind: 'itemId' }
  | { kind: 'category' };
type Cmp = '==' | '!=' | '<' | '<=' | '>' | '>=';

const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);
/** Names that reach an object's prototype machinery: never a property name here. */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const ALLOWED = 'comparisons (== != < <= > >=), and/or/not (&& || !), in [list], literals and property names';

type Node = jsep.Expression;
const MISSING = Symbol('missing');
type Resolved = unknown | typeof MISSING;

/** Parses, checks and compiles an expression; throws RuleSyntaxError naming the problem. */
export function compileFilter(source: string): CompiledFilter {
  if (typeof source !== 'string' || source.trim() === '') throw new RuleSyntaxError('the expression is empty');
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new RuleSyntaxError(`the expression is ${source.length} characters; at most ${MAX_EXPRESSION_LENGTH}`);
  }
  let ast: Node;
  try {
    ast = jsep(source);
  } catch (err) {
    if (err instanceof RangeError) throw new RuleSyntaxError('the expression is nested too deeply');
    throw new RuleSyntaxError((err as Error).message);
  }
  let nodes = 0;
  const count = () => {
    if (++nodes > MAX_EXPRESSION_NODES) {
      throw new RuleSyntaxError(`the expression has more than ${MAX_EXPRESSION_NODES} parts`);
    }
  };
  return { source, test: predicate(ast, count) };
}

function predicate(n: Node, count: () => void): Predicate {
  count();
  switch (n.type) {
    case 'BinaryExpression': {
      const b = n as jsep.BinaryExpression;
      const op = b.operator;
      if (op === 'and' || op === '&&') {
        const l = predicate(b.left, count);
        const r = predicate(b.right, count);
        return (it) => l(it) && r(it);
      }
      if (op === 'or' || op === '||') {
        const l = predicate(b.left, count);
        const r = predicate(b.right, count);
        return (it) => l(it) || r(it);
      }
      if (op === 'in') return membership(b, count);
      if (COMPARISONS.has(op)) return comparison(op as Cmp, operand(b.left, count), operand(b.right, count));
      throw new RuleSyntaxError(`operator "${op}" is not allowed; allowed: ${ALLOWED}`);
    }
    case 'UnaryExpression': {
      const u = n as jsep.UnaryExpression;
      if (u.operator !== 'not' && u.operator !== '!') {
        throw new RuleSyntaxError(`operator "${u.operator}" is not allowed here; allowed: ${ALLOWED}`);
      }
      const p = predicate(u.argument, count);
      return (it) => !p(it);
    }
    case 'Literal': {
      const v = literal(n, count);
      if (typeof v !== 'boolean') throw new RuleSyntaxError(`${describe(n)} is not a condition`);
      return () => v;
    }
    case 'Identifier':
    case 'MemberExpression': {
      // a bare property is a flag: true exactly when it holds the boolean true
      const o = operand(n, count);
      if (o.kind === 'category') throw new RuleSyntaxError('"category" needs a comparison: category == "name"');
      return comparison('==', o, { kind: 'lit', value: true });
    }
    default:
      throw unsupported(n);
  }
}

/** `x in [a, b]` (x equals one of them) or `"a" in tags` (the list property tags holds "a"). */
function membership(b: jsep.BinaryExpression, count: () => void): Predicate {
  const needle = operand(b.left, count);
  if (b.right.type === 'ArrayExpression') {
    const elements = (b.right as jsep.ArrayExpression).elements;
    if (elements.length > MAX_LIST_VALUES) {
      throw new RuleSyntaxError(`an "in" list holds at most ${MAX_LIST_VALUES} values`);
    }
    const values = elements.map((e) => {
      if (!e) throw new RuleSyntaxError('an "in" list must not have holes');
      const v = literal(e, count);
      if (v === null) throw new RuleSyntaxError('an "in" list holds strings, numbers or booleans, not null');
      return v;
    });
    const set = new Set<Scalar>(values);
    if (needle.kind === 'category') return (it) => it.categories.some((c) => set.has(c));
    const get = resolver(needle);
    return (it) => {
      const v = get(it);
      return isScalar(v) && v !== null && set.has(v);
    };
  }
  const list = operand(b.right, count);
  if (list.kind !== 'path') {
    throw new RuleSyntaxError('"in" needs a list: x in ["a", "b"], or a list property: "a" in tags');
  }
  if (needle.kind === 'category') throw new RuleSyntaxError('"category" cannot be looked up in a property');
  const getNeedle = resolver(needle);
  const getList = resolver(list);
  return (it) => {
    const v = getNeedle(it);
    const l = getList(it);
    return isScalar(v) && v !== null && Array.isArray(l) && l.some((x) => x === v);
  };
}

function comparison(op: Cmp, left: Operand, right: Operand): Predicate {
  if (left.kind === 'category' || right.kind === 'category') return categoryTest(op, left, right);
  const ordered = op !== '==' && op !== '!=';
  for (const o of [left, right]) {
    if (o.kind === 'lit' && (o.value === null || typeof o.value === 'boolean') && ordered) {
      throw new RuleSyntaxError(`"${op}" compares numbers or strings, not ${String(o.value)}`);
    }
  }
  const l = resolver(left);
  const r = resolver(right);
  if (!ordered && (isNullLit(left) || isNullLit(right))) {
    // `x == null`: the property is missing (or null); `x != null`: it is there
    const other = isNullLit(left) ? r : l;
    const missing = (it: ItemRecord) => {
      const v = other(it);
      return v === MISSING || v === null;
    };
    return op === '==' ? missing : (it) => !missing(it);
  }
  return (it) => {
    const a = l(it);
    const b = r(it);
    // a missing property fails every comparison (ask for it with `x == null`)
    if (a === MISSING || b === MISSING) return false;
    switch (op) {
      case '==':
        return isScalar(a) && a === b;
      case '!=':
        return !(isScalar(a) && a === b);
      default:
        return ordered2(op, a, b);
    }
  };
}

function ordered2(op: Cmp, a: unknown, b: unknown): boolean {
  const numbers = typeof a === 'number' && typeof b === 'number';
  const strings = typeof a === 'string' && typeof b === 'string';
  if (!numbers && !strings) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

/** category == "x" (the item is in x), != (it is not), compared with a string literal only. */
function categoryTest(op: Cmp, left: Operand, right: Operand): Predicate {
  const other = left.kind === 'category' ? right : left;
  if ((op !== '==' && op !== '!=') || other.kind !== 'lit' || typeof other.value !== 'string') {
    throw new RuleSyntaxError('"category" is compared with == or != to a string, or tested with in ["a", "b"]');
  }
  const name = other.value;
  return op === '==' ? (it) => it.categories.includes(name) : (it) => !it.categories.includes(name);
}

function operand(n: Node, count: () => void): Operand {
  if (n.type === 'Literal' || n.type === 'UnaryExpression') return { kind: 'lit', value: literal(n, count) };
  if (n.type === 'Identifier' || n.type === 'MemberExpression') {
    count();
    const path = memberPath(n);
    if (path.length === 1 && path[0] === 'itemId') return { kind: 'itemId' };
    if (path.length === 1 && path[0] === 'category') return { kind: 'category' };
    // `properties.x` reaches a property whose name is reserved (itemId, category)
    if (path[0] === 'properties' && path.length > 1) return { kind: 'path', path: path.slice(1) };
    return { kind: 'path', path };
  }
  throw unsupported(n);
}

/** a.b.c → ["a", "b", "c"]; computed access (a["b"], a[0]) and calls are refused. */
function memberPath(n: Node): string[] {
  const out: string[] = [];
  let cur: Node = n;
  while (cur.type === 'MemberExpression') {
    const m = cur as jsep.MemberExpression;
    if (m.computed || m.property.type !== 'Identifier') {
      throw new RuleSyntaxError('computed member access (a[...]) is not allowed; name nested properties as a.b');
    }
    out.unshift(checkedName((m.property as jsep.Identifier).name));
    cur = m.object;
  }
  if (cur.type !== 'Identifier') throw unsupported(cur);
  out.unshift(checkedName((cur as jsep.Identifier).name));
  return out;
}

function checkedName(name: string): string {
  if (FORBIDDEN_NAMES.has(name)) throw new RuleSyntaxError(`property name "${name}" is not allowed`);
  return name;
}

/** A string, finite number, boolean or null literal; `-` before a number literal is part of it. */
function literal(n: Node, count: () => void): Scalar {
  count();
  if (n.type === 'UnaryExpression') {
    const u = n as jsep.UnaryExpression;
    if ((u.operator === '-' || u.operator === '+') && u.argument.type === 'Literal') {
      const v = (u.argument as jsep.Literal).value;
      if (typeof v === 'number') return u.operator === '-' ? -v : v;
    }
    if (u.operator === 'not' || u.operator === '!') {
      throw new RuleSyntaxError(`"${u.operator}" applies to a condition: write not (a == 1), not not a == 1`);
    }
    throw new RuleSyntaxError(`operator "${u.operator}" is only allowed before a number`);
  }
  if (n.type !== 'Literal') throw unsupported(n);
  const v = (n as jsep.Literal).value;
  if (typeof v === 'number' && !Number.isFinite(v)) throw new RuleSyntaxError(`number ${describe(n)} is too large`);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw unsupported(n);
}

function resolver(o: Operand): (it: ItemRecord) => Resolved {
  switch (o.kind) {
    case 'lit': {
      const v = o.value;
      return () => v;
    }
    case 'itemId':
      return (it) => it.itemId;
    case 'path': {
      const path = o.path;
      return (it) => {
        let cur: unknown = it.properties;
        for (const key of path) {
          // own keys only: a name can never reach a prototype
          if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, key)) {
            return MISSING;
          }
          cur = (cur as Record<string, unknown>)[key];
        }
        return cur;
      };
    }
    default:
      throw new RuleSyntaxError('"category" needs a comparison: category == "name"');
  }
}

const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isNullLit = (o: Operand) => o.kind === 'lit' && o.value === null;

const NODE_NAMES: Record<string, string> = {
  CallExpression: 'function calls are not allowed',
  ThisExpression: '"this" is not allowed',
  ConditionalExpression: 'conditional (a ? b : c) expressions are not allowed',
  Compound: 'several expressions (a, b or a; b) are not allowed: join conditions with and/or',
  ArrayExpression: 'a list is only allowed after "in"',
  SequenceExpression: 'several expressions are not allowed',
};

function unsupported(n: Node): RuleSyntaxError {
  if (n.type === 'BinaryExpression') {
    return new RuleSyntaxError(
      `operator "${(n as jsep.BinaryExpression).operator}" is not allowed; allowed: ${ALLOWED}`,
    );
  }
  return new RuleSyntaxError(NODE_NAMES[n.type] ?? `${describe(n)} is not allowed; allowed: ${ALLOWED}`);
}

function describe(n: Node): string {
  if (n.type === 'Literal') return String((n as jsep.Literal).raw);
  if (n.type === 'Identifier') return `"${(n as jsep.Identifier).name}"`;
  return `a ${n.type}`;
}
