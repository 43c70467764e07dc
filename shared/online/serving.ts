/**
 * The serving core with attribution and experiments: every answer of
 * recommendations, rank and similar gets a fresh `recommendationId` and each
 * item its 1-based `position`; a user in the running experiment gets their
 * variant's pipeline (the request's own parameters win) and `variant` in the
 * answer. An erased user is never assigned (control's pipeline, `variant` null).
 * A subclass, so the routes and the benchmark take it where they take the core.
 */
import type { Assignment } from '../experiments/assign';
import { assignmentFor } from '../experiments/assign';
import type { ExperimentCache } from '../experiments/cache';
import type { Pipeline } from '../experiments/schema';
import type { InteractionStore } from '../ports/interactions';
import {
  type RecommendOptions,
  type Recommendations,
  type Ranking,
  ServingCore,
  type ServingDeps,
} from '../serving/core';
import { modelChoice } from '../serving/variant-models';
import { newRecommendationId } from './attribution';

export interface Attribution {
  recommendationId: string;
  /** "experiment:variant" for a user in the running experiment, else null. */
  variant: string | null;
}

const positioned = <T extends object>(items: T[]) => items.map((it, i) => ({ ...it, position: i + 1 }));

/** The request's options over the variant's pipeline: a parameter the request sets wins. */
export function withPipeline(opts: RecommendOptions, pipeline: Pipeline | undefined): RecommendOptions {
  if (!pipeline) return opts;
  const own = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  // diversity and calibrate re-rank the same list: a request that sets either replaces the variant's choice
  const base: Partial<Pipeline> = { ...pipeline };
  if (own.diversity !== undefined || own.calibrate !== undefined) {
    delete base.diversity;
    delete base.calibrate;
  }
  return { ...base, ...own } as RecommendOptions;
}

export class AttributedCore extends ServingCore {
  private readonly erasures: Pick<InteractionStore, 'getErasure'>;

  constructor(
    deps: ServingDeps,
    private readonly experiments: ExperimentCache | null,
  ) {
    super(deps);
    this.erasures = deps.store;
  }

  /**
   * The user's assignment. The erasure check runs beside the answer (no added
   * latency); only an erased user who was placed in a non-control variant is
   * answered again, with control's pipeline. An unreadable marker counts as erased.
   */
  private async assigned<T>(userId: string, answer: (a: Assignment) => Promise<T>): Promise<T & Attribution> {
    const running = this.experiments ? await this.experiments.running() : null;
    const hoped = assignmentFor(running, userId, false);
    if (!running) return { ...(await answer(hoped)), recommendationId: newRecommendationId(), variant: null };
    const [first, erased] = await Promise.all([
      answer(hoped),
      this.erasures.getErasure(userId).then(
        (m) => m !== null,
        () => true,
      ),
    ]);
    if (!erased) return { ...first, recommendationId: newRecommendationId(), variant: hoped.label };
    const control = assignmentFor(running, userId, true);
    const body = control.variant?.name === hoped.variant?.name ? first : await answer(control);
    return { ...body, recommendationId: newRecommendationId(), variant: null };
  }

  override async recommend(userId: string, opts: RecommendOptions): Promise<Recommendations & Attribution> {
    const out = await this.assigned(userId, (a) => super.recommend(userId, withPipeline(opts, a.variant?.pipeline)));
    return { ...out, items: positioned(out.items) };
  }

  // Rest parameters: whatever the core's routes pass (rules, options) reaches it unchanged.
  override async rank(...args: Parameters<ServingCore['rank']>): Promise<Ranking & Attribution> {
    // the variant's model choice (./variant-models.ts) applies to ranking too; its rules do not
    const out = await this.assigned(args[0], (a) =>
      super.rank(args[0], args[1], { ...args[2], ...modelChoice(a.variant?.pipeline) }),
    );
    return { ...out, items: positioned(out.items) };
  }

  override async similar(...args: Parameters<ServingCore['similar']>) {
    const out = await super.similar(...args);
    return { ...out, recommendationId: newRecommendationId(), variant: null, items: positioned(out.items) };
  }
}
