/**
 * Loads a handler module fresh with a given environment, the way Lambda
 * would on a cold start, and calls it with API Gateway v2 events.
 */
import { vi } from 'vitest';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildHttpEvent, localContext, type HttpEventInput } from '../../infra/local/http-event';
import type { LambdaHttpHandler } from '../../shared/http/api';

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export async function loadHandler(
  modulePath: string,
  env: Record<string, string | undefined>,
): Promise<LambdaHttpHandler> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    vi.resetModules();
    const mod = await import(/* @vite-ignore */ modulePath);
    return mod.handler as LambdaHttpHandler;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export async function call(handler: LambdaHttpHandler, input: HttpEventInput): Promise<HttpResult> {
  const res = (await handler(buildHttpEvent(input), localContext('test') as any)) as APIGatewayProxyStructuredResultV2;
  const text = res.body ?? '';
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return { status: res.statusCode ?? 200, headers, body };
}
