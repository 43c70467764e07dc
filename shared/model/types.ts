/**
 * The model artifact as training produces it and serving holds it in memory.
 * The codec (shared/model/codec.ts) turns it into files and back; storage only
 * moves those bytes. Everything numeric is a typed array, row-major.
 */
import type { Calibration } from '../math/calibration';
import type { FoldInParams } from '../math/confidence';
import type { ModelExposure } from '../math/exposure';
import type { UserHistorySource } from './user-histories';

// parameter types live with the math that uses them; the model format re-exports them
export type { Calibration, FoldInParams };

/** A kind registered in shared/model/kinds (als, mf, item-knn, user-knn, popular, ...). */
export type ModelKind = string;

export interface FileEntry {
  sha256: string;
  bytes: number;
}

export interface ModelManifest {
  formatVersion: 1;
  version: string;
  createdAt: string;
  kind: ModelKind;
  factors: number;
  hyperParameters: Record<string, unknown>;
  counts: { users: number; items: number; interactions: number };
  metrics: Record<string, unknown>;
  /** Newest receivedAt (epoch ms) of the interactions this model was trained on. */
  watermark: number;
  calibration: Calibration;
  /**
   * Neural artifacts the pipeline's gate chose: Platt scaling of the ALS retrieval's own scores on
   * the same holdout, for serving the retrieval without the ranker (an A/B variant's `ranker: false`).
   */
  retrievalCalibration?: Calibration;
  foldIn?: FoldInParams;
  /** Hyper-parameter search log, when tuning ran. */
  tuning?: Record<string, unknown>;
  /** Biased MF only: the global mean (per-user/item biases are files). */
  globalBias?: number;
  /**
   * Newest erasure time (epoch ms) known when the data was read: an erasure
   * after it means the model still holds an erased user, so the job retrains.
   */
  erasureWatermark?: number;
  /** Why the job published this model (e.g. "popularity-only: 3 users"). */
  note?: string;
  /** What the model does to exposure in its users' top-10 (shared/training/exposure.ts). */
  exposure?: ModelExposure;
  /** Every binary file of the version, by name. */
  files: Record<string, FileEntry>;
}

export interface Model {
  manifest: ModelManifest;
  userIds: string[];
  itemIds: string[];
  /** Number of latent factors f (0 for popularity-only models). */
  factors: number;
  /** users × f, row-major. */
  userFactors: Float32Array;
  /** items × f, row-major. */
  itemFactors: Float32Array;
  /** Biased MF only. */
  userBias?: Float32Array;
  itemBias?: Float32Array;
  globalBias?: number;
  /** Per-user seen items, CSR over item indices (sorted within a row). */
  seenIndptr: Int32Array;
  seenIndices: Int32Array;
  /**
   * YᵀY of itemFactors (f × f, float64, row-major), when training shipped it:
   * fold-in needs it, and serving computes it itself (≈ 30 ms at 100k × 64) when absent.
   */
  itemGramian?: Float64Array;
  /** Popularity (optionally time-decayed) per item; cold-start ranking. */
  popularity: Float32Array;
  /** kNN models: per-row neighbour lists, CSR (rows are items for item-knn, users for user-knn). */
  neighbors?: { indptr: Int32Array; indices: Int32Array; weights: Float32Array };
  /**
   * A kind's own files by file name (see shared/model/kinds/kind.ts KindArtifact):
   * `.f32` Float32Array, `.i32` Int32Array, `.f64` Float64Array, `.json` any JSON value.
   */
  parts?: Record<string, unknown>;
  /**
   * Set when the reader left the user-side files in the store (serving many users):
   * userIds is empty and a user's history is read on demand instead.
   */
  userHistories?: UserHistorySource;
}
