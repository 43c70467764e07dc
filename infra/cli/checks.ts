/**
 * What train and evaluate check before and after the work: numbers in range (a
 * 0-factor or 0-iteration model is not a model), a file that has something to
 * learn from, and a final fit the budget cut short (said, or refused when no
 * sweep ran: random factors must never be published as a model).
 */
import type { RatingRange } from '../../shared/events';
import type { Dataset } from '../../shared/training/dataset';
import { InputError, readDataset, type InputFormat } from '../../shared/training/input';
import { CliError } from './io';

/**
 * A flag's number, or undefined when the flag is absent. Integers within [min, max];
 * the error says the range, so `--k 1e9` or `--seed 2^32` is told what it may be.
 */
export function number(
  name: string,
  raw: string | undefined,
  integer = false,
  min = 0,
  max = Number.MAX_VALUE,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const what = integer ? 'an integer' : 'a number';
    const range = max === Number.MAX_VALUE ? `${min} or more` : `from ${min} to ${max}`;
    throw new CliError(`--${name} must be ${what} ${range}, got "${raw}"`);
  }
  return n;
}

/** `--budget SECONDS`: above 0 (a zero budget stops the fit before its first sweep). */
export function budget(raw: string | undefined): number {
  const n = raw === undefined ? 600 : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--budget must be a number of seconds above 0, got "${raw}"`);
  return n;
}

/**
 * The file as a dataset; a file whose every row weighs 0 (ratings at or below 0,
 * impressions) is refused like an empty one instead of publishing an empty model.
 */
export async function readTrainingData(path: string, format: InputFormat, range: RatingRange): Promise<Dataset> {
  const d = await readDataset(path, format, range);
  if (d.pairUser.length === 0)
    throw new InputError(
      `${path}: no row weighs anything (ratings at or below 0 and impressions weigh 0): nothing to train on`,
    );
  return d;
}

/**
 * Sweeps (ALS iterations, MF epochs) one stage's fit reported: 'fit' is the published
 * model's, 'evaluate' the holdout fit whose metrics evaluate prints.
 */
export function fitWatch<P extends { stage: string; epoch?: number }>(
  inner: ((p: P) => void) | undefined,
  stage: 'fit' | 'evaluate',
): { onProgress: (p: P) => void; sweeps: () => number } {
  let sweeps = 0;
  return {
    onProgress: (p) => {
      if (p.stage === stage && p.epoch !== undefined) sweeps = Math.max(sweeps, p.epoch);
      inner?.(p);
    },
    sweeps: () => sweeps,
  };
}

/**
 * When the final fit of an iterative kind ran fewer sweeps than planned: a note, or
 * (no sweep at all) an error: its factors are the random start.
 */
export function cutShort(
  kind: string,
  params: Record<string, unknown>,
  sweeps: number,
  budgetSeconds: number,
  what = 'final',
): string | undefined {
  const planned = kind === 'als' ? params.iterations : kind === 'mf' ? params.epochs : undefined;
  if (typeof planned !== 'number' || sweeps >= planned) return undefined;
  const unit = kind === 'als' ? 'iterations' : 'epochs';
  if (sweeps === 0)
    throw new CliError(
      `the --budget of ${budgetSeconds} s ran out before the ${what} ${kind} fit's first sweep; nothing was written (raise --budget)`,
    );
  return `the --budget of ${budgetSeconds} s ended the ${what} fit after ${sweeps} of ${planned} ${unit}`;
}

type Stop = 'converged' | 'budget' | 'trials' | 'clock' | 'stop';
interface SearchPart {
  trials: number;
  phases?: Record<string, number>;
  stoppedBy: Stop;
}

/**
 * How far the tuning search went, read from the manifest's tuning record, and a note when it
 * was cut: by the clock safety stop (a machine slower than the plan: not the seed's search),
 * the deadline, or a --budget whose plan ran out before a whole phase of the ALS search
 * (its random draws, refinement, or larger sizes). Undefined when no search ran.
 */
export function searchReport(
  tuning: Record<string, unknown> | undefined,
  budgetSeconds: number,
): { search: Record<string, unknown>; cut?: string } | undefined {
  if (!tuning) return undefined;
  const cuts: string[] = [];
  const describe = (what: string, p: SearchPart, unit = 'trials') => {
    if (p.stoppedBy === 'clock')
      cuts.push(
        `the clock safety stop (1.5 × the planned time) ended the ${what} after ${count(p.trials, unit)}: ` +
          'not the full plan (a slow or busy machine, or a --budget too small for it)',
      );
    else if (p.stoppedBy === 'stop') cuts.push(`the deadline ended the ${what} after ${count(p.trials, unit)}`);
    else if (p.stoppedBy === 'budget' && p.phases) {
      // a plan that ran out is the norm (the search spends what the budget pays for); one that ran
      // out before a whole phase of the search is not the search its help describes
      const skipped = [
        (p.phases.random ?? 0) < 2 && 'random draws',
        !p.phases.refine && 'refinement',
        !p.phases.scale && 'larger sizes and longer fits',
      ].filter(Boolean);
      if (skipped.length)
        cuts.push(
          `the --budget of ${budgetSeconds} s paid for ${count(p.trials, unit)} of the ${what}: it skipped its ` +
            `${skipped.join(', ')} (raise --budget for a real search)`,
        );
    }
  };
  const auto = tuning.auto as { candidates?: Record<string, unknown>[] } | undefined;
  let search: Record<string, unknown>;
  if (auto?.candidates) {
    search = {};
    for (const c of auto.candidates) {
      if (typeof c.trials !== 'number') continue;
      const p: SearchPart = {
        trials: c.trials,
        ...(c.phases ? { phases: c.phases as Record<string, number> } : {}),
        // EASE's ladder records only a clock cut; its planned points all ran otherwise
        stoppedBy: (c.stoppedBy as Stop | undefined) ?? 'trials',
      };
      search[String(c.kind)] = p;
      describe(
        c.kind === 'ease' ? 'EASE λ ladder' : `${String(c.kind).toUpperCase()} search`,
        p,
        c.kind === 'ease' ? 'points' : 'trials',
      );
    }
  } else if (Array.isArray(tuning.trials)) {
    const trials = tuning.trials as { phase?: string }[];
    const phases = trials.every((t) => typeof t.phase === 'string')
      ? trials.reduce<Record<string, number>>((n, t) => ((n[t.phase!] = (n[t.phase!] ?? 0) + 1), n), {})
      : undefined;
    const p: SearchPart = {
      trials: trials.length,
      ...(phases ? { phases } : {}),
      // a manifest from before stoppedBy was recorded: unknown, so nothing is claimed
      stoppedBy: (tuning.stoppedBy as Stop | undefined) ?? 'trials',
    };
    search = { ...p };
    describe('tuning search', p);
  } else return undefined;
  return { search, ...(cuts.length ? { cut: `search cut short: ${cuts.join('; ')}` } : {}) };
}

const count = (n: number, unit: string) => `${n} ${n === 1 ? unit.slice(0, -1) : unit}`;

const END: Record<Stop, string> = {
  converged: 'converged',
  budget: 'ended by the budget',
  trials: 'all planned trials',
  clock: 'ended by the clock safety stop',
  stop: 'ended by the deadline',
};

/** The search's extent as one table cell: `10 trials (random 2, refine 5, …)`, per kind for auto. */
export function searchLine(search: Record<string, unknown>): string {
  const one = (p: SearchPart, unit = 'trials') =>
    count(p.trials, unit) +
    (p.phases
      ? ` (${Object.entries(p.phases)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')})`
      : '') +
    `, ${END[p.stoppedBy] ?? p.stoppedBy}`;
  if (typeof search.trials === 'number') return one(search as unknown as SearchPart);
  return Object.entries(search)
    .map(([kind, p]) => `${kind} ${one(p as SearchPart, kind === 'ease' ? 'points' : 'trials')}`)
    .join('; ');
}
