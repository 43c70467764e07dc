/**
 * A local API Gateway: serves the topology's routes over HTTP on loopback.
 * Each request becomes an HTTP API (payload 2.0) event for the function that
 * owns the route; the handler's result becomes the response (status, headers,
 * cookies, base64 bodies). The JWT authorizer is emulated when auth is on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { ROUTES, type FunctionName } from '../../shared/topology';
import { buildHttpEvent, localContext, matchRoute } from './http-event';
import { checkToken } from './jwt';

export type InvokeFn = (fn: FunctionName, event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A route the local server answers itself (status page, OpenAPI); returns false to pass. */
export type LocalRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface LocalApiOptions {
  port?: number;
  host?: string;
  invoke: InvokeFn;
  /** When set, routes other than public ones need a Bearer token signed with this key. */
  signingKey?: Uint8Array;
  extraRoutes?: LocalRoute[];
  /** Largest request body accepted, like API Gateway's 10 MB payload limit. */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface LocalApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => resolve(size > max ? 'too_large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const isText = (contentType: string | undefined) =>
  !contentType || /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript))/.test(contentType);

/** API Gateway's own answers, before any function runs: same status, body bytes and headers. */
export const GATEWAY = {
  unauthorized: { status: 401, body: '{"message":"Unauthorized"}' },
  tooLarge: { status: 413, body: '{"message":"Request Entity Too Large"}' },
  integrationFailed: { status: 500, body: '{"message":"Internal Server Error"}' },
} as const;

/**
 * The JWT authorizer's `www-authenticate` header: bare `Bearer` when no token
 * was sent (RFC 6750 §3.1: no error code then), else the error and why.
 */
export const bearerChallenge = (why?: string) =>
  why === undefined ? 'Bearer' : `Bearer scope="" error="invalid_token" error_description="${why}"`;

function sendGateway(
  res: ServerResponse,
  answer: { status: number; body: string },
  headers: Record<string, string> = {},
) {
  res.writeHead(answer.status, { 'content-type': 'application/json', ...headers });
  res.end(answer.body);
}

/**
 * Whether a browser could have sent this request from a page that is not this server's. With
 * auth off every route is an admin's: a page whose name an attacker points at 127.0.0.1 (DNS
 * rebinding) shared this server's origin and could read and erase everything, and any site
 * could POST events as text/plain (no preflight; the body is read as JSON whatever its type).
 * Loopback names (and `bind`, when the server listens elsewhere) are this server; a request
 * without Host or Origin is not a browser's and passes.
 */
export function foreignRequest(req: IncomingMessage, bind: string): string | undefined {
  const local = (hostname: string) =>
    ['localhost', '127.0.0.1', '[::1]', bind].includes(hostname) || hostname.endsWith('.localhost');
  const host = req.headers.host;
  if (host !== undefined) {
    const name = host.replace(/:\d*$/, '').toLowerCase();
    if (!local(name)) return `Host "${host.slice(0, 100)}" is not this local server (use 127.0.0.1 or localhost)`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let name: string | undefined;
    try {
      name = new URL(origin).hostname.toLowerCase();
      if (name === '::1') name = '[::1]';
    } catch {
      // "null" (a file:// page, a sandboxed frame) and garbage: not a page of this server
    }
    if (!name || !local(name)) return `requests from pages of ${origin.slice(0, 100)} are refused by the local server`;
  }
  return undefined;
}

export async function startLocalApi(opts: LocalApiOptions): Promise<LocalApi> {
  const max = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const bind = opts.host ?? '127.0.0.1';
  // Every request is on its own: whatever it sends, this catch answers it and the server keeps serving.
  const server = createServer(async (req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    let routeName = '-';
    res.setHeader('apigw-requestid', requestId);
    try {
      const foreign = foreignRequest(req, bind);
      if (foreign) {
        req.resume();
        return sendJson(res, 403, { error: { code: 'foreign_origin', message: foreign } });
      }
      const target = req.url ?? '/';
      const q = target.indexOf('?');
      // The path exactly as sent: no dot-segment or percent normalisation (API Gateway matches the raw path).
      const rawPath = q < 0 ? target : target.slice(0, q);
      const url = new URL(`http://localhost${rawPath.startsWith('/') ? '' : '/'}${target}`);
      for (const route of opts.extraRoutes ?? []) if (await route(req, res, url)) return;
      const method = (req.method ?? 'GET').toUpperCase();
      const match = matchRoute(method, rawPath);
      if (!match) {
        const allowed = ROUTES.filter((r) => matchRoute(r.method, rawPath)?.route === r).map((r) => r.method);
        if (allowed.length) {
          return sendJson(
            res,
            405,
            { error: { code: 'method_not_allowed', message: `${method} is not allowed here` } },
            { allow: allowed.join(', ') },
          );
        }
        return sendJson(res, 404, {
          error: { code: 'not_found', message: `no route for ${method} ${rawPath.slice(0, 200)}` },
        });
      }
      routeName = `${match.route.method} ${match.route.path}`;
      let claims: Record<string, any> | undefined;
      if (opts.signingKey && match.route.auth !== 'public') {
        // What API Gateway's JWT authorizer answers: 401 before the function runs.
        const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const checked = token ? await checkToken(opts.signingKey, token) : undefined;
        if (!checked || 'error' in checked) {
          req.resume();
          return sendGateway(res, GATEWAY.unauthorized, { 'www-authenticate': bearerChallenge(checked?.error) });
        }
        claims = checked.claims;
      }
      if (Number(req.headers['content-length'] ?? 0) > max) {
        // Refused on the declared size; the rest is read and dropped, never buffered.
        req.resume();
        return sendGateway(res, GATEWAY.tooLarge);
      }
      const raw = await readBody(req, max);
      if (raw === 'too_large') return sendGateway(res, GATEWAY.tooLarge);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const text = isText(headers['content-type']);
      const event = buildHttpEvent({
        method,
        path: target,
        headers,
        body: raw.length ? (text ? raw.toString('utf8') : raw.toString('base64')) : undefined,
        base64: false,
        claims,
      });
      event.requestContext.requestId = requestId;
      if (raw.length && !text) event.isBase64Encoded = true;
      const result = await opts.invoke(match.route.function, event);
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) out[k] = String(v);
      if (result.cookies?.length) out['set-cookie'] = result.cookies;
      res.writeHead(result.statusCode ?? 200, out);
      const body = result.body ?? '';
      res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
      // The route key, never the path: paths hold user ids.
      opts.log?.(`${routeName} → ${result.statusCode} ${(performance.now() - started).toFixed(1)} ms`);
    } catch (err) {
      opts.log?.(`${routeName} → 500 ${(err as Error)?.name ?? 'error'}`);
      // API Gateway's answer when the integration itself fails.
      if (!res.headersSent) sendGateway(res, GATEWAY.integrationFailed);
      else res.end();
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Unparseable HTTP (bad request line, oversized headers): answer like any server and drop the socket.
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Invokes handlers in this process, each loaded once from its topology entry. */
export function inProcessInvoker(
  load: (fn: FunctionName) => Promise<(e: unknown, c: unknown) => Promise<unknown>>,
): InvokeFn {
  return async (fn, event) => (await (await load(fn))(event, localContext(fn))) as APIGatewayProxyStructuredResultV2;
}
