/**
 * What the experiment routes check a variant's model against: the published
 * versions (a manifest under the model prefix) and the kinds this build trains.
 * Ingest reads the model bucket for this alone (topology: bucket 'read').
 */
import { versionExists } from '../model/repository';
import type { ModelStore } from '../ports/model-store';

export interface ModelCatalog {
  /** Kinds a variant may name (the registry's, shared/model/kinds). */
  kinds: readonly string[];
  /** True when the version is published and not pruned. */
  versionExists(version: string): Promise<boolean>;
}

export function storeCatalog(store: ModelStore, prefix: string, kinds: readonly string[]): ModelCatalog {
  return { kinds, versionExists: (v) => versionExists(store, prefix, v) };
}
