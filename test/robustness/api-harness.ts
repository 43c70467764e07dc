/**
 * The local API as a client sees it, for the black-box robustness tests: the
 * local stack (embedded DynamoDB + S3, the real handlers behind the local API
 * Gateway) with a small real model published, so every route can answer 2xx.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { publishModel } from '../../shared/model/repository';
import { s3Client } from '../../shared/storage/aws/clients';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { trainFixture, type Fixture } from '../unit/serving/fixture';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface Api {
  stack: LocalStack;
  fx: Fixture;
  url: string;
  /** Sends a request; `body` is sent as is when a string or bytes, else JSON-encoded. */
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
}

/** Starts the stack before the file's tests and stops it after; the getter is valid inside tests. */
export function useLocalApi(opts: { authMode?: 'jwt' | 'none'; renameItem?: (id: string) => string } = {}): () => Api {
  let api: Api | undefined;
  // With auth on, a home folder holds the signing key the tests issue tokens with.
  const home = opts.authMode === 'jwt' ? mkdtempSync(join(tmpdir(), 'attune-robust-')) : undefined;
  beforeAll(async () => {
    const stack = await startLocalStack({
      home,
      port: 0,
      authMode: opts.authMode ?? 'none',
      env: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    const fx = trainFixture({ users: 60, items: 30, clusters: 3, factors: 8 });
    // Renaming keeps each item's factors: the model then holds ids a test chooses.
    if (opts.renameItem) fx.model.itemIds = fx.model.itemIds.map(opts.renameItem);
    await publishModel(new S3ModelStore(s3Client(), stack.aws.bucketName), 'models/', fx.model, { keep: 2 });
    const url = stack.api.url;
    api = {
      stack,
      fx,
      url,
      async send(method, path, body, headers = {}) {
        const raw =
          body === undefined || typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
        const res = await fetch(url + path, {
          method,
          headers: { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
          body: raw as string | Uint8Array | undefined,
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON */
        }
        return { status: res.status, headers: res.headers, text, body: parsed };
      },
    };
  }, 120_000);
  afterAll(async () => {
    await api?.stack.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  return () => {
    if (!api) throw new Error('local API not started');
    return api;
  };
}

/** Percent-encodes an id for one path segment, exactly once. */
export const seg = (id: string) => encodeURIComponent(id);
