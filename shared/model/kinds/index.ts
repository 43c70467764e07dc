/**
 * The registry of model kinds: `kind` string → {@link KindSpec}. Training, the
 * CLI, the benchmarks and serving all look kinds up here. Adding a kind is one
 * file beside these and one line in KINDS (docs/models.md says what the file provides).
 */
import { CorruptModelError } from '../errors';
import type { Model } from '../types';
import { als } from './als';
import type { FittedModel, KindSpec, LoadOptions, TrainingData, TuneOptions, TuneResult } from './kind';
import { itemKnn, userKnn } from './knn';
import { mf } from './mf';
import { popular } from './popular';
import { randomSearch } from './tune';
import { ease } from './ease';
import { blend } from './blend';
import { neural } from './neural';
import { alsPair } from './als-pair';

export type * from './kind';

const KINDS: readonly KindSpec[] = [als, mf, itemKnn, userKnn, popular, ease, blend, neural, alsPair];

const REGISTRY: ReadonlyMap<string, KindSpec> = new Map(KINDS.map((k) => [k.kind, k]));

/** A registered kind's spec, or undefined. */
export function findKind(kind: string): KindSpec | undefined {
  return REGISTRY.get(kind);
}

/** A registered kind's spec; throws a RangeError naming the kinds there are. */
export function kindSpec(kind: string): KindSpec {
  const spec = REGISTRY.get(kind);
  if (!spec) throw new RangeError(`unknown model kind "${kind}" (known: ${kindNames().join(', ')})`);
  return spec;
}

/** Every registered kind, in registry order. */
export function kindNames(): string[] {
  return KINDS.map((k) => k.kind);
}

/**
 * The fitted model of a decoded artifact. A kind this build does not know, or
 * an artifact that does not fit its kind, is a CorruptModelError: serving
 * refuses such a version and keeps the one it has.
 */
export function loadFitted(model: Model, opts?: LoadOptions): FittedModel {
  const spec = REGISTRY.get(model.manifest.kind);
  if (!spec)
    throw new CorruptModelError(
      `model kind "${model.manifest.kind}" is not one this build serves (${kindNames().join(', ')})`,
    );
  return spec.load(model, opts);
}

/** The kind's own tuner, or the generic random search over its space. */
export function tuneKind(spec: KindSpec, data: TrainingData, opts: TuneOptions): TuneResult {
  return spec.tune ? spec.tune(data, opts) : randomSearch(spec, data, opts);
}

export { als, itemKnn, mf, popular, userKnn };
