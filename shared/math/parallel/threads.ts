/**
 * How many threads ALS training may use in this process when a caller does
 * not say (AlsOptions.threads). Set once at start-up from configuration
 * (ATTUNE_TRAIN_THREADS, shared/config.ts) by the Train function and the CLI.
 * Process-wide on purpose: it changes only speed, never a result (the threaded
 * half-step is bit-identical for any thread count), so every path that trains
 * ALS — fit, tuner trials, model choice, the neural ranker's features — uses
 * the cores without each taking a parameter.
 */
import { availableParallelism } from 'node:os';
import { startWorkers } from './team';

let threads = 1;

export function setTrainingThreads(n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`training threads must be an integer >= 1, got ${n}`);
  threads = n;
  // the workers boot on their own threads while start-up goes on, instead of inside the first fit
  startWorkers(n - 1);
}

export function trainingThreads(): number {
  return threads;
}

/** The cap on automatic thread counts: the largest Lambda has 6 vCPUs; more threads than cores only contend. */
export const MAX_AUTO_THREADS = 8;

/** A configured thread count (0 = automatic) as threads to use on a machine with `cores` cores. */
export function resolveTrainThreads(requested: number, cores = availableParallelism()): number {
  return requested >= 1 ? Math.floor(requested) : Math.max(1, Math.min(cores, MAX_AUTO_THREADS));
}
