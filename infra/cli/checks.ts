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
