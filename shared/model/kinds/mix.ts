/**
 * Two fitted models served as one: score = w·z(a) + (1 − w)·z(b), each side standardized over the
 * catalog per user (shared/math/blend.ts), so models of different scales mix by spread. The blend
 * (ALS + EASE) and the ALS pair (two ALS fits) are this with their own artifacts; explanations come
 * from the side named at construction, similar items from both sides' standardized similarities.
 */
import { mixInto, standardize } from '../../math/blend';
import type { Capabilities, FittedModel, History, KindArtifact, UserScorer } from './kind';

export abstract class FittedMix implements FittedModel {
  abstract readonly kind: string;
  readonly users: number;
  readonly items: number;

  constructor(
    protected readonly a: FittedModel,
    protected readonly b: FittedModel,
    readonly weight: number,
    private readonly explainFrom: 'a' | 'b',
    readonly capabilities: Capabilities,
    readonly params: Record<string, unknown>,
  ) {
    this.users = b.users;
    this.items = b.items;
  }

  /** Scores both sides once (per scorer: its cache is its own) and mixes them. */
  private mix(sa: UserScorer, sb: UserScorer): UserScorer {
    let cache: Float32Array | undefined;
    const all = (): Float32Array => {
      if (!cache) {
        const n = this.items;
        const x = new Float32Array(n);
        const y = new Float32Array(n);
        sa.scoreAll(x);
        sb.scoreAll(y);
        standardize(x);
        standardize(y);
        cache = new Float32Array(n);
        mixInto(x, y, this.weight, cache);
      }
      return cache;
    };
    return {
      scoreAll: (out) => out.set(all()),
      score: (i) => all()[i],
      explain: (this.explainFrom === 'a' ? sa : sb).explain,
    };
  }

  user(u: number, history?: History): UserScorer {
    return this.mix(this.a.user(u, history), this.b.user(u, history));
  }

  foldIn(history: History): UserScorer | null {
    const sa = this.a.foldIn?.(history);
    const sb = this.b.foldIn?.(history);
    return sa && sb ? this.mix(sa, sb) : null;
  }

  similarItems(item: number, out: Float32Array): void {
    const y = new Float32Array(this.items);
    this.a.similarItems!(item, out);
    this.b.similarItems!(item, y);
    out[item] = y[item] = 0;
    standardize(out);
    standardize(y);
    mixInto(out, y, this.weight, out);
    out[item] = -Infinity;
  }

  abstract artifact(): KindArtifact;
}
