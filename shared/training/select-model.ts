/**
 * Automatic model choice (`attune train --model auto`): tunes each kind the
 * data's size allows (ALS always; EASE up to EASE_MAX_ITEMS items; their
 * blend when both ran) on validation splits carved from the training data
 * only, and picks the best mean validation nDCG@k. With item metadata, an ALS
 * winner is then put to the neural ranker's gate (shared/math/neural/ranker.ts):
 * the re-ranker is served on top only when it wins on a split of the training data. Work is planned by counts
 * (ALS trials, EASE λ points, blend weights), the clock is only a safety stop,
 * so one seed gives one answer on a quiet or a loaded machine while the budget
 * does not bind. The returned log says what was tried and why the winner won,
 * for the manifest.
 */
import type { Csr } from '../math/csr';
import { type AlsModel, type AlsParams, alsUserScorer, trainAls } from '../math/als';
import { holdoutSplit, NOMINAL_MADDS_PER_SECOND, phaseCounts, type SearchStop, tuneAls } from '../math/hpo';
import { evaluateRanking } from '../math/metrics';
import {
  DEFAULT_EASE_PARAMS,
  EASE_MAX_ITEMS,
  type EaseModel,
  type EaseParams,
  scoreEase,
  trainEase,
} from '../math/ease';
import { BLEND_WEIGHTS, blendGrid, blendScorer, type ScoreFn } from '../math/blend';
import { gateRanker, type RankerMeta } from '../math/neural/ranker';
import { ratingMember } from '../math/als-pair';
import { pairStep } from './select-pair';

/**
 * 'neural' = the ALS winner with the neural ranker on top (only after the ranker's gate); 'als-pair' = the
 * ALS winner mixed with a rating-confidence ALS (only after the pair's gate, ./select-pair.ts).
 */
export type AutoKind = 'als' | 'ease' | 'blend' | 'neural' | 'als-pair';

export interface SelectOptions {
  seed: number;
  /** Safety stop in seconds; plans are counted, this only cuts them short. */
  budgetSeconds: number;
  /** How validation rows are held out of the training data (default 'user'). */
  by?: 'user' | 'item';
  /** Validation splits (default 2) and the share of each group kept for fitting (default 0.75). */
  splits?: number;
  ratio?: number;
  /** ALS tuning trials (default 24) and factor sizes (default the tuner's). */
  alsTrials?: number;
  alsFactors?: number[];
  /** Fixed ALS parameters: the tuner is skipped (e.g. a configuration tuned earlier on the same splits). */
  alsParams?: AlsParams;
  /** Extra splits the ALS tuner re-ranks its top trials on (see HpoOptions.confirm). */
  alsConfirm?: { splits: { fit: Csr; valid: Csr }[]; top?: number };
  /** λ values tried for EASE (default: a ×2 ladder around 5 × the mean item count). */
  easeLambdas?: number[];
  blendWeights?: number[];
  /** Relative validation lead the blend needs over the best single kind (default BLEND_MARGIN). */
  blendMargin?: number;
  /** Largest catalog EASE is offered for. */
  maxEaseItems?: number;
  /** Kinds allowed (default als, ease, blend, als-pair; the ranker is tried only with `ranker`). */
  kinds?: AutoKind[];
  /**
   * Item (and user) metadata token bags for the neural ranker's gate; absent or without item tokens,
   * the ranker is not tried. `margin`: the nDCG@k lead it needs over ALS alone (gateRanker's default).
   */
  ranker?: { meta: RankerMeta; margin?: number };
  k?: number;
  log?(line: string): void;
}

/** The blend must beat the best single kind on validation by 0.5% (relative) to be chosen. */
export const BLEND_MARGIN = 0.005;

export interface Candidate {
  kind: AutoKind;
  params: Record<string, unknown>;
  /** Mean validation nDCG@k over the splits, or null when the kind was not tried. */
  validation: number | null;
  note?: string;
  /** What ended this kind's search (ALS trials; EASE's λ ladder: 'clock' when the clock cut it). */
  stoppedBy?: SearchStop;
  /** Trials the kind's search ran (ALS trials, EASE λ points). */
  trials?: number;
  /** ALS: trials per phase of its search (random, refine, scale, confirm). */
  phases?: Record<string, number>;
}

export interface Selection {
  kind: AutoKind;
  als?: AlsParams;
  /** ALS pair only: the second member (the ALS winner is `als`). */
  pairB?: AlsParams;
  ease?: EaseParams;
  /** Blend only: weight of ALS (EASE gets 1 − weight). */
  weight?: number;
  candidates: Candidate[];
  reason: string;
  seconds: number;
  /** The most machine-dependent end among the candidates' searches ('stop', then 'clock', then ALS's). */
  stoppedBy: SearchStop;
}

/** λ ladder for EASE: ×2 steps around 5 × the mean number of users per item (250 on ML-100K's 45). */
export function defaultEaseLambdas(ui: Csr): number[] {
  const mean = ui.indptr[ui.rows] / Math.max(1, ui.cols);
  const center = Math.max(1, 5 * mean);
  return [0.25, 0.5, 1, 2, 4].map((f) => Number((center * f).toPrecision(3)));
}

export const easeScorer =
  (m: EaseModel, ui: Csr): ScoreFn =>
  (u, out) => {
    const a = ui.indptr[u];
    const b = ui.indptr[u + 1];
    scoreEase(m, ui.indices.subarray(a, b), m.params.binary ? null : ui.data.subarray(a, b), out);
  };

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

export function selectModel(ui: Csr, opts: SelectOptions): Selection {
  const t0 = performance.now();
  // the plan is counted (ALS work, λ ladder, weights); the clock is a safety stop at 1.5× the budget
  const deadline = t0 + opts.budgetSeconds * 1500;
  const say = opts.log ?? (() => {});
  const k = opts.k ?? 10;
  const by = opts.by ?? 'user';
  const ratio = opts.ratio ?? 0.75;
  const kinds = opts.kinds ?? ['als', 'ease', 'blend', 'als-pair'];
  const maxEase = opts.maxEaseItems ?? EASE_MAX_ITEMS;
  const splits = Array.from({ length: opts.splits ?? 2 }, (_, s) => holdoutSplit(ui, ratio, opts.seed + s, by));
  const candidates: Candidate[] = [];
  const ndcg = (fit: Csr, valid: Csr, score: ScoreFn) => evaluateRanking(fit, valid, score, k).ndcg;

  // --- ALS: the tuner on the same splits, then its choice refit per split (for the blend)
  let als: { params: AlsParams; models: AlsModel[]; validation: number } | undefined;
  if (kinds.includes('als') || kinds.includes('blend')) {
    // ALS plans 60% of the budget in nominal work, so the other kinds are still tried, and one seed
    // gives one search on a quiet or a loaded machine; its clock only stops a machine far below nominal
    const alsClock = opts.budgetSeconds * 0.6 * 1.5;
    const tuned = opts.alsParams
      ? { best: opts.alsParams, log: [], seconds: 0, stoppedBy: undefined }
      : tuneAls(ui, {
          work: opts.budgetSeconds * 0.6 * NOMINAL_MADDS_PER_SECOND,
          budgetSeconds: alsClock,
          seed: opts.seed,
          maxTrials: opts.alsTrials ?? 24,
          split: splits,
          factors: opts.alsFactors,
          confirm: opts.alsConfirm,
        });
    const models = splits.map((s) => trainAls(s.fit, tuned.best));
    const validation = mean(models.map((m, q) => ndcg(splits[q].fit, splits[q].valid, alsUserScorer(m))));
    als = { params: tuned.best, models, validation };
    const clocked = tuned.stoppedBy === 'clock' ? ', ended by the clock safety stop (not the counted plan)' : '';
    const note = `${tuned.log.length} tuning trials${clocked}`;
    candidates.push({
      kind: 'als',
      params: { ...tuned.best },
      validation,
      note,
      trials: tuned.log.length,
      phases: phaseCounts(tuned.log),
      ...(tuned.stoppedBy ? { stoppedBy: tuned.stoppedBy } : {}),
    });
    say(
      `auto: als validation nDCG@${k} ${validation.toFixed(4)} (${tuned.log.length} trials, f=${tuned.best.factors})`,
    );
  }

  // --- EASE: λ ladder, counted; skipped above the catalog limit or when the clock ran out
  let ease: { params: EaseParams; models: EaseModel[]; validation: number } | undefined;
  if (kinds.includes('ease') || kinds.includes('blend')) {
    if (ui.cols > maxEase) {
      candidates.push({
        kind: 'ease',
        params: {},
        validation: null,
        note: `not offered: ${ui.cols} items > ${maxEase} (n² memory, n³ fit)`,
      });
    } else {
      const ladder = [...(opts.easeLambdas ?? defaultEaseLambdas(ui))];
      const tried: { lambda: number; validation: number }[] = [];
      // a best λ at the ladder's edge extends it by ×2 steps, at most two (counted, not timed)
      let extensions = opts.easeLambdas ? 0 : 2;
      let cut = false;
      for (let q = 0; q < ladder.length; q++) {
        const lambda = ladder[q];
        if (ease && performance.now() > deadline) {
          say(`auto: ease λ ${lambda} skipped, budget spent`);
          cut = true;
          break;
        }
        const params = { ...DEFAULT_EASE_PARAMS, lambda };
        const models = splits.map((s) => trainEase(s.fit, params, maxEase));
        const validation = mean(
          models.map((m, i) => ndcg(splits[i].fit, splits[i].valid, easeScorer(m, splits[i].fit))),
        );
        tried.push({ lambda, validation });
        say(`auto: ease λ ${lambda} validation nDCG@${k} ${validation.toFixed(4)}`);
        if (!ease || validation > ease.validation) ease = { params, models, validation };
        if (q === ladder.length - 1 && extensions > 0) {
          const lo = Math.min(...ladder);
          const hi = Math.max(...ladder);
          const next = ease.params.lambda === hi ? hi * 2 : ease.params.lambda === lo ? lo / 2 : 0;
          if (next > 0) ladder.push(Number(next.toPrecision(3))), extensions--;
        }
      }
      // only the winner's per-split models are kept (n² floats each)
      // the manifest says when the run is not the counted plan (a loaded machine's clock bound)
      const note =
        `λ tried ${tried.map((t) => `${t.lambda}:${t.validation.toFixed(4)}`).join(' ')}` +
        (cut ? ` (the clock safety stop ended the ladder after ${tried.length} of its points)` : '');
      if (ease)
        candidates.push({
          kind: 'ease',
          params: { ...ease.params },
          validation: ease.validation,
          note,
          trials: tried.length,
          ...(cut ? { stoppedBy: 'clock' as const } : {}),
        });
    }
  }

  // --- blend of the two tuned models, weight on the same splits
  let weight: number | undefined;
  if (kinds.includes('blend') && als && ease) {
    const weights = opts.blendWeights ?? BLEND_WEIGHTS;
    const grids = splits.map((s, q) =>
      blendGrid(s.fit, s.valid, alsUserScorer(als.models[q]), easeScorer(ease.models[q], s.fit), weights, k),
    );
    const byWeight = weights.map((_, w) => mean(grids.map((g) => g[w])));
    let bw = 0;
    for (let w = 1; w < weights.length; w++) if (byWeight[w] > byWeight[bw]) bw = w;
    weight = weights[bw];
    candidates.push({
      kind: 'blend',
      params: { weight, als: 'the als candidate', ease: 'the ease candidate' },
      validation: byWeight[bw],
      note: `weights ${weights.map((w, q) => `${w}:${byWeight[q].toFixed(4)}`).join(' ')}`,
    });
    say(`auto: blend w=${weight} validation nDCG@${k} ${byWeight[bw].toFixed(4)}`);
  }

  // --- the winner: best validation among the allowed kinds that ran; ties go to the simpler kind.
  // The blend must beat the best single kind by `blendMargin` (relative): its weight was picked on
  // these same splits, so a hair's lead is selection noise (planted 1000 × 500: +0.03% on validation,
  // −0.7% on test), and a single kind is the smaller artifact.
  const order: AutoKind[] = ['als', 'ease', 'blend'];
  const margin = opts.blendMargin ?? BLEND_MARGIN;
  const ran = candidates.filter((c) => c.validation !== null && kinds.includes(c.kind));
  if (ran.length === 0) throw new Error('selectModel: no kind could be tried');
  const singles = ran.filter((c) => c.kind !== 'blend');
  const bestSingle = singles.length ? Math.max(...singles.map((c) => c.validation!)) : -Infinity;
  const eligible = ran.filter((c) => c.kind !== 'blend' || c.validation! > bestSingle * (1 + margin));
  let win = eligible[0];
  for (const c of eligible)
    if (
      c.validation! > win.validation! ||
      (c.validation === win.validation && order.indexOf(c.kind) < order.indexOf(win.kind))
    )
      win = c;
  const others = ran.filter((c) => c !== win).map((c) => `${c.kind} ${c.validation!.toFixed(4)}`);
  const blendNote =
    win.kind !== 'blend' && eligible.length < ran.length
      ? `; the blend's lead is within the ${margin * 100}% margin it must clear`
      : '';
  let reason =
    `${win.kind} wins with mean validation nDCG@${k} ${win.validation!.toFixed(4)} on ${splits.length} per-${by} ` +
    `${Math.round(ratio * 100)}/${Math.round((1 - ratio) * 100)} splits of the training data` +
    (others.length ? `; ${others.join(', ')}` : '') +
    blendNote;
  const pair = pairStep(
    ui,
    win.kind,
    als?.params,
    {
      seed: opts.seed,
      by,
      allowed: kinds.includes('als-pair'),
      pastDeadline: performance.now() > deadline,
      k,
      // its own counted plan, at most the whole budget (the clock stops a slow machine at 1.5×)
      budgetSeconds: opts.budgetSeconds,
    },
    (c) => candidates.push(c),
    say,
  );
  if (pair) reason += `; ${pair.reason}`;
  const gate = pair?.serve ? null : rankerGate(ui, win.kind, als?.params, opts, candidates, say);
  if (gate) reason += `; ${gate.reason}`;
  return {
    kind: pair?.serve ? 'als-pair' : gate?.serve ? 'neural' : win.kind,
    als: win.kind !== 'ease' ? als?.params : undefined,
    pairB: pair?.serve ? pair.b : undefined,
    ease: win.kind !== 'als' ? ease?.params : undefined,
    weight: win.kind === 'blend' ? weight : undefined,
    candidates,
    reason,
    seconds: (performance.now() - t0) / 1000,
    stoppedBy:
      (['stop', 'clock'] as const).find((x) => candidates.some((c) => c.stoppedBy === x)) ??
      candidates.find((c) => c.kind === 'als')?.stoppedBy ??
      'trials',
  };
}

/**
 * The neural ranker on top of an ALS winner, by gateRanker's rule (its own per-user split of the
 * training data, ALS alone vs ALS + ranker there). The ranker re-ranks ALS's candidates, so after
 * an EASE or blend win it is recorded as not tried. Null when no metadata was given.
 */
function rankerGate(
  ui: Csr,
  winner: AutoKind,
  alsParams: AlsParams | undefined,
  opts: SelectOptions,
  candidates: Candidate[],
  say: (line: string) => void,
): { serve: boolean; reason: string } | null {
  const r = opts.ranker;
  if (!r) return null;
  if (r.meta.itemTokens === 0 || winner !== 'als' || !alsParams) {
    const why = r.meta.itemTokens === 0 ? 'no item metadata' : `it re-ranks ALS candidates and ${winner} won`;
    candidates.push({ kind: 'neural', params: {}, validation: null, note: `not tried: ${why}` });
    return { serve: false, reason: `neural ranker not tried (${why})` };
  }
  const g = gateRanker(ui, r.meta, { als: alsParams, seed: opts.seed }, r.margin, opts.seed);
  const lead = r.margin ?? 0.005;
  const serve = g.choice === 'als+neural';
  candidates.push({
    kind: 'neural',
    params: { als: 'the als candidate' },
    validation: g.neural,
    note: `gate split: ALS alone ${g.als.toFixed(4)}, ALS + ranker ${g.neural.toFixed(4)} (needs +${lead})`,
  });
  say(`auto: ranker gate als ${g.als.toFixed(4)} vs als+neural ${g.neural.toFixed(4)}`);
  const verdict = serve ? 'served on top' : 'not served';
  return {
    serve,
    reason:
      `neural ranker ${verdict}: ALS + ranker ${g.neural.toFixed(4)} vs ALS alone ${g.als.toFixed(4)} ` +
      `on the gate's per-user 75/25 split of the training data (needs a lead of ${lead})`,
  };
}

export interface FittedSelection {
  kind: AutoKind;
  als?: AlsModel;
  ease?: EaseModel;
  weight?: number;
  /** Scores one user of `ui` (a fresh scratch per call site: see blendScorer). */
  score: ScoreFn;
}

/** Refits the chosen kind on all of `ui` (the validation fits are discarded). */
export function fitSelection(
  ui: Csr,
  sel: Pick<Selection, 'kind' | 'als' | 'ease' | 'weight' | 'pairB'>,
): FittedSelection {
  if (sel.kind === 'neural') throw new Error('fitSelection: fit the neural kind through its KindSpec (metadata)');
  const als = sel.kind !== 'ease' ? trainAls(ui, sel.als!) : undefined;
  if (sel.kind === 'als-pair') {
    const b = trainAls(ui, sel.pairB ?? ratingMember(sel.als!));
    return { kind: sel.kind, als, score: blendScorer(alsUserScorer(als!), alsUserScorer(b), 0.5, ui.cols) };
  }
  const ease = sel.kind !== 'als' ? trainEase(ui, sel.ease!, Infinity) : undefined;
  const score =
    sel.kind === 'als'
      ? alsUserScorer(als!)
      : sel.kind === 'ease'
        ? easeScorer(ease!, ui)
        : blendScorer(alsUserScorer(als!), easeScorer(ease!, ui), sel.weight!, ui.cols);
  return { kind: sel.kind, als, ease, weight: sel.weight, score };
}

export interface AutoChoice {
  /** A registered kind name: 'als', 'ease', 'blend', 'als-pair' or 'neural' (ALS + ranker). */
  kind: AutoKind;
  /** That kind's parameters, ready for fitKind / KindSpec.fit. */
  params: Record<string, unknown>;
  /** For the manifest's `tuning`: what was tried and why the winner won. */
  tuning: Record<string, unknown>;
}

/**
 * `--model auto` in one call: selectModel on the training part, mapped to the
 * chosen kind's parameters (the kinds in shared/model/kinds/{als,ease,blend}.ts).
 * The caller then fits `kind` with `params` on all of its training data.
 */
export function chooseKind(ui: Csr, opts: SelectOptions): AutoChoice {
  const sel = selectModel(ui, opts);
  const easeParams = sel.ease ? { lambda: sel.ease.lambda, pruneTop: sel.ease.pruneTop } : undefined;
  const params: Record<string, unknown> =
    sel.kind === 'als'
      ? { ...sel.als }
      : sel.kind === 'als-pair'
        ? { a: { ...sel.als }, b: { ...sel.pairB } }
        : sel.kind === 'neural'
          ? { als: { ...sel.als } }
          : sel.kind === 'ease'
            ? { ...easeParams }
            : { weight: sel.weight, als: { ...sel.als }, ease: easeParams };
  const tuning = {
    auto: {
      chosen: sel.kind,
      reason: sel.reason,
      candidates: sel.candidates,
      seconds: Math.round(sel.seconds * 10) / 10,
      stoppedBy: sel.stoppedBy,
    },
  };
  return { kind: sel.kind, params, tuning };
}
