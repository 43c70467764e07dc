/**
 * Event → plain request → core → plain response → Lambda result, for the
 * routes the shared topology gives one function: every route must have an
 * implementation (checked at cold start), auth is enforced per route, every
 * failure answers the JSON error shape, and each request logs one line.
 *
 * Dispatch is by the event's routeKey and pathParameters: API Gateway has
 * already matched the route and percent-decoded the parameters once, so the
 * handler never decodes again (decoding twice turned `a%2541` into `aA`) and
 * never re-parses rawPath (an id may hold `/`, `%` or `#`).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { AuthMode } from '../config';
import { StoreInputError, StoreMisconfiguredError, StoreUnavailableError } from '../ports/interactions';
import { ROUTES, type FunctionName, type RouteDef } from '../topology';
import { authorize, principalOf, type Principal } from './auth';
import { ApiError, badRequest, errorBody } from './errors';
import { describeIssues, Id } from './validation';

export interface ApiRequest {
  method: string;
  /** The topology route key, e.g. "GET /users/{userId}/events". */
  route: string;
  /** Path parameters, decoded exactly once and valid ids (see {@link Id}). */
  params: Record<string, string>;
  /** Query parameters; a list parameter given several times arrives comma-joined (as API Gateway does). */
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Raw body text (base64 already decoded), undefined when absent. */
  body: string | undefined;
  principal: Principal;
  requestId: string;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Why a 5xx answer was given (logged with the request line, never sent). */
  cause?: unknown;
}

export type RouteImpl = (req: ApiRequest) => Promise<ApiResponse>;
export type LambdaHttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

/** Query parameters that take a list (comma-separated or repeated); every other one takes a single value. */
export const LIST_QUERY_PARAMS: ReadonlySet<string> = new Set(['exclude', 'category', 'excludeCategory']);

export interface ApiOptions {
  authMode: AuthMode;
  adminGroup: string;
  logger: Logger;
}

/**
 * Percent-decodes one path segment, once. Malformed encodings (a bare `%`,
 * invalid or overlong UTF-8, encoded surrogates) decode to U+FFFD, which no
 * id may contain, so they end as 400 invalid_path instead of a thrown URIError.
 */
export function decodePathSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    const decoder = new TextDecoder('utf-8', { fatal: false });
    const bytes: number[] = [];
    let out = '';
    const flush = () => {
      if (bytes.length > 0) out += decoder.decode(Uint8Array.from(bytes));
      bytes.length = 0;
    };
    for (let i = 0; i < s.length; ) {
      if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
        i += 3;
        continue;
      }
      flush();
      out += s[i] === '%' ? '\uFFFD' : s[i];
      i += 1;
    }
    flush();
    return out;
  }
}

/** The topology route a method and raw path name, with its raw (still encoded) parameters. */
export function matchTopologyRoute(
  method: string,
  rawPath: string,
  routes: readonly RouteDef[] = ROUTES,
): { route: RouteDef; rawParams: Record<string, string> } | null {
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const names: string[] = [];
    const re = new RegExp(
      `^${route.path.replace(/\{([^}]+)\}/g, (_m, n: string) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    const m = re.exec(rawPath);
    if (!m) continue;
    const rawParams: Record<string, string> = {};
    for (const [i, n] of names.entries()) rawParams[n] = m[i + 1];
    return { route, rawParams };
  }
  return null;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** Store failures by kind: retryable → 503, caused by the input → 400, misconfiguration → 500. */
function classify(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreUnavailableError) {
    return new ApiError(503, 'store_unavailable', 'the store is unavailable; retry later', true, {
      'Retry-After': String(err.retryAfterSeconds),
    });
  }
  if (err instanceof StoreInputError) return badRequest('invalid_value', err.message);
  if (err instanceof StoreMisconfiguredError) return new ApiError(500, 'internal', 'store misconfigured', false);
  return new ApiError(500, 'internal', 'unhandled error', false);
}

/** A null-prototype record, so a "__proto__" key is just a key. */
const record = (): Record<string, string> => Object.create(null);

/**
 * Returns the Lambda handler serving `fn`'s routes with the given implementations.
 * Throws at construction when an implementation is missing or unknown, so a
 * topology change cannot silently leave a route unserved.
 */
export function createHttpHandler(
  fn: FunctionName,
  impls: Record<string, RouteImpl>,
  opts: ApiOptions,
): LambdaHttpHandler {
  const routes = ROUTES.filter((r) => r.function === fn);
  const byKey = new Map(routes.map((r) => [routeKey(r), r]));
  for (const key of Object.keys(impls)) {
    if (!byKey.has(key)) throw new Error(`${fn}: no topology route for implementation "${key}"`);
  }
  for (const key of byKey.keys()) if (!impls[key]) throw new Error(`${fn}: route "${key}" has no implementation`);
  const { logger } = opts;

  /** Serves one request; `at.route` names the matched route for the log line, even when this throws. */
  async function serve(
    ev: APIGatewayProxyEventV2,
    requestId: string,
    at: { route: string; cause?: unknown },
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const method = (ev.requestContext?.http?.method ?? 'GET').toUpperCase();
    const rawPath = ev.rawPath ?? ev.requestContext?.http?.path ?? '/';
    let def = byKey.get(ev.routeKey);
    let params: Record<string, string | undefined> | undefined = def ? (ev.pathParameters ?? {}) : undefined;
    if (!def) {
      // A hand-written or $default event: match the path here, decoding each parameter once.
      const m = matchTopologyRoute(method, rawPath, routes);
      if (m) {
        def = m.route;
        params =
          ev.pathParameters ??
          Object.fromEntries(Object.entries(m.rawParams).map(([k, v]) => [k, decodePathSegment(v)]));
      }
    }
    if (!def || !params) {
      const allowed = [
        ...new Set(ROUTES.filter((r) => matchTopologyRoute(r.method, rawPath, [r])).map((r) => r.method)),
      ];
      const shown = rawPath.length > 200 ? `${rawPath.slice(0, 200)}…` : rawPath;
      if (allowed.length > 0) {
        return json(405, errorBody('method_not_allowed', `${method} is not allowed on ${shown}`), {
          allow: allowed.join(', '),
        });
      }
      return json(404, errorBody('not_found', `no route for ${method} ${shown}`));
    }
    const key = routeKey(def);
    at.route = key;
    const principal = principalOf(ev, opts.authMode, opts.adminGroup);
    const decoded = record();
    for (const name of def.path.match(/\{([^}]+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
      const r = Id.safeParse(params[name]);
      if (!r.success) throw badRequest('invalid_path', `${name}: ${describeIssues(r.error.issues)}`);
      decoded[name] = r.data;
    }
    authorize(principal, def.auth, opts.authMode, decoded.userId);
    const query = queryOf(ev, def);
    const headers = record();
    for (const [k, v] of Object.entries(ev.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
    const body =
      ev.body === undefined || ev.body === null
        ? undefined
        : ev.isBase64Encoded
          ? Buffer.from(ev.body, 'base64').toString('utf8')
          : ev.body;
    // API Gateway passes a compressed body through as it came: it was parsed as JSON and answered
    // "not valid JSON" quoting the compressed bytes
    const coding = headers['content-encoding']?.trim().toLowerCase();
    if (body && coding && coding !== 'identity' && (def.method === 'POST' || def.method === 'PUT'))
      throw new ApiError(
        415,
        'unsupported_encoding',
        `content-encoding ${JSON.stringify(coding.slice(0, 40))} is not accepted: send the JSON body uncompressed`,
      );
    const res = await impls[key]({
      method: def.method,
      route: key,
      params: decoded,
      query,
      headers,
      body,
      principal,
      requestId,
    });
    if (res.status >= 500) at.cause = res.cause ?? new Error(`${key} answered ${res.status}`);
    return json(res.status, res.body, res.headers);
  }

  return async (event) => {
    const started = performance.now();
    const requestId = event.requestContext?.requestId ?? '';
    const at: { route: string; cause?: unknown } = { route: '-' };
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await serve(event, requestId, at);
    } catch (err) {
      const api = classify(err);
      if (api.status >= 500) at.cause = err instanceof ApiError && err.cause !== undefined ? err.cause : err;
      const body = errorBody(
        api.code,
        api.expose ? api.message : 'internal error',
        api.expose ? api.details : undefined,
      );
      result = json(api.status, body, api.headers);
    }
    // One line per request: the route key, never the raw path (it holds user ids); no IP, no user agent.
    const ms = Math.round((performance.now() - started) * 100) / 100;
    const line = { route: at.route, status: result.statusCode, ms, requestId };
    // Every 5xx is logged with its cause (store errors carry the SDK's as `cause`); a condition the
    // service names itself (no model published yet) is a warning, not a fault.
    if (at.cause instanceof ApiError)
      logger.warn('request', { ...line, fault: at.cause.code, reason: at.cause.message });
    else if (at.cause !== undefined)
      logger.error('request', { ...line, fault: (at.cause as Error)?.name, error: at.cause });
    else logger.info('request', line);
    return result;
  };
}

/**
 * The query of a request. A single-valued parameter given twice is a 400 that
 * says so (API Gateway would join `k=3&k=5` into "3,5"). Public routes (health)
 * ignore their query: probes add parameters of their own.
 */
function queryOf(ev: APIGatewayProxyEventV2, def: RouteDef): Record<string, string> {
  const query = record();
  for (const [k, v] of Object.entries(ev.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
  if (def.auth === 'public' || !ev.rawQueryString) return query;
  const counts = new Map<string, number>();
  for (const [k] of new URLSearchParams(ev.rawQueryString)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const repeated = [...counts].filter(([k, n]) => n > 1 && !LIST_QUERY_PARAMS.has(k));
  if (repeated.length > 0) {
    const what = repeated.map(([k, n]) => `${k}: given ${n} times; it takes a single value`).join('; ');
    throw badRequest('invalid_query', what);
  }
  return query;
}
