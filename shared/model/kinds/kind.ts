/**
 * The contract every model kind implements (docs/models.md), in the spirit of
 * benfred/implicit's fit / recommend / similar_items / explain / save / load and
 * Gorse's per-model search space. Training, the CLI, the benchmarks and serving
 * all reach a kind only through its {@link KindSpec} in the registry (./index.ts),
 * so adding a kind is one file plus one registry line.
 *
 * Indices are the dense user/item indices of the fitted users × items matrix
 * (the artifact's userIds/itemIds order). Every buffer a method writes is the
 * caller's: a fitted model holds no per-request state, so two requests can
 * never see each other's scratch.
 */
import type { SearchStop } from '../../math/hpo';
import type { Csr } from '../../math/csr';
import type { Contribution, History } from '../../math/foldin';
import type { Model } from '../types';
import type { ColdItems } from './cold-ridge';

export type { Contribution, History };

/** What a fitted model of the kind can answer. Serving and the CLI offer exactly these. */
export interface Capabilities {
  /** Top-k for a user seen in training, from what the model stored about them. */
  personalized: boolean;
  /** Scores for a user from an item history alone (new users, fresh events): {@link FittedModel.foldIn}. */
  foldIn: boolean;
  /** Item-to-item similarity: {@link FittedModel.similarItems}. */
  similarItems: boolean;
  /** The history items behind a score: {@link UserScorer.explain}. */
  explain: boolean;
  /** Predictions on the rating scale (explicit feedback): {@link FittedModel.predictRating}. */
  ratings: boolean;
}

/** Shape of the training data; defaults and search spaces are derived from it. */
export interface DataStats {
  users: number;
  items: number;
  /** Distinct (user, item) pairs. */
  interactions: number;
}

/** One tunable parameter's range (Gorse's GetParamsGrid, as ranges rather than a grid). */
export type ParamRange =
  | { type: 'float'; min: number; max: number; log?: boolean }
  | { type: 'int'; min: number; max: number; log?: boolean }
  | { type: 'choice'; values: readonly (number | string | boolean)[] };

/** Parameter name → range. Parameters not named here keep their default. */
export type SearchSpace = Record<string, ParamRange>;

/** The data a kind trains on. */
export interface TrainingData {
  /**
   * users × items, one entry per distinct pair, rows sorted by item; the value
   * is the pair's summed, bounded event weight (the rating for explicit kinds).
   * Built by shared/training/dataset.ts for production, tests and benchmarks alike.
   */
  ui: Csr;
  userIds: readonly string[];
  itemIds: readonly string[];
  /**
   * Side information by name (e.g. item categories, user attributes), for kinds
   * that use it; a kind ignores what it does not know. Kinds that need some
   * document the name and shape they read.
   */
  side?: Readonly<Record<string, unknown>>;
}

export interface FitOptions {
  seed: number;
  /**
   * Cap on the kind's unit of work (ALS iterations, MF or neural epochs), when
   * the caller plans work rather than time: one seed and one budget give one
   * model on a quiet and a loaded machine. Absent: the params decide.
   */
  workBudget?: number;
  /** Clock safety stop, polled between units of work: true ends fitting with what there is. */
  shouldStop?(): boolean;
  /** Progress per unit of work (loss when the kind computes one cheaply). */
  onEpoch?(epoch: number, loss: number | undefined): void;
}

/**
 * One user as a fitted model sees them. Built per request (cheap) and never
 * shared: whatever it caches (a factored system, a query vector) is its own.
 */
export interface UserScorer {
  /** out[i] = ranking score of item i (higher is better; -Infinity = never recommend). */
  scoreAll(out: Float32Array): void;
  /** Score of item i alone, equal to scoreAll's out[i] (ranking a few candidates). */
  score(i: number): number;
  /** At most `limit` history items contributing most (positively) to `target`'s score, largest first. */
  explain?(target: number, limit: number): Contribution[];
  /** Score of an item known only by a factor vector (a cold item's: {@link FittedModel.coldItems}), scaled as score(i). */
  scoreVector?(v: Float32Array): number;
  /** The model's own P(click) of item i where it has one (the neural ranker's candidates), else null. */
  probability?(i: number): number | null;
  /** With probability: the user's history items and ranker candidates (the prior correction's per-user input). */
  probabilityUser?(): { history: number; candidates: number };
}

/** A trained (or loaded) model of one kind. */
export interface FittedModel {
  readonly kind: string;
  readonly capabilities: Capabilities;
  readonly users: number;
  readonly items: number;
  /** The parameters it was fitted with, defaults filled in (recorded in the manifest). */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * User u as trained. `history` (their items and weights, e.g. the artifact's
   * seen row plus recent events) is what explanations are computed from; kinds
   * that score from history (item-kNN) use it instead of the training row when given.
   */
  user(u: number, history?: History): UserScorer;
  /** A user from their history alone; null when the history is empty. Present iff capabilities.foldIn. */
  foldIn?(history: History): UserScorer | null;
  /**
   * out[j] = similarity of item j to `item` (cosine for factor kinds), -Infinity
   * where there is none. Present iff capabilities.similarItems.
   */
  similarItems?(item: number, out: Float32Array): void;
  /** Rating for (u, i); -1 stands for a user or item the model does not know. Present iff capabilities.ratings. */
  predictRating?(u: number, i: number): number;
  /** The kind's part of the artifact; training adds ids, seen items, popularity and the manifest. */
  artifact(): KindArtifact;
  /** Factor vectors for items known only by metadata (./cold-ridge.ts); absent when trained without metadata. */
  readonly coldItems?: ColdItems;
  /** The 1 : k negative sampling its own P was trained under (neural, at fit only): the prior correction's input. */
  readonly probabilityPrior?: { negatives: number; perHistoryItem: number };
}

/** Element type of a kind's own file, told by the file name's extension. */
export type PartValue = Float32Array | Int32Array | Float64Array | unknown;

/**
 * What a fitted model contributes to the {@link Model}. Factor kinds fill the
 * common fields; a kind with other arrays puts them in `parts`, keyed by file
 * name: `.f32` Float32Array, `.i32` Int32Array, `.f64` Float64Array, `.json`
 * any JSON value. The codec writes and verifies them (sha256, length) like the
 * common files without knowing the kind; the kind's `load` checks their shapes.
 */
export interface KindArtifact {
  factors: number;
  userFactors?: Float32Array;
  itemFactors?: Float32Array;
  userBias?: Float32Array;
  itemBias?: Float32Array;
  globalBias?: number;
  itemGramian?: Float64Array;
  neighbors?: Model['neighbors'];
  /** Manifest fields serving needs (e.g. ALS's fold-in parameters). */
  manifest?: Partial<Pick<Model['manifest'], 'foldIn' | 'globalBias'>>;
  parts?: Record<string, PartValue>;
}

/**
 * Dense scoring against item factors, swappable so serving can use its
 * WebAssembly kernel while training, the CLI and benchmarks use plain JS.
 * Implementations copy results into the caller's buffer and keep no state
 * between calls that a second caller could observe.
 */
export interface DenseScorer {
  /** Row-major items × f factors this scorer scores against. */
  readonly itemFactors: Float32Array;
  /** out[i] = q · y_i. */
  scoreAll(q: Float32Array, out: Float32Array): void;
  /** YᵀY (f × f), computed once. */
  gramian(): Float64Array;
}

export interface LoadOptions {
  /** Dense scorer factory (serving passes its SIMD kernel); default: JS. */
  dense?(itemFactors: Float32Array, items: number, f: number): DenseScorer;
}

/** Result of a kind's own tuner (or of the generic search over its {@link SearchSpace}). */
export interface TuneResult {
  params: Record<string, unknown>;
  /** Validation value of the tuned metric (nDCG@10). */
  metric: number;
  /** For the manifest's tuning log. */
  log: Record<string, unknown>[];
  seconds: number;
  /** What ended the search (see SearchStop in math/hpo.ts): only 'clock' and 'stop' depend on the machine. */
  stoppedBy: SearchStop;
}

export interface TuneOptions {
  seed: number;
  /** Trials to run at most: the plan (deterministic). */
  maxTrials?: number;
  /** The plan in nominal multiply-adds, for tuners that measure work (ALS); deterministic. */
  work?: number;
  /** Clock safety stop for the whole search. */
  budgetSeconds: number;
  /** Hard stop (a deadline): polled inside every trial, the first one too. */
  stop?(): boolean;
  /** Fixed parameters applied to every trial. */
  base?: Record<string, unknown>;
  onTrial?(index: number, metric: number): void;
}

/** Everything the rest of Attune knows about one kind. */
export interface KindSpec {
  /** The manifest's `kind`. */
  readonly kind: string;
  /** One line for CLI help and docs. */
  readonly description: string;
  readonly capabilities: Capabilities;
  /** The kind learns from ratings (explicit feedback) rather than implicit weights. */
  readonly explicit?: boolean;
  /** Parameters to use untuned, from the data's shape. */
  defaults(stats: DataStats): Record<string, unknown>;
  /** What the tuner may vary, from the data's shape; {} = nothing to tune. */
  searchSpace(stats: DataStats): SearchSpace;
  /**
   * Why this kind cannot train on data of this shape within one function
   * (e.g. EASE's n² memory), or null when it can. Absent = always feasible.
   */
  infeasible?(stats: DataStats): string | null;
  /** A kind's own tuner (ALS's coordinate descent); without one the generic search reads {@link searchSpace}. */
  tune?(data: TrainingData, opts: TuneOptions): TuneResult;
  fit(data: TrainingData, params: Record<string, unknown>, opts: FitOptions): FittedModel;
  /**
   * The fitted model of a decoded artifact. Throws CorruptModelError when the
   * artifact's arrays do not fit this kind (missing part, wrong shape), so a
   * bad version is refused like a corrupt one.
   */
  load(model: Model, opts?: LoadOptions): FittedModel;
}
