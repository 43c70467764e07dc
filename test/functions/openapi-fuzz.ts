/**
 * Hostile requests built from docs/openapi.json: a fast-check arbitrary per
 * request body or query: values that follow the schema (so requests get past
 * the first check and reach the stores), a third of them with one mutation at
 * a random place — a wrong type, a deleted field, an extra field, an edge number
 * or a nasty string; and the answer contract every request is checked against.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { HttpResult } from '../helpers/handlers';

type Schema = Record<string, any>;

export const openapi: Schema = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));

/** The operation a route names in the document (path as templated there). */
export function operation(method: string, path: string): Schema {
  const op = openapi.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`docs/openapi.json has no ${method} ${path}`);
  return op;
}

const resolve = (s: Schema): Schema => {
  if (typeof s?.$ref !== 'string') return s;
  return s.$ref
    .split('/')
    .slice(1)
    .reduce((o: Schema, k: string) => o[k], openapi);
};

/** Strings from every corner: control characters, lone surrogates, U+FFFD, astral, prototype keys, long. */
export const nastyString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '.',
    '..',
    '%',
    '%41',
    '/',
    '#',
    '?',
    ':',
    '\u0000',
    '\u001f',
    '\u007f',
    '\ud800',
    'a\udc00',
  ),
  fc.constantFrom('\uFFFD', '__proto__', 'constructor', 'ü-東京-🎧', 'x'.repeat(129), 'y'.repeat(5000), '1e309'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Numbers JSON carries and DynamoDB may not: 0, -0, subnormals, below 1e-130, beyond 2^53, at the bounds. */
export const edgeNumber = fc.constantFrom(0, -0, 5e-324, 1e-200, 1e-131, 1e-130, 0.1, 1, -1, 2 ** 53, 1e125, 1e300);

const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, [], {}, '', 'NaN', '50', true),
  nastyString,
  edgeNumber,
);

function numberArb(s: Schema): fc.Arbitrary<number> {
  const lo = s.minimum ?? s.exclusiveMinimum ?? -1e6;
  const hi = s.maximum ?? s.exclusiveMaximum ?? 1e6;
  if (s.type === 'integer') return fc.integer({ min: Math.ceil(lo), max: Math.floor(Math.min(hi, 1e9)) });
  const open = { minExcluded: s.minimum === undefined, maxExcluded: s.maximum === undefined };
  const bounds = [s.minimum, s.maximum].filter((x) => x !== undefined) as number[];
  // a grid over the range, and fast-check's doubles (they favour extremes: subnormals, 1e-300)
  const grid = fc.integer({ min: 1, max: 999 }).map((i) => lo + ((hi - lo) * i) / 1000);
  const anyDouble = fc.double({ min: lo, max: hi, noNaN: true, ...open });
  return fc.oneof({ weight: 6, arbitrary: grid }, anyDouble, ...(bounds.length ? [fc.constantFrom(...bounds)] : []));
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]));
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern));
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) });
}

/** Values that follow `schema` (its types, bounds, patterns, required fields); optional fields come and go. */
export function fromSchema(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts)) return fc.oneof(...alts.map((a: Schema) => fromSchema(a, depth + 1)));
  if (Array.isArray(s.allOf)) {
    // several patterns cannot be generated at once: the plain generator's printable strings pass these
    const { allOf, ...own } = s;
    const parts = allOf.map(resolve);
    const patterns = parts.filter((x: Schema) => x.pattern !== undefined).length + (own.pattern ? 1 : 0);
    const merged = Object.assign({}, own, ...parts);
    if (patterns > 1) delete merged.pattern;
    return fromSchema(merged, depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const props: Record<string, Schema> = s.properties ?? {};
      const fields = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, depth + 1)]));
      const required = ((s.required ?? []) as string[]).filter((k) => k in fields);
      return fc.record(fields, { requiredKeys: required });
    }
    case 'array':
      return fc.array(fromSchema(s.items ?? {}, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 5, 12),
      });
    case 'integer':
    case 'number':
      return numberArb(s);
    case 'string':
      return stringArb(s);
    case 'boolean':
      return fc.boolean();
    default:
      return depth > 3 ? fc.constant(null) : fc.jsonValue({ maxDepth: 1 });
  }
}

/** Every place in a JSON value (a path of keys and indexes), the root included. */
function places(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) places(x, [...at, i], out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) places(x, [...at, k], out);
  return out;
}

type Mutation = { kind: 'replace' | 'delete' | 'extra'; pick: number; key: string; value: unknown };

/** `v` (a JSON value) with one mutation at one of its places: a wrong value, a deleted field, an extra field. */
export function mutate(v: unknown, m: Mutation): unknown {
  const root = { v: JSON.parse(JSON.stringify(v) ?? 'null') as unknown };
  const all = places(root.v, ['v']);
  const path = all[m.pick % all.length];
  const parent = path.slice(0, -1).reduce((o: any, k) => o[k], root) as any;
  const last = path[path.length - 1];
  const here = parent[last];
  if (m.kind === 'extra' && here && typeof here === 'object' && !Array.isArray(here))
    // an own key, as JSON.parse makes a "__proto__" one
    Object.defineProperty(here, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  else if (m.kind === 'delete' && !Array.isArray(parent) && parent !== root) delete parent[last];
  else parent[last] = m.value;
  return root.v;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'delete', 'extra'),
  pick: fc.nat(),
  key: fc.oneof(nastyString, fc.constantFrom('extra', 'pipeline', 'share')),
  value: anyJson,
});

/** A schema-valid value, with one mutation in `1 / every` draws. */
export function nearSchema(schema: Schema, every = 3): fc.Arbitrary<unknown> {
  return fc
    .tuple(fromSchema(schema), fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, mutation))
    .map(([v, m]) => (m ? mutate(v, m) : v));
}

/** A request body as text: mostly the value's JSON, sometimes text no JSON parser takes or a wrong document. */
export function bodyText(schema: Schema): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 20, arbitrary: nearSchema(schema).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":NaN}', '{"a":1e309}', '[]', 'null', '"x"', '\u0000', '{}') },
  );
}

/** Percent-encodes the UTF-8 bytes of `s` (a lone surrogate becomes U+FFFD's, as any client sends it). */
export const percentEncode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

/** Query strings from an operation's query parameters: valid values, nasty ones, repeats and unknown names. */
export function queryText(op: Schema): fc.Arbitrary<string> {
  const params = (op.parameters ?? []).filter((p: Schema) => p.in === 'query');
  const one = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .constantFrom(...params)
        .chain((p: Schema) => fc.tuple(fc.constant(p.name), nearSchema(p.schema ?? {}, 4).map(String))),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('K', 'unknown', '__proto__', ''), fc.string({ maxLength: 5 })) },
  );
  return fc
    .array(one, { maxLength: 5 })
    .map((kv) => kv.map(([k, v]) => `${percentEncode(k as string)}=${percentEncode(v as string)}`).join('&'));
}

/**
 * The answer contract: a status the document lists for the operation (never a 500: no
 * deployment is misconfigured here), the standard error body on every error, 503 only
 * with Retry-After.
 */
export function expectContract(res: HttpResult, op: Schema, what: string): void {
  const documented = Object.keys(op.responses ?? {}).filter((s) => s !== '500');
  expect(documented, `${what}: answered ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`).toContain(
    String(res.status),
  );
  if (res.status >= 400) {
    expect(res.body?.error, what).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    for (const k of Object.keys(res.body.error)) expect(['code', 'message', 'details'], what).toContain(k);
  }
  if (res.status === 503) expect(res.headers['retry-after'], what).toMatch(/^\d+$/);
}
