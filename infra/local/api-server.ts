/**
 * A local API Gateway: serves the topology's routes over HTTP on loopback.
 * Each request becomes an HTTP API (payload 2.0) event for the function that
 * owns the route; the handler's result becomes the response (status, headers,
 * cookies, base64 bodies). The JWT authorizer is emulated when auth is on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ROUTES, type FunctionName } from '../../shared/topology';
import { buildHttpEvent, localContext, matchRoute } from './http-event';
import { verifyToken } from './jwt';

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

export async function startLocalApi(opts: LocalApiOptions): Promise<LocalApi> {
  const max = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const server = createServer(async (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      for (const route of opts.extraRoutes ?? []) if (await route(req, res, url)) return;
      const method = (req.method ?? 'GET').toUpperCase();
      const match = matchRoute(method, url.pathname);
      if (!match) {
        const allowed = ROUTES.filter((r) => matchRoute(r.method, url.pathname)?.route === r).map((r) => r.method);
        if (allowed.length) {
          return sendJson(res, 405, { error: { code: 'method_not_allowed', message: `${method} is not allowed on ${url.pathname}` } }, { allow: allowed.join(', ') });
        }
        return sendJson(res, 404, { error: { code: 'not_found', message: `no route for ${method} ${url.pathname}` } });
      }
      let claims: Record<string, any> | undefined;
      if (opts.signingKey && match.route.auth !== 'public') {
        // What API Gateway's JWT authorizer answers: 401 before the function runs.
        const auth = req.headers.authorization ?? '';
        const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
        claims = token ? ((await verifyToken(opts.signingKey, token)) ?? undefined) : undefined;
        if (!claims) return sendJson(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
      }
      const raw = await readBody(req, max);
      if (raw === 'too_large') {
        return sendJson(res, 413, { message: 'Request Entity Too Large' });
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const text = isText(headers['content-type']);
      const event = buildHttpEvent({
        method,
        path: url.pathname + url.search,
        headers,
        body: raw.length ? (text ? raw.toString('utf8') : raw.toString('base64')) : undefined,
        base64: false,
        claims,
      });
      if (raw.length && !text) event.isBase64Encoded = true;
      const result = await opts.invoke(match.route.function, event);
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) out[k] = String(v);
      if (result.cookies?.length) out['set-cookie'] = result.cookies;
      res.writeHead(result.statusCode ?? 200, out);
      const body = result.body ?? '';
      res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
      opts.log?.(`${method} ${url.pathname} → ${result.statusCode} ${(performance.now() - started).toFixed(1)} ms`);
    } catch (err) {
      opts.log?.(`${req.method} ${url.pathname} → 502 ${(err as Error).message}`);
      // API Gateway's answer when the integration itself fails.
      if (!res.headersSent) sendJson(res, 502, { message: 'Internal Server Error' });
      else res.end();
    }
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
export function inProcessInvoker(load: (fn: FunctionName) => Promise<(e: unknown, c: unknown) => Promise<unknown>>): InvokeFn {
  return async (fn, event) => (await (await load(fn))(event, localContext(fn))) as APIGatewayProxyStructuredResultV2;
}
