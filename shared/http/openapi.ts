/**
 * The OpenAPI 3.1 document, generated from the topology (routes, auth), the
 * zod schemas the handlers validate requests with, and the response schemas
 * of responses.ts, so none of them can disagree. `npm run openapi` writes
 * docs/openapi.json; a test keeps it in sync and checks real responses.
 */
import { z } from 'zod';
import { ROUTES, type RouteDef } from '../topology';
import { UserAttributesBody } from '../ingest/attributes';
import { EventInput, ListEventsQuery, PostEventsBody, PutItemBody } from '../ingest/schemas';
import { ExperimentBody } from '../experiments/schema';
import { NoQuery, RankBody, RecommendQuery, SimilarQuery } from '../serving/schemas';
import { RESPONSE_SCHEMAS, type ResponseSchemaName } from './responses';
import { RULE_ROUTE_SCHEMAS } from '../rules/openapi';

interface RouteSchemas {
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyExample?: unknown;
  success: { status: number; description: string; schema: ResponseSchemaName };
  /** Extra statuses this route answers beyond the common ones. */
  notFound?: string;
  conflict?: string;
}

/** What each route takes and answers; keyed like the topology ("METHOD /path"). */
export const ROUTE_SCHEMAS: Record<string, RouteSchemas> = {
  'POST /events': {
    body: PostEventsBody.extend({ events: z.array(EventInput).min(1).max(100) }),
    bodyExample: {
      events: [{ eventId: '0192d3a4-5b6c-7def-8abc-0123456789ab', userId: 'user-1', itemId: 'item-3', type: 'click' }],
    },
    success: {
      status: 202,
      description: 'Valid events stored; invalid ones listed in `rejected`',
      schema: 'EventsAccepted',
    },
  },
  'GET /users/{userId}/events': {
    query: ListEventsQuery,
    success: { status: 200, description: "The user's stored events, newest first", schema: 'EventPage' },
  },
  'DELETE /users/{userId}': {
    success: { status: 202, description: 'Erased: the user is blocked and their events deleted', schema: 'Erasure' },
  },
  'DELETE /users/{userId}/erasure': {
    success: {
      status: 200,
      description: 'The erasure block is lifted: new events of the user are accepted again',
      schema: 'ErasureLifted',
    },
  },
  'PUT /users/{userId}/attributes': {
    body: UserAttributesBody,
    bodyExample: { ageBand: '25-34', country: 'DE', interests: ['running', 'coffee'] },
    success: {
      status: 200,
      description: 'The stored attributes (they replace earlier ones)',
      schema: 'UserAttributes',
    },
    conflict: 'The user has been erased (code user_erased): nothing is stored until the erasure is lifted',
  },
  'GET /users/{userId}/attributes': {
    success: { status: 200, description: "The user's stored attributes", schema: 'UserAttributes' },
    notFound: 'The user has no stored attributes',
  },
  'PUT /items/{itemId}': {
    body: PutItemBody,
    success: { status: 200, description: 'The stored catalog record', schema: 'CatalogItem' },
  },
  'DELETE /items/{itemId}': {
    success: { status: 200, description: 'The catalog record, now unavailable', schema: 'CatalogItem' },
  },
  'GET /users/{userId}/recommendations': {
    query: RecommendQuery,
    success: { status: 200, description: 'Top-k items with reasons', schema: 'Recommendations' },
  },
  'POST /users/{userId}/rank': {
    query: NoQuery,
    body: RankBody,
    success: { status: 200, description: 'The candidates best first; unknown ones last', schema: 'Ranking' },
  },
  'GET /items/{itemId}/similar': {
    query: SimilarQuery,
    success: { status: 200, description: 'Nearest items by cosine over item factors', schema: 'SimilarItems' },
    notFound: 'The item is not in the served model',
  },
  'GET /health': { success: { status: 200, description: 'Service and model status', schema: 'Health' } },
  ...RULE_ROUTE_SCHEMAS,
  'GET /metrics/online': {
    query: NoQuery,
    success: {
      status: 200,
      description: 'Online metrics per model version and variant, and the experiment against its control',
      schema: 'OnlineReport',
    },
  },
  'GET /experiments': { success: { status: 200, description: 'Every experiment', schema: 'ExperimentList' } },
  'PUT /experiments/{experimentId}': {
    body: ExperimentBody,
    bodyExample: {
      variants: [
        { name: 'control', share: 50 },
        { name: 'diverse', share: 50, pipeline: { diversity: 0.3 } },
      ],
      baseline: { ctr: 0.05 },
    },
    success: {
      status: 200,
      description: 'The stored experiment (200 whether created or replaced)',
      schema: 'Experiment',
    },
    conflict: 'Another experiment is running (code experiment_conflict): stop it first; one runs at a time',
  },
  'GET /experiments/{experimentId}': {
    success: { status: 200, description: 'The experiment', schema: 'Experiment' },
    notFound: 'No experiment has this id',
  },
  'DELETE /experiments/{experimentId}': {
    success: { status: 200, description: 'Deleted', schema: 'ExperimentDeleted' },
    notFound: 'No experiment has this id',
  },
};

/**
 * Query parameters whose validator ends in a transform (unrepresentable in
 * JSON Schema) are documented here; a test checks these bounds against the validator.
 */
export const QUERY_OVERRIDES: Record<string, Record<string, unknown>> = {
  minProbability: { type: 'number', minimum: 0, maximum: 1, description: 'only items with P(interaction) ≥ this' },
};

const stripMeta = (s: Record<string, unknown>) => {
  const { $schema: _s, $id: _i, ...rest } = s;
  return rest;
};
const jsonSchema = (s: z.ZodType, io: 'input' | 'output') =>
  stripMeta(z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>);

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, s] of Object.entries(RESPONSE_SCHEMAS)) registry.add(s, { id });
  const out = z.toJSONSchema(registry, { io: 'output', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  return Object.fromEntries(Object.entries(out.schemas).map(([k, v]) => [k, stripMeta(v)]));
}

const ref = (name: ResponseSchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const retryAfter = () => ({
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
});

/** Query parameters from the validator's output side: numbers with their bounds, lists as comma-separated arrays. */
function queryParams(query: z.ZodObject): Record<string, unknown>[] {
  const q = jsonSchema(query, 'output') as { properties?: Record<string, Record<string, unknown>> };
  const required = (jsonSchema(query, 'input') as { required?: string[] }).required ?? [];
  return Object.entries(q.properties ?? {}).map(([name, schema]) => {
    const s = QUERY_OVERRIDES[name] ?? schema;
    return {
      name,
      in: 'query',
      required: required.includes(name),
      ...(s.type === 'array' ? { style: 'form', explode: false } : {}),
      schema: s,
    };
  });
}

function responses(route: RouteDef, s: RouteSchemas): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [String(s.success.status)]: { description: s.success.description, content: json(ref(s.success.schema)) },
  };
  const isEvents = route.method === 'POST' && route.path === '/events';
  const hasInput = s.query !== undefined || s.body !== undefined || route.path.includes('{');
  if (hasInput) {
    out['400'] = {
      description: isEvents
        ? 'Bad envelope, or no event of the batch is valid (then `rejected` lists each one’s problem)'
        : 'Bad input: the message names each problem',
      content: json(isEvents ? { anyOf: [ref('Error'), ref('EventsRejected')] } : ref('Error')),
    };
  }
  if (route.auth !== 'public') {
    out['401'] = {
      description: 'No valid bearer token: answered by the API Gateway JWT authorizer before any function runs',
      content: json(ref('GatewayMessage')),
    };
    if (route.auth !== 'authenticated') {
      out['403'] = {
        description: route.auth === 'admin' ? 'The token is not an admin’s' : "The token's subject is another user",
        content: json(ref('Error')),
      };
    }
  }
  if (s.notFound) out['404'] = { description: s.notFound, content: json(ref('Error')) };
  if (s.conflict) out['409'] = { description: s.conflict, content: json(ref('Error')) };
  if (s.body) {
    out['413'] = {
      description: 'Body too large: the function’s limit (standard error body) or API Gateway’s 10 MB (`message`)',
      content: json({ anyOf: [ref('Error'), ref('GatewayMessage')] }),
    };
    out['415'] = {
      description: 'A `content-encoding` other than identity (`unsupported_encoding`): send the JSON uncompressed',
      content: json(ref('Error')),
    };
  }
  out['500'] = {
    description: isEvents
      ? 'A misconfigured store or a fault (`internal`); what was stored is said as for 503. API Gateway answers {"message"} when the function itself fails'
      : 'A misconfigured store or a fault (`internal`); API Gateway answers {"message"} when the function itself fails',
    content: json({ anyOf: [...(isEvents ? [ref('EventsPartial')] : []), ref('Error'), ref('GatewayMessage')] }),
  };
  if (route.path !== '/health') {
    out['503'] = {
      description: isEvents
        ? 'Some events could not be stored: `stored` and `failed` say exactly which; resend the failed ones'
        : 'A store or the model is not available yet; retry after Retry-After seconds',
      headers: retryAfter(),
      content: json(isEvents ? { anyOf: [ref('EventsPartial'), ref('Error')] } : ref('Error')),
    };
  }
  return out;
}

const operationId = (r: RouteDef) =>
  `${r.function.toLowerCase()}${r.method[0]}${r.method.slice(1).toLowerCase()}` +
  r.path
    .replace(/[{}]/g, '')
    .split('/')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');

function operation(route: RouteDef): Record<string, unknown> | null {
  const s = ROUTE_SCHEMAS[`${route.method} ${route.path}`];
  if (!s) return null;
  const params: Record<string, unknown>[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string', minLength: 1, maxLength: 128 },
  }));
  if (s.query) params.push(...queryParams(s.query));
  return {
    operationId: operationId(route),
    summary: route.summary,
    tags: [route.function],
    ...(route.auth === 'public' ? { security: [] } : {}),
    'x-attune-auth': route.auth,
    parameters: params,
    ...(s.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: jsonSchema(s.body, 'input'),
                ...(s.bodyExample ? { example: s.bodyExample } : {}),
              },
            },
          },
        }
      : {}),
    responses: responses(route, s),
  };
}

/** Routes of the topology this document has no schemas for (a test requires none). */
export const undocumentedRoutes = (): string[] =>
  ROUTES.filter((r) => !ROUTE_SCHEMAS[`${r.method} ${r.path}`]).map((r) => `${r.method} ${r.path}`);

const DESCRIPTION = [
  'Interaction logging and real-time recommendations.',
  'Errors of the functions answer {"error": {"code", "message"}}. API Gateway itself answers {"message"}:',
  '401 {"message":"Unauthorized"} from the JWT authorizer, 413 above its 10 MB payload limit, 500 when a',
  'function fails. A path the API does not have answers 404, and a method a path does not have 405 with an',
  '`Allow` header (both with the error body; components.responses NotFound and MethodNotAllowed).',
].join(' ');

/** Answers no single operation owns: unknown paths and methods (fresh objects: validators dereference in place). */
const sharedResponses = () => ({
  NotFound: { description: 'No route for this path', content: json(ref('Error')) },
  MethodNotAllowed: {
    description: 'The path exists but not with this method; `Allow` lists the methods it has',
    headers: { Allow: { description: 'e.g. "GET, DELETE"', schema: { type: 'string' } } },
    content: json(ref('Error')),
  },
});

/**
 * Builds the document; deterministic for a given code base. `serverUrl` is
 * where it is served from (the local server passes the request's origin);
 * without it the server is relative to the document's own location.
 */
export function buildOpenApi(version: string, serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const op = operation(r);
    if (op) (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Attune', version, description: DESCRIPTION },
    servers: serverUrl
      ? [{ url: serverUrl, description: 'where this document was served from' }]
      : [
          { url: '/', description: 'relative to where this document is served' },
          {
            url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
            description: 'a deployed stack (the ApiUrl output)',
            variables: { apiId: { default: 'example' }, region: { default: 'us-east-1' } },
          },
        ],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: componentSchemas(),
      responses: sharedResponses(),
    },
  };
}
