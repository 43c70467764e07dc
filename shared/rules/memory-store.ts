/** RuleStore in process memory (tests, tools); same contract as the DynamoDB adapter. */
import type { FilterDefinition, Promotion, RuleSet } from './definitions';
import { byName, type RuleStore } from './store';

export class MemoryRuleStore implements RuleStore {
  private readonly filters = new Map<string, FilterDefinition>();
  private readonly promotions = new Map<string, Promotion>();

  async listRules(): Promise<RuleSet> {
    return {
      filters: [...this.filters.values()].map((f) => structuredClone(f)).sort(byName),
      promotions: [...this.promotions.values()].map((p) => structuredClone(p)).sort(byName),
    };
  }

  async putFilter(def: FilterDefinition): Promise<void> {
    this.filters.set(def.name, structuredClone(def));
  }

  async deleteFilter(name: string): Promise<boolean> {
    return this.filters.delete(name);
  }

  async putPromotion(promotion: Promotion): Promise<void> {
    this.promotions.set(promotion.name, structuredClone(promotion));
  }

  async deletePromotion(name: string): Promise<boolean> {
    return this.promotions.delete(name);
  }
}
