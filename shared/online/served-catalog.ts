/**
 * The served model's item ids as the catalog exposure is measured over, for the
 * online job's exposure metrics (Train has no model in memory after the run):
 * the latest manifest and its item id file, checked against the manifest like
 * every model read. Categories are left out: the metrics carry Gini, coverage
 * and long-tail share, which need the items alone.
 */
import { decodeIds, FILES, verifyFile } from '../model/codec';
import { readLatestManifest } from '../model/repository';
import type { ModelStore } from '../ports/model-store';
import type { ExposureCatalog } from './exposure';

/** null before anything is published. */
export async function servedItemCatalog(store: ModelStore, prefix: string): Promise<ExposureCatalog | null> {
  const manifest = await readLatestManifest(store, prefix);
  if (!manifest) return null;
  const key = `${prefix}${manifest.version}/${FILES.itemIds}`;
  const entry = manifest.files[FILES.itemIds];
  if (!entry) throw new Error(`${key}: not in the manifest`);
  return { itemIds: decodeIds(key, verifyFile(key, entry, (await store.get(key)) ?? undefined)) };
}
