/**
 * Event → plain request → core → plain response → Lambda result.
 * Builds a Powertools HTTP router for one function from the shared topology:
 * every route the topology gives the function must have an implementation
 * (checked at cold start), auth is enforced per route, and every failure
 * answers the JSON error shape — never a bare 500 for input.
 */
import { Router } from '@aws-lambda-powertools/event-handler/http';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ROUTES, type FunctionName, type RouteDef } from '../topology';
import type { AuthMode } from '../config';
import { authorize, principalOf, type Principal } from './auth';
import { ApiError, errorBody } from './errors';

export interface ApiRequest {
  method: string;
  /** The topology route key, e.g. "GET /users/{userId}/events". */
  route: string;
  params: Record<string, string>;
  /** Query parameters; API Gateway joins repeated ones with commas. */
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
}

export type RouteImpl = (req: ApiRequest) => Promise<ApiResponse>;
export type LambdaHttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const init: ResponseInit = { status, headers: { 'content-type': 'application/json', ...headers } };
  return new Response(body === undefined ? null : JSON.stringify(body), init);
}

function pathPattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
}

export interface ApiOptions {
  authMode: AuthMode;
  adminGroup: string;
  logger: Logger;
}

/**
 * Returns the Lambda handler serving `fn`'s routes with the given implementations.
 * Throws at construction when an implementation is missing or unknown, so a
 * topology change cannot silently leave a route unserved.
 */
export function createHttpHandler(fn: FunctionName, impls: Record<string, RouteImpl>, opts: ApiOptions): LambdaHttpHandler {
  const routes = ROUTES.filter((r) => r.function === fn);
  const expected = new Set(routes.map(routeKey));
  for (const key of Object.keys(impls)) {
    if (!expected.has(key)) throw new Error(`${fn}: no topology route for implementation "${key}"`);
  }
  for (const key of expected) if (!impls[key]) throw new Error(`${fn}: route "${key}" has no implementation`);

  const { logger } = opts;
  const router = new Router();
  const patterns = ROUTES.map((r) => ({ def: r, re: pathPattern(r.path) }));

  for (const def of routes) {
    const impl = impls[routeKey(def)];
    const path = def.path.replace(/\{([^}]+)\}/g, ':$1') as `/${string}`;
    router.route(
      async ({ event, params }) => {
        const ev = event as APIGatewayProxyEventV2;
        const principal = principalOf(ev, opts.authMode, opts.adminGroup);
        const decoded: Record<string, string> = {};
        for (const [k, v] of Object.entries(params)) decoded[k] = safeDecode(v);
        authorize(principal, def.auth, opts.authMode, decoded.userId);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(ev.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
        const query: Record<string, string> = {};
        for (const [k, v] of Object.entries(ev.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
        const body =
          ev.body === undefined || ev.body === null
            ? undefined
            : ev.isBase64Encoded
              ? Buffer.from(ev.body, 'base64').toString('utf8')
              : ev.body;
        const res = await impl({
          method: def.method,
          route: routeKey(def),
          params: decoded,
          query,
          headers,
          body,
          principal,
          requestId: ev.requestContext?.requestId ?? '',
        });
        return json(res.status, res.body, res.headers);
      },
      { method: def.method, path },
    );
  }

  router.notFound(async (_err, { event }) => {
    const ev = event as APIGatewayProxyEventV2;
    const method = ev.requestContext?.http?.method ?? 'GET';
    const path = ev.rawPath ?? ev.requestContext?.http?.path ?? '/';
    const allowed = patterns.filter((p) => p.re.test(path)).map((p) => p.def.method);
    if (allowed.length > 0) {
      return json(405, errorBody('method_not_allowed', `${method} is not allowed on ${path}`), {
        allow: [...new Set(allowed)].join(', '),
      });
    }
    return json(404, errorBody('not_found', `no route for ${method} ${path}`));
  });

  router.errorHandler(Error, async (err) => {
    if (err instanceof ApiError) {
      if (!err.expose) logger.error('request failed', { error: err });
      return json(
        err.status,
        errorBody(err.code, err.expose ? err.message : 'internal error', err.expose ? err.details : undefined),
        err.headers,
      );
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status === 404) return json(404, errorBody('not_found', err.message));
    logger.error('unhandled error', { error: err });
    return json(500, errorBody('internal', 'internal error'));
  });

  return async (event, context) => {
    const started = performance.now();
    logger.addContext(context);
    logger.appendKeys({ requestId: event.requestContext?.requestId });
    const result = (await router.resolve(event, context)) as APIGatewayProxyStructuredResultV2;
    logger.info('request', {
      method: event.requestContext?.http?.method,
      route: event.routeKey,
      path: event.rawPath,
      status: result.statusCode,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
    logger.resetKeys();
    return result;
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
