/**
 * Item metadata (the catalog, PUT /items) and user attributes (PUT
 * /users/{id}/attributes) into a training run, as `Dataset.side` — what the
 * kinds read as TrainingData.side: ALS fits its cold-item ridge from `items`,
 * the neural ranker embeds both. Metadata is never required: a run whose
 * metadata cannot be read trains without it and says so.
 */
import type { CatalogItem } from '../events';
import { attributesForTraining, type UserAttributeStore } from '../ingest/attributes';
import { metadataOfCatalog } from '../metadata/catalog';
import type { ItemMetadata, UserAttributes } from '../metadata/vocabulary';
import type { InteractionStore } from '../ports/interactions';

/** Where a run reads metadata from (the Train function: the interaction store's catalog and attributes). */
export interface MetadataSource {
  listCatalog(): Promise<CatalogItem[]>;
  /** Every stored user's attributes as tokens' key=value pairs; absent when the deployment keeps none. */
  listUserAttributes?(): Promise<UserAttributes[]>;
}

export interface TrainingMetadata {
  side?: { items?: ItemMetadata[]; users?: UserAttributes[] };
  /** What was read, for the run log. */
  counts: { itemsWithMetadata: number; usersWithAttributes: number };
  /** Why metadata is missing or partial (a failed read), when it is. */
  warning?: string;
}

/**
 * The metadata of the run's items and users: catalog records with at least one
 * category or scalar property, attributes of users not erased. Reads both in parallel.
 */
export async function readTrainingMetadata(
  source: MetadataSource | undefined,
  erased: ReadonlySet<string>,
): Promise<TrainingMetadata> {
  if (!source) return { counts: { itemsWithMetadata: 0, usersWithAttributes: 0 } };
  const warnings: string[] = [];
  const [catalog, attributes] = await Promise.all([
    source.listCatalog().catch((err) => {
      warnings.push(`catalog not read (${(err as Error).message}); trained without item metadata`);
      return [] as CatalogItem[];
    }),
    (source.listUserAttributes?.() ?? Promise.resolve([])).catch((err) => {
      warnings.push(`user attributes not read (${(err as Error).message}); trained without them`);
      return [] as UserAttributes[];
    }),
  ]);
  const items = catalog
    .map(metadataOfCatalog)
    .filter((m) => m.categories.length > 0 || Object.keys(m.properties).length > 0);
  const users = attributes.filter((a) => !erased.has(a.userId) && Object.keys(a.attributes).length > 0);
  const side = {
    ...(items.length ? { items } : {}),
    ...(users.length ? { users } : {}),
  };
  return {
    ...(items.length || users.length ? { side } : {}),
    counts: { itemsWithMetadata: items.length, usersWithAttributes: users.length },
    ...(warnings.length ? { warning: warnings.join('; ') } : {}),
  };
}

/** The metadata source of an interaction store: its catalog, and its user attributes when it keeps them. */
export function metadataOf(store: Pick<InteractionStore, 'listCatalog'> & Partial<UserAttributeStore>): MetadataSource {
  const list = store.listUserAttributes?.bind(store);
  return {
    listCatalog: () => store.listCatalog(),
    ...(list ? { listUserAttributes: async () => (await list()).map(attributesForTraining) } : {}),
  };
}
