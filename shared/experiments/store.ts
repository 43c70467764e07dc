/**
 * The experiment store port: admin CRUD of experiment documents. DynamoDB
 * (dynamo-store.ts, in the one table) and memory implement it; one contract
 * suite (test/contract/experiment-store.test.ts) runs against both.
 */
import type { Experiment } from './schema';

export interface ExperimentStore {
  /** Creates or replaces the experiment (createdAt is the caller's to keep). */
  put(exp: Experiment): Promise<void>;
  /** Strongly consistent read of one experiment. */
  get(experimentId: string): Promise<Experiment | null>;
  /** True when it existed. */
  delete(experimentId: string): Promise<boolean>;
  /** Every experiment, by id (may lag a write by a moment on DynamoDB: an index read). */
  list(): Promise<Experiment[]>;
}

export class MemoryExperimentStore implements ExperimentStore {
  private readonly docs = new Map<string, Experiment>();

  async put(exp: Experiment): Promise<void> {
    this.docs.set(exp.experimentId, structuredClone(exp));
  }

  async get(experimentId: string): Promise<Experiment | null> {
    const e = this.docs.get(experimentId);
    return e ? structuredClone(e) : null;
  }

  async delete(experimentId: string): Promise<boolean> {
    return this.docs.delete(experimentId);
  }

  async list(): Promise<Experiment[]> {
    return [...this.docs.values()]
      .sort((a, b) => (a.experimentId < b.experimentId ? -1 : 1))
      .map((e) => structuredClone(e));
  }
}

/** The experiment serving applies: the first running one by id (PUT refuses a second; a race cannot split users). */
export function runningExperiment(all: readonly Experiment[]): Experiment | null {
  return (
    [...all].sort((a, b) => (a.experimentId < b.experimentId ? -1 : 1)).find((e) => e.status === 'running') ?? null
  );
}
