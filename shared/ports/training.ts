/**
 * The training store port: what the scheduled training job needs from the
 * table — every interaction, a cheap "anything new?" probe, the erased users,
 * a lease so two runs never overlap, and a run log the status page charts.
 * Implemented by DynamoDB (shared/storage/dynamodb/training.ts) and in memory
 * (shared/storage/local/memory-training.ts); one contract suite runs on both.
 * Incremental runs read only what arrived since the snapshot's watermark
 * ({@link TrainingStore.readReceivedSince}); full rebuilds read everything
 * through {@link TrainingStore.readAll} (a DynamoDB export to S3 on AWS).
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
  counts?: {
    users: number;
    items: number;
    interactions: number;
    events: number;
    erasedUsers: number;
    /** Items this run read from the table or its export (index entries, events, export lines). */
    itemsRead?: number;
  };
  /** How the training data was read (snapshot + delta, or a full rebuild) and why. */
  read?: ReadSummary;
  error?: string;
}

export interface ReadSummary {
  mode: 'incremental' | 'rebuild';
  /** Where the events came from: the received-time index, a full Scan, or a table export. */
  via: ReadStats['via'];
  /** Why a rebuild (first run, settings changed, requested, every N runs, ...), or 'snapshot + delta'. */
  reason: string;
  itemsRead: number;
  /** Events handed to training's merge (before dedupe and erasures). */
  eventsRead: number;
  /** Events read again by the safety overlap, counted once. */
  duplicates: number;
  /** DynamoDB read capacity units the read consumed, when the store reports them (not for an export). */
  readUnits?: number;
  /** The index an incremental read used (ByReceivedEvents, or ByReceived while the former backfills). */
  index?: string;
  /** Pairs in the snapshot this run wrote. */
  snapshotPairs: number;
  /** Receive-time watermark the new snapshot covers (epoch ms). */
  watermark: number;
}

/** What one read cost. */
export interface ReadStats {
  /** Events handed to the visitor. */
  events: number;
  /** Items read from the store: index entries plus events fetched, scanned items, or export lines. */
  itemsRead: number;
  via: 'index' | 'scan' | 'export';
  /** DynamoDB read capacity units consumed (ConsumedCapacity), when known. */
  readUnits?: number;
  /** For via 'index': which index. */
  index?: string;
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
  /**
   * Calls `visit` with every event received at or after `from` (epoch ms),
   * found through the received-time index (never a table scan). An event
   * rewritten (a retry) may be seen again; callers dedupe by event key.
   */
  readReceivedSince(from: number, visit: (batch: Interaction[]) => void, now?: number): Promise<ReadStats>;
  /**
   * Every event, for a full rebuild, as {@link scanInteractions} would see
   * them: on AWS through a point-in-time export to S3 (no read capacity used),
   * elsewhere (or with `scan: true`, after an export failed) by a Scan. A
   * reader awaits what `visit` returns before it hands over its next batch,
   * so a visitor that writes what it is given (a rebuild's spills) holds the read back.
   */
  readAll(visit: BatchVisitor, opts?: { scan?: boolean }): Promise<ReadStats>;
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

/**
 * A full read of the table's events through an export to S3: the AWS adapter
 * (shared/storage/aws/export.ts) asks DynamoDB for a point-in-time export;
 * the local one (shared/storage/local/export.ts) writes the same files from a
 * Scan of dynalite, which has no export. Both then read the files the same way.
 */
export interface TableExporter {
  exportEvents(visit: BatchVisitor): Promise<ReadStats>;
}

/**
 * Takes a batch of a full read; what it returns is awaited before the reader's next batch (a promise holds
 * the read back; anything else, as a plain callback returns, goes on at once).
 */
export type BatchVisitor = (batch: Interaction[]) => unknown;
