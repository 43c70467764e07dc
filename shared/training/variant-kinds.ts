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
 */
import type { Experiment } from '../experiments/schema';
import { runningExperiment } from '../experiments/store';
import { newVersion, publishModel, readChannel } from '../model/repository';
import type { ModelStore } from '../ports/model-store';
import type { Dataset } from './dataset';
import { trainPipeline } from './pipeline';

/** Share of the run's budget each variant kind is planned for. */
export const KIND_SHARE = 0.25;

/** What experiments ask of training: kinds the running one names, versions any one pins. */
export function experimentModels(all: readonly Experiment[]): { kinds: string[]; pinned: Set<string> } {
  const pinned = new Set<string>();
  // a stopped experiment's pins are kept too: it may be started again (delete it to release them)
  for (const e of all) for (const v of e.variants) if (v.pipeline.modelVersion) pinned.add(v.pipeline.modelVersion);
  const running = runningExperiment(all);
  const kinds = new Set<string>();
  for (const v of running?.variants ?? []) if (v.pipeline.kind) kinds.add(v.pipeline.kind);
  return { kinds: [...kinds].sort(), pinned };
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
}

/** Fits and publishes each kind to its channel; returns kind → published version (a failed kind is logged). */
export async function publishVariantKinds(d: Dataset, o: VariantKindsOptions): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of o.kinds) {
    const left = o.leftMs();
    const budgetSeconds = Math.min(o.budgetSeconds * KIND_SHARE, left / 1000 / 1.5);
    if (!(budgetSeconds > 1)) {
      o.onWarning('no time left to fit a kind an experiment names', { kind });
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
    }
  }
  return out;
}
