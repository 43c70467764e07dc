/**
 * The model held in module scope across invocations. Loaded on first use,
 * then re-checked at most every `refreshSeconds` with a conditional GET on the
 * latest pointer (a 304 costs no body). A failed check or load keeps the
 * current model; a corrupt version — or one of a kind this build does not
 * serve (prepareModel throws CorruptModelError) — is refused and not retried
 * until the pointer moves again.
 */
import { notFittedReason } from '../model/kind-attempts';
import { CorruptModelError, USER_SIDE_FILES } from '../model/codec';
import { findKind } from '../model/kinds';
import type { Model, ModelManifest } from '../model/types';
import { USER_HISTORIES_FILE, USER_HISTORIES_INDEX_FILE } from '../model/user-histories';
import type { ModelStore } from '../ports/model-store';
import { listVersions, loadModel, readChannel, readLatest } from '../model/repository';
import { idIndex, prepareModel, type PreparedModel } from './prepared';

/** Where models come from; the repository on a ModelStore in production, anything in tests. */
export interface ModelSource {
  latest(
    etag?: string,
  ): Promise<
    | { status: 'unchanged' }
    | { status: 'missing' }
    | { status: 'ok'; etag: string; version: string; manifestSha256?: string }
  >;
  load(version: string, manifestSha256?: string): Promise<Model>;
  /** Published versions, oldest first: lets a cold instance fall back when latest is corrupt. */
  versions?(): Promise<string[]>;
  /** One published version as a source that never moves (an A/B variant's pin; ./variant-models.ts). */
  pinned?(version: string): ModelSource;
  /** A kind's channel (the newest version of that kind) as a source (./variant-models.ts). */
  channel?(kind: string): ModelSource;
  /** Why training could not fit a kind (shared/model/kind-attempts.ts), or undefined. */
  notFitted?(kind: string): Promise<string | undefined>;
}

/** A source that always names `version`: loaded once, then every check is 'unchanged'. */
export function pinnedSource(version: string, load: ModelSource['load']): ModelSource {
  return {
    latest: async (etag) => (etag === version ? { status: 'unchanged' } : { status: 'ok', etag: version, version }),
    load,
  };
}

/**
 * The files serving does not fetch: the user histories (read by range when needed), and
 * every user-side file when the model has more than `maxUsers` users and its kind can
 * fold a user in from a history — then memory and cold start follow the catalog only.
 * Kinds that score users from stored rows alone (mf, user-knn, neural with id
 * embeddings) keep their users in memory.
 */
export function servingOmits(m: ModelManifest, maxUsers: number): ReadonlySet<string> {
  const omit = new Set([USER_HISTORIES_FILE]);
  const spec = findKind(m.kind);
  const foldsIn =
    spec?.capabilities.foldIn === true && m.kind !== 'neural' && (m.kind !== 'als' || m.foldIn !== undefined);
  if (m.counts?.users > maxUsers && foldsIn && m.files?.[USER_HISTORIES_INDEX_FILE])
    for (const name of USER_SIDE_FILES) omit.add(name);
  return omit;
}

/** The published models under `prefix` of a ModelStore (latest.json + verified versions). */
export function repositorySource(
  store: ModelStore,
  prefix: string,
  opts: { maxUsersInMemory?: number } = {},
): ModelSource {
  const maxUsers = opts.maxUsersInMemory ?? Number.POSITIVE_INFINITY;
  // id indexes are built while the factors are still arriving
  const load: ModelSource['load'] = (version, sha) =>
    loadModel(store, prefix, version, sha, { onIds: idIndex, omit: (m) => servingOmits(m, maxUsers) });
  return {
    latest: (etag) => readLatest(store, prefix, etag),
    load,
    versions: () => listVersions(store, prefix),
    // a pinned version has no pointer to hash its manifest: every file is still checked against the manifest
    pinned: (version) => pinnedSource(version, (v) => load(v)),
    channel: (kind) => ({ latest: (etag) => readChannel(store, prefix, kind, etag), load }),
    notFitted: (kind) => notFittedReason(store, prefix, kind),
  };
}

export interface ModelCacheOptions {
  refreshSeconds: number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
  prepare?: (model: Model) => PreparedModel;
}

/** What /health reports about the model cache. */
export interface ModelCacheStatus {
  /** The newest published version, when it was refused (and why); cleared when a newer one loads. */
  refused: { version: string; reason: string } | null;
  /** When checking or loading the latest model started failing (store unreachable...); null while it works. */
  failingSince: number | null;
}

export class ModelCache {
  private current: PreparedModel | null = null;
  private refusedLatest: ModelCacheStatus['refused'] = null;
  private failingSince: number | null = null;
  private etag: string | undefined;
  private lastCheck = -Infinity;
  private inflight: Promise<void> | null = null;
  private readonly refused = new Set<string>();
  private readonly now: () => number;
  private readonly prepare: (model: Model) => PreparedModel;

  constructor(
    private readonly source: ModelSource,
    private readonly opts: ModelCacheOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.prepare = opts.prepare ?? ((m) => prepareModel(m));
  }

  /** The model to serve now (null before any is published), refreshing first when a check is due. */
  async get(): Promise<PreparedModel | null> {
    const due = this.now() - this.lastCheck >= this.opts.refreshSeconds * 1000;
    if (due) this.inflight ??= this.check().finally(() => (this.inflight = null));
    // A cold instance waits for the load already under way (warm() at init) instead of answering "no model".
    if (this.inflight && (due || !this.current)) await this.inflight;
    return this.current;
  }

  status(): ModelCacheStatus {
    return { refused: this.refusedLatest, failingSince: this.failingSince };
  }

  private failed(): void {
    this.failingSince ??= this.now();
  }

  /** The model in memory, without checking for a newer one. */
  peek(): PreparedModel | null {
    return this.current;
  }

  private log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void {
    this.opts.log?.(level, message, extra);
  }

  private async check(): Promise<void> {
    this.lastCheck = this.now();
    let latest: Awaited<ReturnType<ModelSource['latest']>>;
    try {
      latest = await this.source.latest(this.etag);
    } catch (err) {
      this.failed();
      this.log(err instanceof CorruptModelError ? 'error' : 'warn', 'model check failed; serving the current model', {
        error: err,
        version: this.current?.version ?? null,
      });
      return;
    }
    if (latest.status !== 'ok') this.failingSince = null;
    if (latest.status === 'unchanged') return;
    if (latest.status === 'missing') {
      if (this.current)
        this.log('warn', 'latest model pointer is missing; serving the current model', {
          version: this.current.version,
        });
      this.etag = undefined;
      return;
    }
    if (latest.version === this.current?.version || this.refused.has(latest.version)) {
      this.failingSince = null;
      this.etag = latest.etag;
      if (!this.current) await this.fallBack();
      return;
    }
    const started = performance.now();
    try {
      const model = await this.source.load(latest.version, latest.manifestSha256);
      const prepared = this.prepare(model);
      const previous = this.current?.version ?? null;
      this.current = prepared;
      this.etag = latest.etag;
      this.refusedLatest = null;
      this.failingSince = null;
      this.log('info', 'model loaded', {
        version: prepared.version,
        previous,
        users: prepared.users,
        items: prepared.items,
        factors: prepared.factors,
        simd: prepared.simd,
        ms: Math.round(performance.now() - started),
      });
    } catch (err) {
      if (err instanceof CorruptModelError) {
        // never retried: the same bytes would fail the same way; a new publish moves the pointer
        this.refused.add(latest.version);
        this.refusedLatest = { version: latest.version, reason: err.message.slice(0, 200) };
        this.failingSince = null;
        this.etag = latest.etag;
        this.log('error', 'model version refused (corrupt); serving the current model', {
          refused: latest.version,
          version: this.current?.version ?? null,
          error: err,
        });
        if (!this.current) await this.fallBack();
      } else {
        // transient (S3, network): keep the old ETag so the next check tries again
        this.failed();
        this.log('warn', 'model load failed; serving the current model', {
          attempted: latest.version,
          version: this.current?.version ?? null,
          error: err,
        });
      }
    }
  }

  /**
   * A cold instance whose latest version is corrupt serves the newest older
   * version that loads, rather than nothing; the pointer's next move is
   * picked up as usual.
   */
  private async fallBack(): Promise<void> {
    if (!this.source.versions) return;
    let versions: string[];
    try {
      versions = await this.source.versions();
    } catch (err) {
      this.log('warn', 'could not list model versions for a fallback', { error: err });
      return;
    }
    for (const version of versions.reverse()) {
      if (this.refused.has(version)) continue;
      try {
        this.current = this.prepare(await this.source.load(version));
        this.log('warn', 'latest model refused; serving an older version', { version, refused: [...this.refused] });
        return;
      } catch (err) {
        if (err instanceof CorruptModelError) this.refused.add(version);
        else {
          this.log('warn', 'fallback model load failed', { version, error: err });
          return;
        }
      }
    }
  }
}
