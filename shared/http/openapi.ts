/**
 * The OpenAPI 3.1 document, generated from the topology (routes, auth) and
 * the zod schemas the handlers validate with, so the two cannot disagree.
 * `npm run openapi` writes docs/openapi.json; a test keeps it in sync.
 */
import { z } from 'zod';
import { ROUTES, type RouteDef } from '../topology';
import { EventInput, ListEventsQuery, PostEventsBody, PutItemBody } from '../ingest/schemas';
import { NoQuery, RankBody, RecommendQuery, SimilarQuery } from '../serving/schemas';

interface RouteSchemas {
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyExample?: unknown;
  success: { status: number; description: string };
}

/** What each route takes; keyed like the topology ("METHOD /path"). */
const SCHEMAS: Record<string, RouteSchemas> = {
  'POST /events': {
    body: PostEventsBody.extend({ events: z.array(EventInput).min(1).max(100) }),
    bodyExample: { events: [{ userId: 'user-1', itemId: 'item-3', type: 'click' }] },
    success: { status: 202, description: 'Stored: {"accepted": n, "rejected": [{"index", "error"}]}' },
  },
  'GET /users/{userId}/events': { query: ListEventsQuery, success: { status: 200, description: '{"events": [...], "cursor": string | null}, newest first' } },
  'DELETE /users/{userId}': { success: { status: 202, description: '{"userId", "deleted": n}' } },
  'PUT /items/{itemId}': { body: PutItemBody, success: { status: 200, description: 'The stored catalog record' } },
  'DELETE /items/{itemId}': { success: { status: 200, description: 'The catalog record, now unavailable' } },
  'GET /users/{userId}/recommendations': {
    query: RecommendQuery,
    success: { status: 200, description: '{"userId", "modelVersion", "source", "items": [{"itemId", "score", "probability", "because"}]}' },
  },
  'POST /users/{userId}/rank': { body: RankBody, success: { status: 200, description: '{"userId", "modelVersion", "items": [{"itemId", "score" | null}]}' } },
  'GET /items/{itemId}/similar': { query: SimilarQuery, success: { status: 200, description: '{"itemId", "modelVersion", "items": [{"itemId", "score"}]}' } },
  'GET /health': { query: NoQuery, success: { status: 200, description: '{"status": "ok", "modelVersion", "modelAgeSeconds", "users", "items"}' } },
};

const jsonSchema = (s: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

function operation(route: RouteDef): Record<string, unknown> {
  const key = `${route.method} ${route.path}`;
  const s = SCHEMAS[key];
  if (!s) throw new Error(`openapi: no schemas for ${key}`);
  const params: Record<string, unknown>[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string', minLength: 1, maxLength: 128 },
  }));
  if (s.query) {
    const q = jsonSchema(s.query) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      params.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
  }
  const errors: Record<string, unknown> = {
    '400': { description: 'Bad input: names the problem', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    '503': { description: 'A store is unavailable; see Retry-After', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  };
  if (route.auth !== 'public') {
    errors['401'] = { description: 'No valid token' };
    errors['403'] = { description: route.auth === 'admin' ? 'Not an admin' : "The token's subject is another user" };
  }
  return {
    operationId: `${route.function.toLowerCase()}${route.method[0]}${route.method.slice(1).toLowerCase()}${route.path.replace(/[{}]/g, '').split('/').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`,
    summary: route.summary,
    tags: [route.function],
    ...(route.auth === 'public' ? { security: [] } : {}),
    'x-attune-auth': route.auth,
    parameters: params,
    ...(s.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(s.body), ...(s.bodyExample ? { example: s.bodyExample } : {}) } } } }
      : {}),
    responses: { [String(s.success.status)]: { description: s.success.description }, ...errors },
  };
}

/** Builds the document; deterministic for a given code base. */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Attune',
      version,
      description: 'Interaction logging and real-time recommendations. Errors answer {"error": {"code", "message"}}.',
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'npm start' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: ERROR },
    },
  };
}
