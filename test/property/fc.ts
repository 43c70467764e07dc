/**
 * Shared fast-check settings: a fixed seed, so a run is the same on a quiet and
 * a loaded machine and a failure reproduces; ATTUNE_FC_SEED / ATTUNE_FC_RUNS
 * explore further (a failure prints the seed and the shrunk counterexample).
 */
export const FC = {
  seed: Number(process.env.ATTUNE_FC_SEED ?? 20261202),
  numRuns: Number(process.env.ATTUNE_FC_RUNS ?? 200),
};
