/**
 * Models for A/B variants that name a kind (docs/online.md): after a run has
 * trained, the job also fits each kind the running experiment names that is
 * not the served one, on the same data, and publishes it to that kind's channel
 * (latest-<kind>.json) without moving latest.json. Each fit is the plain
 * pipeline with the kind's data-derived defaults (no tuning: the variant is
 * compared online, where its users decide), evaluated on the same user split so
 * its manifest carries metrics and calibration, planned for {@link KIND_SHARE}
 * of the run's budget and stopped by the run's deadline. No quality gate: the
 * experiment, not the holdout, judges the kind.
 *
 * A kind that could not be fitted (too little data: the pipeline fell back to
 * popularity; the fit threw; no time left) is recorded in
 * <prefix>variant-kind-attempts.json with why and on how much data. Until the
 * data has grown by {@link RETRY_GROWTH} or the running experiment's document
 * changes, that kind is neither a reason to train nor fitted again, so a kind
 * the data cannot support does not make every scheduled run retrain.
 */
import type { Experiment } from '../experiments/schema';
import { runningExperiment } from '../experiments/store';
import { type KindAttempt, readAttempts, retryAt, writeAttempts } from '../model/kind-attempts';
import { newVersion, publishModel, readChannel } from '../model/repository';
import type { ModelStore } from '../ports/model-store';
import type { Dataset } from './dataset';
import { trainPipeline } from './pipeline';

export {
  attemptsKey,
  type KindAttempt,
  type KindAttempts,
  RETRY_GROWTH,
  readAttempts,
} from '../model/kind-attempts';

/** Share of the run's budget each variant kind is planned for. */
export const KIND_SHARE = 0.25;

/** What experiments ask of training: kinds the running one names, versions any one pins. */
export function experimentModels(all: readonly Experiment[]): {
  kinds: string[];
  pinned: Set<string>;
  /** The running experiment's document identity ({@link experimentKey}); null when none runs. */
  experiment: string | null;
} {
  const pinned = new Set<string>();
  // a stopped experiment's pins are kept too: it may be started again (delete it to release them)
  for (const e of all) for (const v of e.variants) if (v.pipeline.modelVersion) pinned.add(v.pipeline.modelVersion);
  const running = runningExperiment(all);
  const kinds = new Set<string>();
  for (const v of running?.variants ?? []) if (v.pipeline.kind) kinds.add(v.pipeline.kind);
  return { kinds: [...kinds].sort(), pinned, experiment: running ? experimentKey(running) : null };
}

/** An experiment document's identity: any PUT moves updatedAt, so an edited experiment gets a fresh try. */
export const experimentKey = (e: Pick<Experiment, 'experimentId' | 'updatedAt'>) => `${e.experimentId}@${e.updatedAt}`;

/** Whether `kind` is worth a try on `interactions` pairs, given its last failed attempt (if any). */
export function retryDue(a: KindAttempt | undefined, experiment: string | null, interactions: number): boolean {
  if (!a || a.experiment !== experiment) return true;
  return interactions >= retryAt(a.interactions);
}

/**
 * Kinds that are a reason to train without new events: no channel yet and no failed attempt for
 * this experiment (with no new events the data cannot have grown, so such an attempt would fail again).
 */
export async function kindsToTrainFor(
  store: ModelStore,
  prefix: string,
  kinds: readonly string[],
  experiment: string | null,
): Promise<string[]> {
  const missing = await kindsWithoutChannel(store, prefix, kinds);
  if (!missing.length) return missing;
  const attempts = await readAttempts(store, prefix);
  return missing.filter((k) => attempts[k] === undefined || attempts[k].experiment !== experiment);
}

/** Kinds among `kinds` whose channel has no version yet (the run then trains even without new events). */
export async function kindsWithoutChannel(store: ModelStore, prefix: string, kinds: readonly string[]) {
  const out: string[] = [];
  for (const kind of kinds) {
    const r = await readChannel(store, prefix, kind).catch(() => ({ status: 'missing' as const }));
    if (r.status !== 'ok') out.push(kind);
  }
  return out;
}

export interface VariantKindsOptions {
  models: ModelStore;
  prefix: string;
  /** Kinds to fit (the served kind is left out by the caller). */
  kinds: readonly string[];
  budgetSeconds: number;
  /** ms left before the run must stop (its deadline minus the publish reserve); Infinity without one. */
  leftMs: () => number;
  seed: number;
  now: () => number;
  keep: number;
  pinned: () => Promise<Iterable<string>>;
  erasureWatermark?: number;
  onWarning: (message: string, extra: Record<string, unknown>) => void;
  /** Called for a kind that could not be fitted, with why. */
  onNotFitted?: (kind: string, reason: string) => void;
}

/** Fits and publishes each kind to its channel; returns kind → published version (a failed kind is logged). */
export async function publishVariantKinds(d: Dataset, o: VariantKindsOptions): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of o.kinds) {
    const left = o.leftMs();
    const budgetSeconds = Math.min(o.budgetSeconds * KIND_SHARE, left / 1000 / 1.5);
    if (!(budgetSeconds > 1)) {
      o.onWarning('no time left to fit a kind an experiment names', { kind });
      o.onNotFitted?.(kind, 'no time left in the training run');
      continue;
    }
    try {
      const r = trainPipeline(d, {
        kind,
        tune: false,
        neural: false,
        budgetSeconds,
        stopAfterMs: left,
        seed: o.seed,
        split: 'user',
        evaluate: true,
        version: newVersion(o.now()),
        createdAt: new Date(o.now()).toISOString(),
        erasureWatermark: o.erasureWatermark,
      });
      if (r.model.manifest.kind !== kind) {
        // too little data for the kind: the pipeline fell back to popularity; the channel stays as it is
        o.onWarning('a kind an experiment names was not fitted', { kind, note: r.note });
        o.onNotFitted?.(kind, r.note ?? `the pipeline answered ${r.model.manifest.kind} instead`);
        continue;
      }
      const m = await publishModel(o.models, o.prefix, r.model, {
        keep: o.keep,
        latest: false,
        pinned: o.pinned,
        onWarning: (message, err) => o.onWarning(message, { error: String(err) }),
      });
      out[kind] = m.version;
    } catch (err) {
      o.onWarning('fitting a kind an experiment names failed', { kind, error: String(err) });
      o.onNotFitted?.(kind, `the fit failed: ${String((err as Error)?.message ?? err)}`);
    }
  }
  return out;
}

/**
 * {@link publishVariantKinds} with the attempts record: kinds whose last attempt failed on about this
 * much data for this experiment are left out (logged), failures are recorded, a fitted kind's record goes.
 */
export async function fitVariantKinds(
  d: Dataset,
  o: VariantKindsOptions & { experiment: string | null; onInfo?: (message: string, extra: object) => void },
): Promise<Record<string, string>> {
  const attempts = await readAttempts(o.models, o.prefix);
  const interactions = d.pairUser.length;
  const kinds = o.kinds.filter((k) => {
    const due = retryDue(attempts[k], o.experiment, interactions);
    if (!due)
      o.onInfo?.('a kind an experiment names is not tried again before the data grows', { attempt: attempts[k] });
    return due;
  });
  let changed = false;
  const out = await publishVariantKinds(d, {
    ...o,
    kinds,
    onNotFitted: (kind, reason) => {
      changed = true;
      attempts[kind] = {
        kind,
        experiment: o.experiment,
        at: new Date(o.now()).toISOString(),
        reason,
        interactions,
        users: d.userIds.length,
        items: d.itemIds.length,
        watermark: d.watermark,
      };
    },
  });
  for (const k of Object.keys(out)) {
    if (attempts[k]) {
      delete attempts[k];
      changed = true;
    }
  }
  if (changed) {
    // lost, the next run with new data tries the kind again: a retry, never a wrong answer
    await writeAttempts(o.models, o.prefix, attempts).catch((err) => {
      o.onWarning('could not record the variant kinds not fitted', { error: String(err) });
    });
  }
  return out;
}
