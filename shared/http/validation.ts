/** Helpers that turn request text and zod schemas into typed values or 400s naming the problem. */
import { z } from 'zod';
import { ApiError, badRequest } from './errors';

// String.prototype.isWellFormed is ES2024; the project's lib is ES2023.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Ids (users, items, events, sessions, categories): 1..128 characters of
 * well-formed Unicode without control characters. U+FFFD is refused too: it is
 * what a malformed percent-encoding or invalid UTF-8 decodes to, never a real id.
 * Anything else (`%`, `/`, `#`, `?`, spaces, any script) is a valid id and
 * round-trips through a path when percent-encoded once.
 */
export const Id = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
  .regex(/^[^\uFFFD]*$/, 'must not contain U+FFFD (a malformed percent-encoding or invalid UTF-8)')
  .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no unpaired surrogates)')
  // URLs treat these segments (even percent-encoded) as "here" and "up": no path could name them.
  .refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."');

/** Formats zod issues as "path: message" lines, one per problem. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** Parses a JSON body of at most `maxBytes`, or throws a 400 (missing, not JSON) or 413 (too large). */
export function parseJsonBody(body: string | undefined, maxBytes: number): unknown {
  if (body === undefined || body === '') throw badRequest('missing_body', 'a JSON request body is required');
  const size = Buffer.byteLength(body, 'utf8');
  if (size > maxBytes) {
    throw new ApiError(413, 'payload_too_large', `the body is ${size} bytes; at most ${maxBytes} are accepted`);
  }
  try {
    // RFC 8259 §8.1 lets a parser ignore a byte order mark; Windows tools write one
    return JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
  } catch (err) {
    throw badRequest('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Validates `value` against `schema`, throwing a 400 with `code` and every issue. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, code: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(code, describeIssues(r.error.issues));
  return r.data;
}
