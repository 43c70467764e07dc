/**
 * Builds API Gateway HTTP API (payload 2.0) events the way API Gateway does:
 * route matched against the shared topology, path parameters extracted and
 * percent-decoded once (the function never decodes again), repeated query
 * parameters joined with commas, JWT claims placed where the authorizer puts them.
 * Used by tests, `attune local generate-event` and start-api.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { decodePathSegment, matchTopologyRoute } from '../../shared/http/api';
import type { RouteDef } from '../../shared/topology';

export interface HttpEventInput {
  method: string;
  /** Path with an optional query string, e.g. "/users/42/recommendations?k=5". */
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded. */
  body?: unknown;
  /** JWT claims as the authorizer would pass them (omit for no token). */
  claims?: Record<string, string | number | boolean | string[]>;
  base64?: boolean;
}

/**
 * The topology route matching a method and raw (percent-encoded) path, with its
 * path parameters decoded once, as API Gateway hands them to the function.
 * A malformed encoding decodes to U+FFFD, which the handler refuses as 400 invalid_path.
 */
export function matchRoute(method: string, path: string): { route: RouteDef; params: Record<string, string> } | null {
  const m = matchTopologyRoute(method, path);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const [name, raw] of Object.entries(m.rawParams)) params[name] = decodePathSegment(raw);
  return { route: m.route, params };
}

export function buildHttpEvent(input: HttpEventInput): APIGatewayProxyEventV2 {
  const method = input.method.toUpperCase();
  const [rawPath, rawQueryString = ''] = input.path.split('?', 2);
  const match = matchRoute(method, rawPath);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) query[k] = k in query ? `${query[k]},${v}` : v;
  const body =
    input.body === undefined ? undefined : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(input.headers ?? {}) };
  const now = new Date();
  const requestId = randomUUID();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: match ? `${match.route.method} ${match.route.path}` : '$default',
    rawPath,
    rawQueryString,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: match && Object.keys(match.params).length ? match.params : undefined,
    body: body === undefined ? undefined : input.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: Boolean(input.base64 && body !== undefined),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? 'attune-local',
      },
      requestId,
      routeKey: match ? `${match.route.method} ${match.route.path}` : '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
  if (input.claims) {
    const claims: Record<string, string | number | boolean> = {};
    // API Gateway hands array claims to the function as "[a b]" strings.
    for (const [k, v] of Object.entries(input.claims)) claims[k] = Array.isArray(v) ? `[${v.join(' ')}]` : v;
    (event.requestContext as any).authorizer = { jwt: { claims, scopes: null } };
  }
  return event;
}

/** A minimal Lambda context for local invocation. */
export function localContext(functionName: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
