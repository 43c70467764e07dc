/**
 * What DynamoDB (through the SDK's marshaller) can hold, checked before a
 * write so that a value the API accepts can never come back from the store
 * as an error. The walk is iterative and stops at the depth limit, so a
 * 5,000-deep document costs nothing and never reaches JSON.stringify.
 */

/** Levels of nesting below a `properties` object (the object itself is level 1). DynamoDB allows 32. */
export const MAX_DEPTH = 8;
/** Longest key name in `properties`. */
export const MAX_KEY_CHARS = 128;
/** Keys refused at any depth: they mean something to JavaScript objects, never to Attune. */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
/** DynamoDB numbers: magnitude 0 or in [1e-130, 9.99e125]; the SDK also refuses integers beyond 2^53 - 1. */
export const MIN_MAGNITUDE = 1e-130;
export const MAX_MAGNITUDE = Number.MAX_SAFE_INTEGER;

/** Why a number cannot be stored exactly, or null when it can. */
export function numberIssue(n: number): string | null {
  if (!Number.isFinite(n)) return 'must be a finite number';
  const m = Math.abs(n);
  if (m > MAX_MAGNITUDE) return `must be within ±${MAX_MAGNITUDE} (2^53 - 1), the exactly storable range`;
  if (m !== 0 && m < MIN_MAGNITUDE) return `must be 0 or at least ${MIN_MAGNITUDE} in magnitude`;
  return null;
}

/** Why a string cannot be stored, or null: lone surrogates do not survive UTF-8. */
export function stringIssue(s: string): string | null {
  return LONE_SURROGATE.test(s) ? 'must be well-formed Unicode (no unpaired surrogates)' : null;
}
// String.prototype.isWellFormed is ES2024; the project's lib is ES2023.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface ValueIssue {
  path: (string | number)[];
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every problem that would make `root` unstorable, with its path below `root`;
 * stops after the first few so a hostile document cannot make a long answer.
 */
export function storableIssues(root: unknown, maxIssues = 5): ValueIssue[] {
  const issues: ValueIssue[] = [];
  const stack: { v: unknown; path: (string | number)[]; depth: number }[] = [{ v: root, path: [], depth: 1 }];
  while (stack.length > 0 && issues.length < maxIssues) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'number') {
      const m = numberIssue(v);
      if (m) issues.push({ path, message: m });
    } else if (typeof v === 'string') {
      const m = stringIssue(v);
      if (m) issues.push({ path, message: m });
    } else if (Array.isArray(v) || isObject(v)) {
      if (depth > MAX_DEPTH) {
        issues.push({ path, message: `is nested deeper than ${MAX_DEPTH} levels` });
        continue;
      }
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i], depth: depth + 1 });
        continue;
      }
      // Object.keys sees an own "__proto__" that JSON.parse created; property access would not.
      for (const key of Object.keys(v).reverse()) {
        const at = [...path, key];
        if (RESERVED_KEYS.includes(key)) issues.push({ path: at, message: 'is a reserved key name' });
        else if (key === '') issues.push({ path: at, message: 'key names must not be empty' });
        else if (key.length > MAX_KEY_CHARS)
          issues.push({ path: at, message: `key names are at most ${MAX_KEY_CHARS} characters` });
        else if (stringIssue(key)) issues.push({ path: at, message: `key name ${stringIssue(key)}` });
        else stack.push({ v: v[key], path: at, depth: depth + 1 });
      }
    } else if (v !== null && typeof v !== 'boolean') {
      issues.push({ path, message: `cannot be stored (${typeof v})` });
    }
  }
  return issues.slice(0, maxIssues);
}
