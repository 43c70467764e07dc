/** Table keys of experiments (no SDK here: the topology reads the prefix for its IAM leading-key grant). */
export const EXPERIMENT_KEYS = {
  pk: (experimentId: string) => `X#${experimentId}`,
  sk: 'EXPERIMENT',
  /** Directory index partition listing every experiment. */
  directory: 'EXPERIMENTS',
} as const;
