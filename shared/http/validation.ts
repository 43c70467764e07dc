/** Helpers that turn request text and zod schemas into typed values or 400s naming the problem. */
import type { z } from 'zod';
import { badRequest } from './errors';

/** Formats zod issues as "path: message" lines, one per problem. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** Parses a JSON body of at most `maxBytes`, or throws a 400 (missing, too large, not JSON). */
export function parseJsonBody(body: string | undefined, maxBytes: number): unknown {
  if (body === undefined || body === '') throw badRequest('missing_body', 'a JSON request body is required');
  const size = Buffer.byteLength(body, 'utf8');
  if (size > maxBytes) {
    throw badRequest('payload_too_large', `the body is ${size} bytes; at most ${maxBytes} are accepted`);
  }
  try {
    return JSON.parse(body);
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
