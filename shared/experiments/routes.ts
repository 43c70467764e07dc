/**
 * Admin routes of experiments (served by Ingest, which may write the table):
 * PUT/GET/DELETE /experiments/{experimentId} and GET /experiments. At most one
 * experiment runs at a time: starting a second is a 409 naming the running one.
 * A variant's model must exist when the experiment is written: a pinned version
 * published (400 unknown_model_version), a kind this build trains (400 unknown_model_kind).
 */
import type { ApiRequest, RouteImpl } from '../http/api';
import { ApiError, badRequest, notFound } from '../http/errors';
import { describeIssues, parseJsonBody, validate } from '../http/validation';
import { storableIssues } from '../ingest/values';
import { compileFilter } from '../rules/expression';
import type { ModelCatalog } from './models';
import { type Experiment, ExperimentBody, Name } from './schema';
import { type ExperimentStore, runningExperiment } from './store';

const MAX_BODY_BYTES = 64 * 1024;

export interface ExperimentRouteDeps {
  store: ExperimentStore;
  /** Why a variant's filter expression is invalid, or null (default: the rules' parser, shared/rules). */
  filterIssue?: (expression: string) => string | null;
  /** What models exist (./models.ts); absent: a variant naming a model is refused (nothing to check it against). */
  models?: ModelCatalog;
  now?: () => number;
}

function experimentId(req: ApiRequest): string {
  const r = Name.safeParse(req.params.experimentId);
  if (!r.success) throw badRequest('invalid_path', `experimentId: ${describeIssues(r.error.issues)}`);
  return r.data;
}

function compiles(expression: string): string | null {
  try {
    compileFilter(expression);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Every model a variant names exists: its version is published, its kind is one this build trains. */
async function checkModels(variants: ExperimentBody['variants'], models: ModelCatalog | undefined): Promise<void> {
  for (const [i, v] of variants.entries()) {
    const { modelVersion, kind } = v.pipeline;
    if (modelVersion === undefined && kind === undefined) continue;
    if (!models) throw badRequest('invalid_experiment', `variants.${i}.pipeline: this deployment cannot read models`);
    if (kind !== undefined && !models.kinds.includes(kind))
      throw badRequest(
        'unknown_model_kind',
        `variants.${i}.pipeline.kind: "${kind}" is not a kind this build trains (${models.kinds.join(', ')})`,
      );
    if (modelVersion !== undefined && !(await models.versionExists(modelVersion)))
      throw badRequest(
        'unknown_model_version',
        `variants.${i}.pipeline.modelVersion: version "${modelVersion}" is not published (or was pruned)`,
      );
  }
}

/**
 * Two PUTs that start experiments at once both pass the check before either writes. After the
 * write each reads the list again; the one serving does not apply (runningExperiment: the first
 * running by id) puts back what it replaced and answers 409, so both writers agree on the one that
 * runs. On DynamoDB the list is an index read: a write not yet in the index can still slip by for
 * that moment (docs/reliability.md); serving applies the first by id all the same.
 */
async function keepOneRunning(store: ExperimentStore, exp: Experiment, before: Experiment | null): Promise<void> {
  const winner = runningExperiment(await store.list());
  if (!winner || winner.experimentId === exp.experimentId) return;
  if (before) await store.put(before);
  else await store.delete(exp.experimentId);
  throw new ApiError(
    409,
    'experiment_conflict',
    `experiment "${winner.experimentId}" started at the same time and runs; stop it first (one runs at a time)`,
  );
}

export function experimentRoutes(deps: ExperimentRouteDeps): Record<string, RouteImpl> {
  const now = deps.now ?? Date.now;
  const { store } = deps;
  const filterIssue = deps.filterIssue ?? compiles;
  return {
    'PUT /experiments/{experimentId}': async (req) => {
      const id = experimentId(req);
      const body = validate(ExperimentBody, parseJsonBody(req.body, MAX_BODY_BYTES), 'invalid_experiment');
      // what DynamoDB cannot hold (a share of 1e-200, a lone surrogate) is refused here, naming the field,
      // not by the store with a message that names none
      const unstorable = storableIssues(body);
      if (unstorable.length > 0)
        throw badRequest('invalid_experiment', unstorable.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      for (const [i, v] of body.variants.entries()) {
        const issue = v.pipeline.filter === undefined ? null : filterIssue(v.pipeline.filter);
        if (issue) throw badRequest('invalid_experiment', `variants.${i}.pipeline.filter: ${issue}`);
      }
      await checkModels(body.variants, deps.models);
      const [existing, all] = await Promise.all([store.get(id), store.list()]);
      const other = all.find((e) => e.status === 'running' && e.experimentId !== id);
      if (body.status === 'running' && other) {
        throw new ApiError(
          409,
          'experiment_conflict',
          `experiment "${other.experimentId}" is running; stop it first (one experiment runs at a time)`,
        );
      }
      const iso = new Date(now()).toISOString();
      const exp: Experiment = {
        experimentId: id,
        ...body,
        control: body.control ?? body.variants[0].name,
        createdAt: existing?.createdAt ?? iso,
        updatedAt: iso,
      };
      await store.put(exp);
      if (exp.status === 'running') await keepOneRunning(store, exp, existing);
      return { status: 200, body: exp };
    },

    'GET /experiments/{experimentId}': async (req) => {
      const id = experimentId(req);
      const exp = await store.get(id);
      if (!exp) throw notFound(`experiment "${id}" does not exist`);
      return { status: 200, body: exp };
    },

    'DELETE /experiments/{experimentId}': async (req) => {
      const id = experimentId(req);
      if (!(await store.delete(id))) throw notFound(`experiment "${id}" does not exist`);
      return { status: 200, body: { experimentId: id, deleted: true } };
    },

    'GET /experiments': async () => ({ status: 200, body: { experiments: await store.list() } }),
  };
}
