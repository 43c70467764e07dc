/**
 * The stored rules as serving holds them: read all at once (they are few),
 * refreshed at most every `refreshSeconds`, the last good set kept when a read
 * fails (and the failure reported, like the catalog's).
 */
import type { RuleSet } from './definitions';
import type { RuleStore } from './store';

export interface RuleCacheOptions {
  refreshSeconds: number;
  now?: () => number;
  onError?: (message: string, err: unknown) => void;
}

export class RuleCache {
  private rules: RuleSet | null = null;
  private lastCheck = -Infinity;
  private inflight: Promise<void> | null = null;
  private readonly now: () => number;
  /** When rule reads started failing (null while they work). */
  failingSince: number | null = null;

  constructor(
    private readonly store: Pick<RuleStore, 'listRules'>,
    private readonly opts: RuleCacheOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * The current rules (refreshed when due); null until a read has succeeded. Never throws.
   * `fresh`: re-read unless the last read is under a second old (a name not found may be new).
   */
  async get(fresh = false): Promise<RuleSet | null> {
    const age = this.now() - this.lastCheck;
    if (this.rules === null || age >= (fresh ? 1000 : this.opts.refreshSeconds * 1000)) {
      this.inflight ??= this.read().finally(() => (this.inflight = null));
      await this.inflight;
    }
    return this.rules;
  }

  private async read(): Promise<void> {
    const started = this.now();
    try {
      this.rules = await this.store.listRules();
      this.lastCheck = started;
      this.failingSince = null;
    } catch (err) {
      this.failingSince ??= started;
      this.opts.onError?.('rules refresh failed; serving the last rules read', err);
    }
  }
}
