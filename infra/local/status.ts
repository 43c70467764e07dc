/**
 * Routes the local API answers itself: GET / (the status page, rendered on the
 * server so the first paint is complete), GET /status/panels (the same panels,
 * for the page's auto-refresh), GET /status.json (the data), GET /openapi.json
 * and the demo shop (/demo). They read the same stores the functions use and
 * call the Recommend handler for health and popular items.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadConfig } from '../../shared/config';
import { buildOpenApi } from '../../shared/http/openapi';
import { loadLatestModel, readLatestManifest, readManifest } from '../../shared/model/repository';
import type { ModelManifest } from '../../shared/model/types';
import type { ModelStore } from '../../shared/ports/model-store';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import type { LocalRoute } from './api-server';
import { demoRoutes } from './demo/routes';
import { REPO_ROOT, loadFunction } from './functions';
import { buildHttpEvent, localContext } from './http-event';
import { projectItems } from './status-map';
import { renderPanels, type RunRow, type StatusView } from './status-render';

/** Titles and categories are shown for catalogs up to this size; larger ones show ids. */
const MAX_TITLES = 5000;

async function callRecommend(path: string): Promise<any> {
  const handler = await loadFunction('Recommend');
  const res = (await handler(buildHttpEvent({ method: 'GET', path }), localContext('Recommend'))) as {
    statusCode: number;
    body?: string;
  };
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

// Versions are immutable: what was read of one never needs reading again (a local dev server; bounded below).
const manifests = new Map<string, ModelManifest | null>();
let mapOf: { version: string; map: StatusView['map'] } | undefined;

async function manifestOf(store: ModelStore, prefix: string, version: string): Promise<ModelManifest | null> {
  if (!manifests.has(version)) {
    if (manifests.size > 200) manifests.clear();
    manifests.set(version, await readManifest(store, prefix, version).catch(() => null));
  }
  return manifests.get(version) ?? null;
}

/** Configurations a run evaluated: the tuner's trial log, or each auto-selection candidate's own count. */
export function trialsOf(m: Pick<ModelManifest, 'tuning'> | null): number | null {
  const t = m?.tuning as { trials?: unknown; auto?: { candidates?: { note?: string }[] } } | undefined;
  if (Array.isArray(t?.trials)) return t.trials.length;
  const candidates = t?.auto?.candidates;
  if (!Array.isArray(candidates)) return null;
  return candidates.reduce((n, c) => n + Number(/(\d+) tuning trials/.exec(c.note ?? '')?.[1] ?? 1), 0);
}

async function itemMapOf(store: ModelStore, prefix: string, version: string | undefined): Promise<StatusView['map']> {
  if (!version) return null;
  if (mapOf?.version !== version) {
    const model = await loadLatestModel(store, prefix).catch(() => null);
    const projected = model ? projectItems(model.itemIds, model.itemFactors, model.factors) : null;
    mapOf = {
      version: model?.manifest.version ?? version,
      map: projected ? { ...projected, version: model!.manifest.version } : null,
    };
  }
  return mapOf.map;
}

/** Everything the status page shows, read fresh on each call. */
export async function statusSnapshot(): Promise<Omit<StatusView, 'now'> & { catalogSize: number }> {
  const config = loadConfig();
  const doc = dynamoDocumentClient();
  const s3 = s3Client();
  const models = new S3ModelStore(s3, config.bucketName);
  try {
    const [health, popular, manifest, runs, catalog] = await Promise.all([
      callRecommend('/health'),
      // A visitor with no history gets what a cold-start user gets.
      callRecommend('/users/status-page-visitor/recommendations?k=10'),
      readLatestManifest(models, config.modelPrefix).catch(() => null),
      new DynamoTrainingStore(doc, config.tableName).listRuns(100).catch(() => []),
      new DynamoInteractionStore(doc, config.tableName).listCatalog().catch(() => []),
    ]);
    const titles: Record<string, string> = {};
    const categories: Record<string, string> = {};
    if (catalog.length <= MAX_TITLES) {
      for (const it of catalog) {
        if (it.title) titles[it.itemId] = it.title;
        if (it.categories[0]) categories[it.itemId] = it.categories[0];
      }
    }
    const rows: RunRow[] = await Promise.all(
      runs.map(async (r) => ({
        startedAt: r.startedAt,
        decision: r.decision,
        reason: r.reason,
        version: r.version ?? null,
        durationMs: r.timings?.total ?? (Date.parse(r.finishedAt) - Date.parse(r.startedAt) || null),
        // a published run's tuning log is in the manifest of the version it published
        trials:
          r.decision === 'published' && r.version
            ? trialsOf(await manifestOf(models, config.modelPrefix, r.version))
            : null,
        metrics: Object.fromEntries(Object.entries(r.metrics ?? {}).filter(([, v]) => typeof v === 'number')),
        ndcg10: r.metrics?.ndcg10 ?? null,
      })),
    );
    return {
      health: health.body,
      model: manifest
        ? {
            version: manifest.version,
            createdAt: manifest.createdAt,
            kind: manifest.kind,
            factors: manifest.factors,
            counts: manifest.counts,
            metrics: manifest.metrics,
            ...(manifest.exposure ? { exposure: manifest.exposure } : {}),
          }
        : null,
      runs: rows,
      popular: popular.body?.items ?? [],
      catalogSize: catalog.length,
      titles,
      categories,
      map: await itemMapOf(models, config.modelPrefix, manifest?.version),
      online: await callRecommend('/metrics/online').then(
        (r) => (r.status === 200 ? r.body : null),
        () => null,
      ),
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
  const panels = async () => renderPanels({ ...(await statusSnapshot()), now: Date.now() });
  return [
    async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      if (req.method !== 'GET') return false;
      if (url.pathname === '/') {
        const html = await panels();
        send(
          res,
          200,
          'text/html; charset=utf-8',
          page.replace('<!--panels-->', () => html),
        );
        return true;
      }
      if (url.pathname === '/status/panels') {
        send(res, 200, 'text/html; charset=utf-8', await panels());
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
