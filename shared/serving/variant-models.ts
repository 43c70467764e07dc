/**
 * The models A/B variants ask for, held beside the latest one: a pinned
 * version, the newest model of a kind (its channel pointer, latest-<kind>.json),
 * and a neural artifact's ALS retrieval without its re-ranker. Each is a
 * ModelCache of its own — loaded on the first request that needs it, verified
 * as latest is (every file's sha256 against the manifest; the channel's manifest
 * against its pointer), re-checked lazily — and at most MAX_VARIANT_MODELS are
 * held (the least recently used goes first; PUT allows no more per experiment).
 * A model that cannot be had (never published, corrupt, pruned, a store error)
 * is answered by the latest model for that request, and the answer's `servedBy`
 * says so: never a 500 or a 503 while the latest model serves.
 */
import { CorruptModelError } from '../model/codec';
import { MAX_VARIANT_MODELS, modelKey, type Pipeline } from '../experiments/schema';
import { ModelCache, type ModelCacheOptions, type ModelSource } from './model-cache';
import { prepareModel, type PreparedModel } from './prepared';

/** The model fields of a variant's pipeline. */
export type ModelChoice = Pick<Pipeline, 'modelVersion' | 'kind' | 'ranker'>;

/** Which model answered a variant that chose one (the answer's `servedBy`). */
export interface ServedBy {
  /** What the variant asked for: "version:<v>", "kind:<k>" or "latest" (a ranker choice alone). */
  requested: string;
  /** The answering artifact's kind. */
  kind: string;
  /** True when a neural re-ranker ordered the answer; false for every other kind, and for ranker: false. */
  ranker: boolean;
  /** Why another model answered than the one asked for (then the latest model answered). */
  fallback?: string;
}

/** The model fields of a pipeline, or undefined when it names none. */
export function modelChoice(p: Partial<Pipeline> | undefined): ModelChoice | undefined {
  if (!p || (p.modelVersion === undefined && p.kind === undefined && p.ranker === undefined)) return undefined;
  return {
    ...(p.modelVersion !== undefined ? { modelVersion: p.modelVersion } : {}),
    ...(p.kind !== undefined ? { kind: p.kind } : {}),
    ...(p.ranker !== undefined ? { ranker: p.ranker } : {}),
  };
}

/**
 * P(click) of a neural artifact's ALS scores: its ALS Platt (retrievalCalibration) when training recorded
 * one; else unknown (the artifact's calibration was fitted on the ranker's scores): the 0.1 prior.
 */
const PRIOR = { a: 0, b: -Math.log(9) };

/** A kind with no channel and no failed fit recorded: not trained since the experiment named it, or never will be. */
const NO_KIND_YET =
  'training fits a kind the running experiment names after its next run; the distributed (large) path fits ALS only';

export class VariantModels {
  /** key → cache, in least-recently-used-first order. */
  private readonly caches = new Map<string, ModelCache>();
  /** A neural artifact's retrieval-only model, built once per loaded artifact. */
  private readonly retrieval = new WeakMap<PreparedModel, PreparedModel | Error>();
  /** kind → why training could not fit it, and when that was read. */
  private readonly notFitted = new Map<string, { at: number; why: string | undefined }>();

  constructor(
    private readonly latest: ModelCache,
    private readonly source: ModelSource,
    private readonly opts: ModelCacheOptions & { max?: number },
  ) {}

  /** The model `choice` asks for (the latest model when it cannot be had); pm null only when latest is too. */
  async resolve(choice: ModelChoice): Promise<{ pm: PreparedModel | null; servedBy: ServedBy }> {
    const key = modelKey(choice);
    let pm: PreparedModel | null = null;
    let fallback: string | undefined;
    if (key !== null) {
      const r = await this.chosen(key, choice);
      pm = r.pm;
      fallback = r.fallback;
    }
    pm ??= await this.latest.get();
    if (!pm) return { pm: null, servedBy: { requested: key ?? 'latest', kind: '', ranker: false, fallback } };
    const artifactKind = pm.kind;
    let ranker = pm.kind === 'neural';
    if (ranker && choice.ranker === false) {
      const alone = this.withoutRanker(pm);
      if (alone instanceof Error) fallback = `the ranker could not be switched off: ${alone.message}`;
      else {
        pm = alone;
        ranker = false;
      }
    }
    return {
      pm,
      servedBy: { requested: key ?? 'latest', kind: artifactKind, ranker, ...(fallback ? { fallback } : {}) },
    };
  }

  /** Models held now, by key. */
  held(): string[] {
    return [...this.caches.keys()];
  }

  /** For /health: a held model refused (corrupt) or failing to load, whose variant the latest model answers. */
  problems(): string[] {
    const out: string[] = [];
    for (const [key, cache] of this.caches) {
      const st = cache.status();
      if (st.refused) out.push(`A/B variant model ${key}: version ${st.refused.version} refused: ${st.refused.reason}`);
      if (st.failingSince !== null)
        out.push(`A/B variant model ${key}: loads failing since ${new Date(st.failingSince).toISOString()}`);
    }
    return out;
  }

  private async chosen(key: string, choice: ModelChoice): Promise<{ pm: PreparedModel | null; fallback?: string }> {
    if (choice.kind !== undefined) {
      // the latest model is the newest of its kind: its publish moved that kind's channel too
      const latest = await this.latest.get();
      if (latest?.kind === choice.kind) return { pm: latest };
    }
    const cache = this.cacheFor(key, choice);
    if (!cache) return { pm: null, fallback: `${key}: this deployment cannot load another model` };
    const pm = await cache.get();
    if (pm) return { pm };
    const st = cache.status();
    if (st.refused)
      return { pm: null, fallback: `${key}: version ${st.refused.version} refused (${st.refused.reason})` };
    if (st.failingSince !== null) return { pm: null, fallback: `${key}: could not be loaded; retried shortly` };
    if (choice.kind === undefined) return { pm: null, fallback: `${key}: not published` };
    return { pm: null, fallback: `${key}: not published yet: ${(await this.whyNoKind(choice.kind)) ?? NO_KIND_YET}` };
  }

  /** The training job's record of a failed fit, read at most once per refresh interval per kind. */
  private async whyNoKind(kind: string): Promise<string | undefined> {
    const now = (this.opts.now ?? Date.now)();
    const had = this.notFitted.get(kind);
    if (had && now - had.at < this.opts.refreshSeconds * 1000) return had.why;
    const why = await this.source.notFitted?.(kind).catch(() => undefined);
    this.notFitted.set(kind, { at: now, why });
    return why;
  }

  private cacheFor(key: string, choice: ModelChoice): ModelCache | null {
    let cache = this.caches.get(key);
    if (cache) {
      this.caches.delete(key);
      this.caches.set(key, cache);
      return cache;
    }
    const src =
      choice.modelVersion !== undefined
        ? this.source.pinned?.(choice.modelVersion)
        : this.source.channel?.(choice.kind as string);
    if (!src) return null;
    const log = this.opts.log;
    cache = new ModelCache(src, { ...this.opts, log: log && ((l, m, x) => log(l, `${m} (${key})`, x)) });
    this.caches.set(key, cache);
    const max = this.opts.max ?? MAX_VARIANT_MODELS;
    // a dropped cache's model is freed once no request holds it
    for (const old of this.caches.keys()) if (this.caches.size > max) this.caches.delete(old);
    return cache;
  }

  /**
   * The ALS retrieval of a neural artifact as a model of its own: the artifact is ALS's
   * with the network's files beside it, so it loads as kind `als` with ALS's parameters.
   * It holds a second copy of the item factors in its own kernel while it is in use.
   */
  private withoutRanker(pm: PreparedModel): PreparedModel | Error {
    let out = this.retrieval.get(pm);
    if (!out) {
      const m = pm.model;
      const hp = m.manifest.hyperParameters;
      const als = (hp.als && typeof hp.als === 'object' ? hp.als : {}) as Record<string, unknown>;
      try {
        const calibration = m.manifest.retrievalCalibration ?? PRIOR;
        out = prepareModel({ ...m, manifest: { ...m.manifest, kind: 'als', hyperParameters: als, calibration } });
      } catch (err) {
        out = err instanceof CorruptModelError ? err : new Error(String(err));
      }
      this.retrieval.set(pm, out);
    }
    return out;
  }
}
