/**
 * Routes the local API answers itself: GET / (a status page), GET /status.json
 * (what the page shows) and GET /openapi.json. They read the same stores the
 * functions use and call the Recommend handler for health and popular items.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadConfig } from '../../shared/config';
import { buildOpenApi } from '../../shared/http/openapi';
import { readLatestManifest } from '../../shared/model/repository';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import type { LocalRoute } from './api-server';
import { demoRoutes } from './demo/routes';
import { REPO_ROOT, loadFunction } from './functions';
import { buildHttpEvent, localContext } from './http-event';

/** Titles are shown for catalogs up to this size; larger ones show ids. */
const MAX_TITLES = 5000;

async function callRecommend(path: string): Promise<any> {
  const handler = await loadFunction('Recommend');
  const res = (await handler(buildHttpEvent({ method: 'GET', path }), localContext('Recommend'))) as { statusCode: number; body?: string };
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

/** Everything the status page shows, read fresh on each call. */
export async function statusSnapshot(): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const doc = dynamoDocumentClient();
  const s3 = s3Client();
  try {
    const [health, popular, manifest, runs, catalog] = await Promise.all([
      callRecommend('/health'),
      // A visitor with no history gets what a cold-start user gets.
      callRecommend('/users/status-page-visitor/recommendations?k=10'),
      readLatestManifest(new S3ModelStore(s3, config.bucketName), config.modelPrefix).catch(() => null),
      new DynamoTrainingStore(doc, config.tableName).listRuns(100).catch(() => []),
      new DynamoInteractionStore(doc, config.tableName).listCatalog().catch(() => []),
    ]);
    const titles: Record<string, string> = {};
    if (catalog.length <= MAX_TITLES) for (const it of catalog) if (it.title) titles[it.itemId] = it.title;
    return {
      health: health.body,
      model: manifest
        ? { version: manifest.version, createdAt: manifest.createdAt, kind: manifest.kind, factors: manifest.factors, counts: manifest.counts, metrics: manifest.metrics, hyperParameters: manifest.hyperParameters }
        : null,
      runs: runs.map((r) => ({ startedAt: r.startedAt, decision: r.decision, reason: r.reason, version: r.version, ndcg10: r.metrics?.ndcg10 ?? null })),
      popular: popular.body?.items ?? [],
      catalogSize: catalog.length,
      titles,
    };
  } finally {
    doc.destroy();
    s3.destroy();
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function statusRoutes(): LocalRoute[] {
  const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  const page = readFileSync(join(REPO_ROOT, 'infra/local/status-page.html'), 'utf8');
  return [
    async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      if (req.method !== 'GET') return false;
      if (url.pathname === '/') {
        send(res, 200, 'text/html; charset=utf-8', page);
        return true;
      }
      if (url.pathname === '/openapi.json') {
        // servers: where this document was fetched from, so tools pointed at it call this server
        const origin = `http://${req.headers.host ?? url.host}`;
        send(res, 200, 'application/json', JSON.stringify(buildOpenApi(version, origin), null, 2));
        return true;
      }
      if (url.pathname === '/status.json') {
        send(res, 200, 'application/json', JSON.stringify(await statusSnapshot()));
        return true;
      }
      return false;
    },
    ...demoRoutes(),
  ];
}
