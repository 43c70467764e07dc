/**
 * The demo storefront `npm start` serves at /demo: a page whose script is the
 * @attune/client bundled for the browser with esbuild on first request (kept
 * in memory), plus /demo/catalog.json — a local-only read of the catalog,
 * because the API has no list route for items yet (the grid needs one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { build } from 'esbuild';
import { dynamoDocumentClient } from '../../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../../shared/storage/dynamodb/interactions';
import { loadConfig } from '../../../shared/config';
import type { LocalRoute } from '../api-server';
import { REPO_ROOT } from '../functions';

const DIR = join(REPO_ROOT, 'infra/local/demo');

let bundle: Promise<string> | undefined;
/** The browser script: app.js with the client and its dependencies inlined. */
export function demoBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(DIR, 'app.js')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0].text);
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

/** Available catalog items with what a shop shows (local only; not part of the API). */
export async function demoCatalog(): Promise<{ itemId: string; title: string; category: string }[]> {
  const doc = dynamoDocumentClient();
  try {
    const items = await new DynamoInteractionStore(doc, loadConfig().tableName).listCatalog();
    return items
      .filter((it) => it.available)
      .map((it) => ({ itemId: it.itemId, title: it.title ?? it.itemId, category: it.categories[0] ?? 'other' }))
      .sort((a, b) => a.itemId.localeCompare(b.itemId, 'en', { numeric: true }));
  } finally {
    doc.destroy();
  }
}

function send(res: ServerResponse, type: string, body: string): void {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function demoRoutes(): LocalRoute[] {
  const page = readFileSync(join(DIR, 'index.html'), 'utf8');
  return [
    async (req, res, url) => {
      if (req.method !== 'GET') return false;
      if (url.pathname === '/demo' || url.pathname === '/demo/') {
        send(res, 'text/html; charset=utf-8', page);
        return true;
      }
      if (url.pathname === '/demo/app.js') {
        send(res, 'text/javascript; charset=utf-8', await demoBundle());
        return true;
      }
      if (url.pathname === '/demo/catalog.json') {
        send(res, 'application/json', JSON.stringify(await demoCatalog()));
        return true;
      }
      return false;
    },
  ];
}
