/**
 * The training store port: what the scheduled training job needs from the
 * table — every interaction, a cheap "anything new?" probe, the erased users,
 * a lease so two runs never overlap, and a run log the status page charts.
 * Implemented by DynamoDB (shared/storage/dynamodb/training.ts) and in memory
 * (shared/storage/local/memory-training.ts); one contract suite runs on both.
 */
import type { Interaction } from '../events';
import type { Erasure } from './interactions';

export type TrainingDecision =
  /** A new model version was published. */
  | 'published'
  /** Nothing arrived (and nobody was erased) since the served model's data. */
  | 'skipped'
  /** Another run holds the lease. */
  | 'locked'
  /** Trained, but the quality gate refused it; the served model stays. */
  | 'rejected'
  /** An error ended the run. */
  | 'failed';

export interface RunRecord {
  runId: string;
  /** ISO time the run started (the log sorts by it). */
  startedAt: string;
  finishedAt: string;
  decision: TrainingDecision;
  /** One human sentence: why this decision. */
  reason: string;
  /** Version published (decision 'published'), or the one still served. */
  version?: string;
  /** Holdout metrics of the candidate (ndcg10, precision10, ...). */
  metrics?: Record<string, number>;
  /** Milliseconds per stage (read, tune, evaluate, fit, publish, total). */
  timings: Record<string, number>;
  counts?: { users: number; items: number; interactions: number; events: number; erasedUsers: number };
  error?: string;
}

export interface ScanOptions {
  /** Parallel scan segments (DynamoDB); ignored in memory. */
  segments?: number;
}

export interface TrainingStore {
  /**
   * Calls `visit` with batches of every stored interaction (each exactly once,
   * order unspecified); resolves to the number visited. Batches may arrive
   * from parallel readers, but `visit` is never called concurrently.
   */
  scanInteractions(visit: (batch: Interaction[]) => void, opts?: ScanOptions): Promise<number>;
  /** True when some interaction was received strictly after `watermark` (epoch ms). */
  hasNewSince(watermark: number, now?: number): Promise<boolean>;
  /** Every erasure marker. */
  listErasures(): Promise<Erasure[]>;
  /**
   * Takes the named lease for `seconds` if it is free or expired. False when
   * another owner holds it.
   */
  acquireLease(name: string, owner: string, seconds: number, now?: number): Promise<boolean>;
  /** Releases the lease if `owner` still holds it; false when it did not. */
  releaseLease(name: string, owner: string): Promise<boolean>;
  recordRun(run: RunRecord): Promise<void>;
  /** Newest runs first. */
  listRuns(limit?: number): Promise<RunRecord[]>;
}
