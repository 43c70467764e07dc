/** `attune train`: the scheduled job's training pipeline on a file, into a model folder. */
import { parseArgs } from 'node:util';
import type { CliCommand, OptionHelp } from '../main';
import { ENV, loadConfig } from '../../../shared/config';
import type { RatingRange } from '../../../shared/events';
import type { ModelKind } from '../../../shared/model/types';
import { resolveTrainThreads, setTrainingThreads } from '../../../shared/math/parallel/threads';
import { parseItemsCsv } from '../../../shared/metadata/items-csv';
import { newVersion, publishModel } from '../../../shared/model/repository';
import { LocalModelStore } from '../../../shared/storage/local/model-store';
import { ttyProgress, type InputFormat } from '../../../shared/training/input';
import { trainPipeline } from '../../../shared/training/pipeline';
import { budget, cutShort, fitWatch, number, readTrainingData, searchReport } from '../checks';
import { CliError, prepareOutDir, readText } from '../io';

export { number };

/** Largest --factors (ALS/MF factors, kNN neighbours) and --iterations: beyond them a run never ends here. */
export const MAX_FACTORS = 1024;
export const MAX_ITERATIONS = 1000;
/** Rng takes the seed's low 31 bits: larger seeds would silently repeat smaller ones. */
export const MAX_SEED = 2 ** 31 - 1;

export const KINDS = ['auto', 'als', 'ease', 'blend', 'als-pair', 'mf', 'item-knn', 'user-knn', 'popular'] as const;

/** Kinds trained with a search unless --no-tune (auto's choice is a search itself and always runs). */
export const TUNED: readonly string[] = ['als', 'auto'];

/** Options shared by train and evaluate: model kind and its hyper-parameters. */
export const MODEL_OPTIONS = {
  input: { type: 'string' },
  format: { type: 'string', default: 'csv' },
  model: { type: 'string', default: 'auto' },
  factors: { type: 'string' },
  iterations: { type: 'string' },
  regularization: { type: 'string' },
  alpha: { type: 'string' },
  seed: { type: 'string', default: '42' },
  'no-tune': { type: 'boolean', default: false },
  'rating-range': { type: 'string' },
} as const;

/** Help lines of {@link MODEL_OPTIONS}, shared by train and evaluate. */
export const MODEL_OPTION_HELP: OptionHelp[] = [
  [
    '--input FILE',
    '',
    'interactions: csv with a header naming user_id,item_id[,value,timestamp,event_type] (quoted fields ' +
      "may hold commas and newlines; a row weighs its event_type's weight, or its value as a rating " +
      "clamped to --rating-range like the API's, or 1), or MovieLens u.data with --format movielens; required",
  ],
  ['--format csv|movielens', 'csv', 'how --input is laid out (movielens: user<TAB>item<TAB>rating<TAB>time)'],
  [
    '--model KIND',
    'auto',
    'auto|als|ease|blend|mf|item-knn|user-knn|popular. auto tunes ALS, EASE (catalogs up to 5,000 items) ' +
      'and their blend on validation splits of the training part and trains the best, the manifest saying ' +
      'what was tried and why. als: implicit ALS, tuned unless --no-tune. ease: the closed-form item-item ' +
      'autoencoder, λ from the data. blend: ALS and EASE scores mixed half and half (auto picks the weight)',
  ],
  [
    '--factors N',
    "the kind's (ALS 64)",
    'latent factors for als and mf; the neighbour count k for item-knn and user-knn (1..1024)',
  ],
  ['--iterations N', "the kind's (ALS 15)", 'ALS sweeps, or SGD epochs for mf (1..1000)'],
  ['--regularization X', "the kind's (ALS 0.05)", 'L2 regularization λ'],
  ['--alpha X', "the kind's", 'confidence scale α of implicit feedback (ALS)'],
  ['--seed N', '42', 'seeds the split, the initial factors and the search: one seed, one model (0..2147483647)'],
  [
    '--rating-range MIN..MAX',
    `${ENV.ratingMin}..${ENV.ratingMax} when set, else 0.5..5`,
    "a rating weighs its value clamped to this range, as the API's ratings do (e.g. 1..10)",
  ],
  ['--no-tune', 'off', 'skip the hyper-parameter search; explicit options always win over tuned values'],
  [
    '--budget SECONDS',
    "600, the deployed job's",
    'wall-clock budget of search + training (above 0); the search gets 40% of it, then trains with what it ' +
      'found. A final fit it cuts short is noted in the output; one cut before its first sweep is refused',
  ],
];

type ModelValues = {
  [K in keyof typeof MODEL_OPTIONS]?: (typeof MODEL_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

/** Kind, explicit parameters and input settings from parsed options. */
export function modelSettings(v: ModelValues): {
  kind: ModelKind;
  params: Record<string, unknown>;
  format: InputFormat;
  seed: number;
  tune: boolean;
  ratingRange: RatingRange;
} {
  if (!(KINDS as readonly string[]).includes(v.model ?? 'auto'))
    throw new CliError(`--model must be one of ${KINDS.join('|')}, got "${v.model}"`);
  if (v.format !== 'csv' && v.format !== 'movielens')
    throw new CliError(`--format must be csv or movielens, got "${v.format}"`);
  // auto: the pipeline picks als, ease or blend on validation (select-model.ts)
  const kind = (v.model || 'auto') as ModelKind;
  const seed = number('seed', v.seed, true, 0, MAX_SEED) ?? 42;
  const params: Record<string, unknown> = { seed };
  const factors = number('factors', v.factors, true, 1, MAX_FACTORS);
  const iterations = number('iterations', v.iterations, true, 1, MAX_ITERATIONS);
  const regularization = number('regularization', v.regularization);
  const alpha = number('alpha', v.alpha);
  if (factors !== undefined) params.factors = factors;
  if (iterations !== undefined) params[kind === 'mf' ? 'epochs' : 'iterations'] = iterations;
  if (regularization !== undefined) params.regularization = regularization;
  if (alpha !== undefined) params.alpha = alpha;
  if (kind === 'item-knn' || kind === 'user-knn') {
    if (factors !== undefined) params.k = factors;
    delete params.factors;
  }
  return { kind, params, format: v.format, seed, tune: !v['no-tune'], ratingRange: ratingRange(v['rating-range']) };
}

/**
 * `--rating-range MIN..MAX`, else the API's ATTUNE_RATING_MIN/MAX (validated as the
 * functions validate them), else the default: the file is weighed as ingest would weigh it.
 */
export function ratingRange(raw: string | undefined, env: NodeJS.ProcessEnv = process.env): RatingRange {
  const vars = { ATTUNE_TABLE: '-', [ENV.ratingMin]: env[ENV.ratingMin], [ENV.ratingMax]: env[ENV.ratingMax] };
  if (raw === undefined) return loadConfig(vars).ratingRange;
  const m = /^(-?[\d.]+)\.\.(-?[\d.]+)$/.exec(raw.trim());
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || !Number.isFinite(min) || !Number.isFinite(max) || min < 0 || !(min < max))
    throw new CliError(`--rating-range must be MIN..MAX with 0 <= MIN < MAX, got "${raw}"`);
  return { min, max };
}

export const command: CliCommand = {
  summary: 'Train a model from a csv or MovieLens file into a folder',
  usage:
    'attune train --input FILE [--format csv|movielens] [--model auto|als|ease|blend|mf|item-knn|user-knn|popular] ' +
    '[--factors N] ' +
    '[--iterations N] [--regularization X] [--alpha X] [--seed N] [--no-tune] [--rating-range MIN..MAX] ' +
    '[--budget SECONDS] [--items ITEMS.csv] [--keep N] --out DIR',
  options: [
    ...MODEL_OPTION_HELP,
    [
      '--items FILE',
      '',
      'item metadata: item_id,title,categories (| between), other columns properties. ALS then ships a ' +
        'ridge from metadata to factors (new items are served from it), and ALS + the neural ranker is ' +
        'served instead when it wins on the holdout (docs/neural.md)',
    ],
    [
      '--keep N',
      '5',
      'model versions kept in --out (1 or more); older ones are deleted after the new one is published',
    ],
    [
      '--out DIR',
      '',
      'model folder (latest.json + models/<version>/), read by recommend and predict; created and checked ' +
        'writable before training; required',
    ],
  ],
  notes:
    'Prints one JSON line: version, kind, counts, holdout metrics (75/25 per-user split) and stage timings.\n' +
    'Example: attune train --input ratings.csv --out ./model',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...MODEL_OPTIONS,
        out: { type: 'string' },
        budget: { type: 'string', default: '600' },
        keep: { type: 'string', default: '5' },
        items: { type: 'string' },
      },
      strict: true,
    });
    if (!values.input || !values.out) throw new CliError('--input FILE and --out DIR are required');
    const s = modelSettings(values);
    const budgetSeconds = budget(values.budget);
    const keep = number('keep', values.keep, true, 1) ?? 5;
    // before the work: a run must not end on an output it cannot write
    await prepareOutDir('--out', values.out);
    // ALS on every core, as the Train function (ATTUNE_TRAIN_THREADS; results do not depend on it)
    const threads = process.env[ENV.trainThreads];
    setTrainingThreads(
      resolveTrainThreads(loadConfig({ ATTUNE_TABLE: '-', [ENV.trainThreads]: threads }).trainThreads),
    );
    const d = await readTrainingData(values.input, s.format, s.ratingRange);
    if (values.items) d.side = { items: parseItemsCsv(await readText('--items', values.items)) };
    const progress = ttyProgress();
    const watch = fitWatch(progress, 'fit');
    const now = Date.now();
    const r = trainPipeline(d, {
      kind: s.kind,
      params: s.params,
      tune: s.tune && TUNED.includes(s.kind),
      budgetSeconds,
      seed: s.seed,
      split: 'user',
      evaluate: true,
      version: newVersion(now),
      createdAt: new Date(now).toISOString(),
      onProgress: watch.onProgress,
    });
    if (progress) process.stderr.write('\n');
    const cut = cutShort(r.model.manifest.kind, r.params, watch.sweeps(), budgetSeconds);
    // a cut search is said here and kept in the manifest: the user must not believe the full search ran
    const searched = searchReport(r.model.manifest.tuning, budgetSeconds);
    const note = [r.note, searched?.cut, cut].filter(Boolean).join('; ');
    if (cut || searched?.cut) r.model.manifest.note = note;
    const manifest = await publishModel(new LocalModelStore(values.out), '', r.model, { keep });
    console.log(
      JSON.stringify({
        out: values.out,
        version: manifest.version,
        kind: manifest.kind,
        counts: manifest.counts,
        metrics: r.metrics,
        ...(searched ? { search: searched.search } : {}),
        ...(r.model.manifest.tuning?.neuralRanker ? { neuralRanker: r.model.manifest.tuning.neuralRanker } : {}),
        ...(note ? { note } : {}),
        timings: r.timings,
      }),
    );
    return 0;
  },
};
