/**
 * Serving's view of the experiments: the whole list, re-read at most every
 * `refreshSeconds` (one Query), shared by requests. A failed read keeps the
 * last list; before the first success nobody is assigned (everyone gets the
 * default pipeline and no `variant`) rather than failing requests.
 */
import type { Experiment } from './schema';
import { type ExperimentStore, runningExperiment } from './store';

export interface ExperimentCacheOptions {
  refreshSeconds: number;
  now?: () => number;
  onError?: (message: string, err: unknown) => void;
}

export class ExperimentCache {
  private list: Experiment[] = [];
  private loadedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | null = null;
  private readonly now: () => number;
  /** When reads started failing (null while they work). */
  failingSince: number | null = null;
  /** True once a read succeeded: before that, an empty list means "unknown", not "none". */
  loaded = false;
  /** Why the last read failed (the store's error), while reads fail. */
  lastError: unknown = null;

  constructor(
    private readonly store: Pick<ExperimentStore, 'list'>,
    private readonly opts: ExperimentCacheOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The running experiment, refreshed when due (never throws). */
  async running(): Promise<Experiment | null> {
    if (this.now() - this.loadedAt >= this.opts.refreshSeconds * 1000) {
      this.inflight ??= this.refresh().finally(() => {
        this.inflight = null;
      });
      await this.inflight;
    }
    return runningExperiment(this.list);
  }

  /** Every experiment as last read. */
  all(): readonly Experiment[] {
    return this.list;
  }

  private async refresh(): Promise<void> {
    try {
      this.list = await this.store.list();
      this.failingSince = null;
      this.loaded = true;
      this.lastError = null;
    } catch (err) {
      this.failingSince ??= this.now();
      this.lastError = err;
      this.opts.onError?.('experiments could not be read; keeping the last list', err);
    }
    // a failed read is retried on the next period, not on every request
    this.loadedAt = this.now();
  }
}
