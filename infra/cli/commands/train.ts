/** `attune train`: the scheduled job's training pipeline on a file, into a model folder. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../main';
import type { ModelKind } from '../../../shared/model/types';
import { newVersion, publishModel } from '../../../shared/model/repository';
import { LocalModelStore } from '../../../shared/storage/local/model-store';
import { readDataset, ttyProgress, type InputFormat } from '../../../shared/training/input';
import { trainPipeline } from '../../../shared/training/pipeline';

export const KINDS = ['auto', 'als', 'mf', 'item-knn', 'user-knn', 'popular'] as const;

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
} as const;

type ModelValues = { [K in keyof typeof MODEL_OPTIONS]?: (typeof MODEL_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export function number(name: string, raw: string | undefined, integer = false): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}, got "${raw}"`);
  return n;
}

/** Kind, explicit parameters and input settings from parsed options. */
export function modelSettings(v: ModelValues): { kind: ModelKind; params: Record<string, unknown>; format: InputFormat; seed: number; tune: boolean } {
  if (!(KINDS as readonly string[]).includes(v.model ?? 'auto')) throw new Error(`--model must be one of ${KINDS.join('|')}`);
  if (v.format !== 'csv' && v.format !== 'movielens') throw new Error('--format must be csv or movielens');
  // auto = what the scheduled job serves
  const kind = (v.model === 'auto' || !v.model ? 'als' : v.model) as ModelKind;
  const seed = number('seed', v.seed, true) ?? 42;
  const params: Record<string, unknown> = { seed };
  const factors = number('factors', v.factors, true);
  const iterations = number('iterations', v.iterations, true);
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
  return { kind, params, format: v.format, seed, tune: !v['no-tune'] };
}

export const command: CliCommand = {
  summary: 'Train a model from a csv or MovieLens file into a folder',
  usage:
    'attune train --input FILE [--format csv|movielens] [--model auto|als|mf|item-knn|user-knn|popular] [--factors N] [--iterations N] [--regularization X] [--alpha X] [--seed N] [--no-tune] [--budget SECONDS] [--keep N] --out DIR',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { ...MODEL_OPTIONS, out: { type: 'string' }, budget: { type: 'string', default: '600' }, keep: { type: 'string', default: '5' } },
      strict: true,
    });
    if (!values.input || !values.out) throw new Error('--input FILE and --out DIR are required');
    const s = modelSettings(values);
    const d = await readDataset(values.input, s.format);
    const progress = ttyProgress();
    const now = Date.now();
    const r = trainPipeline(d, {
      kind: s.kind,
      params: s.params,
      tune: s.tune && s.kind === 'als',
      budgetSeconds: number('budget', values.budget) ?? 600,
      seed: s.seed,
      split: 'user',
      evaluate: true,
      version: newVersion(now),
      createdAt: new Date(now).toISOString(),
      onProgress: progress,
    });
    if (progress) process.stderr.write('\n');
    const manifest = await publishModel(new LocalModelStore(values.out), '', r.model, { keep: number('keep', values.keep, true) ?? 5 });
    console.log(
      JSON.stringify({
        out: values.out,
        version: manifest.version,
        kind: manifest.kind,
        counts: manifest.counts,
        metrics: r.metrics,
        ...(r.note ? { note: r.note } : {}),
        timings: r.timings,
      }),
    );
    return 0;
  },
};
