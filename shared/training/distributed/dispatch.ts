/**
 * One entry per function for the state machine's Task payloads (`step` names
 * the work), shared by the Lambda handlers and the local runner, so both run
 * the same code for the same JSON.
 */
import { evaluate, fail, publish, reject, type Evaluation } from './finish';
import { checkRunId } from './layout';
import { prepare, type PrepareInput } from './prepare';
import { fitRankerStep } from './ranker';
import type { StepDeps } from './record';
import { assemble, solveShard, type ShardDeps } from './solve';

type Payload = Record<string, unknown>;

export class BadStepError extends Error {
  override name = 'BadStepError';
}

/** The control function: prepare, ranker, evaluate, publish, reject, fail. */
export function controlStep(deps: StepDeps, event: Payload): Promise<unknown> {
  switch (event.step) {
    case 'prepare': {
      const raw = (event.input ?? {}) as Payload;
      const input: PrepareInput = {};
      if (typeof raw.distributed === 'boolean') input.distributed = raw.distributed;
      if (raw.rebuild === true) input.rebuild = true;
      if (raw.params && typeof raw.params === 'object') input.params = raw.params as PrepareInput['params'];
      return prepare(deps, input);
    }
    case 'ranker':
      return fitRankerStep(deps, { runId: checkRunId(event.runId) });
    case 'evaluate':
      return evaluate(deps, { runId: checkRunId(event.runId) });
    case 'publish':
      return publish(deps, { runId: checkRunId(event.runId), evaluation: event.evaluation as Evaluation });
    case 'reject':
      return reject(deps, { runId: checkRunId(event.runId), evaluation: event.evaluation as Evaluation });
    case 'fail':
      return fail(deps, { runId: checkRunId(event.runId), error: event.error });
    default:
      throw new BadStepError(`the control function has no step "${String(event.step)}"`);
  }
}

/** The shard function: solve one shard, or assemble a side. */
export function shardStep(deps: ShardDeps, event: Payload): Promise<unknown> {
  const runId = checkRunId(event.runId);
  const side = event.side as 'user' | 'item';
  const iteration = event.iteration as number;
  switch (event.step) {
    case 'solve':
      return solveShard(deps, { runId, side, iteration, shard: event.shard as number });
    case 'assemble':
      return assemble(deps, { runId, side, iteration });
    default:
      throw new BadStepError(`the shard function has no step "${String(event.step)}"`);
  }
}
