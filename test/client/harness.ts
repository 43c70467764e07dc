/**
 * The local stack the client, contract and demo tests run against: embedded
 * stores, the real handlers behind the local API, training in process, and an
 * optional HTTP proxy in front of dynalite that can take the store down
 * (DynamoDB's own 500 InternalServerError) and bring it back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemoDataset } from '../../infra/local/demo-data';
import { loadFunction } from '../../infra/local/functions';
import { localContext } from '../../infra/local/http-event';
import { buildScheduledEvent } from '../../infra/local/schedule-event';
import { seedDataset } from '../../infra/local/seed';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack';

/** Connection-level stand-in for a DynamoDB outage. */
export class StoreSwitch {
  target = '';
  private server!: Server;
  private passesLeft = Infinity;
  /** Writes (BatchWriteItem calls) that reached the store. */
  writes = 0;
  /** Requests answered with a 500 while down. */
  refused = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const isWrite = String(req.headers['x-amz-target'] ?? '').endsWith('BatchWriteItem');
        if (this.passesLeft <= 0) {
          this.refused++;
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
              message: 'store down (test)',
            }),
          );
          return;
        }
        if (isWrite) {
          this.writes++;
          this.passesLeft--;
        }
        const url = new URL(req.url ?? '/', this.target);
        const up = request(url, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 500, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Lets `writes` more BatchWriteItem calls through, then fails every request until up(). */
  downAfter(writes: number): void {
    this.passesLeft = writes;
  }

  up(): void {
    this.passesLeft = Infinity;
  }

  close(): Promise<void> {
    this.server.closeAllConnections?.();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export interface TestStack {
  stack: LocalStack;
  url: string;
  store?: StoreSwitch;
  /** A scheduled Train run in this process; resolves to its result. */
  train(): Promise<Record<string, any>>;
  seed(opts?: Parameters<typeof generateDemoDataset>[0]): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestStack(
  opts: Pick<LocalStackOptions, 'authMode' | 'extraRoutes' | 'env'> & { storeSwitch?: boolean } = {},
): Promise<TestStack> {
  const home = mkdtempSync(join(tmpdir(), 'attune-client-'));
  let store: StoreSwitch | undefined;
  const env: Record<string, string> = {
    ATTUNE_MODEL_REFRESH_SECONDS: '0',
    ATTUNE_TRAIN_BUDGET_SECONDS: '3',
    ATTUNE_TUNE: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    ...opts.env,
  };
  if (opts.storeSwitch) {
    store = new StoreSwitch();
    env.AWS_ENDPOINT_URL_DYNAMODB = await store.start();
  }
  const stack = await startLocalStack({ home, port: 0, authMode: opts.authMode, extraRoutes: opts.extraRoutes, env });
  if (store) store.target = stack.aws.dynamoEndpoint;
  return {
    stack,
    url: stack.api.url,
    store,
    async train() {
      const handler = await loadFunction('Train');
      return (await handler(buildScheduledEvent(), localContext('Train'))) as Record<string, any>;
    },
    async seed(o = {}) {
      await seedDataset(
        stack.aws.tableName,
        generateDemoDataset({ users: 120, items: 96, eventsPerUser: 20, seed: 3, ...o }),
      );
    },
    async stop() {
      await stack.stop();
      await store?.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
