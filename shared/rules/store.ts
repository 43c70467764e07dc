/**
 * The rule store port: named filters and promotions, written by the admin
 * routes and read (all at once, they are few) by serving. Implemented on the
 * DynamoDB table (shared/storage/dynamodb/rules.ts) and in memory (memory-store.ts).
 */
import type { FilterDefinition, Promotion, RuleSet } from './definitions';

/** Partition key of every stored rule (the Ingest function may write it: shared/topology.ts). */
export const RULES_PARTITION = 'RULES';

export interface RuleStore {
  /** Every stored rule, filters and promotions each sorted by name. */
  listRules(): Promise<RuleSet>;
  /** Creates or replaces a filter definition. */
  putFilter(def: FilterDefinition): Promise<void>;
  /** True when a filter of that name existed. */
  deleteFilter(name: string): Promise<boolean>;
  putPromotion(promotion: Promotion): Promise<void>;
  deletePromotion(name: string): Promise<boolean>;
}

export const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
