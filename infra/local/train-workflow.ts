/**
 * Runs the training state machine locally: the definition the stack deploys
 * (shared/workflow/definition.ts), on aws-local-stepfunctions, with every
 * Task state mapped by name to a local handler instead of a Lambda ARN.
 *
 * What the interpreter does not implement is not needed by the definition:
 * the maps read their shard numbers from the state (ItemsPath, no ItemReader),
 * results are dropped (ResultPath null, no ResultWriter), one item per child
 * (no ItemBatcher). ProcessorConfig (DISTRIBUTED) and ToleratedFailurePercentage
 * are accepted and ignored: locally a map is an inline map whose children run
 * concurrently up to MaxConcurrency (the real runner's shard steps on worker
 * threads, shard-pool.ts), and any child failing for good fails the map — what
 * ToleratedFailurePercentage 0 means on AWS.
 */
import { availableParallelism } from 'node:os';
import { StateMachine } from 'aws-local-stepfunctions';
import { FUNCTIONS, TRAINING_WORKFLOW } from '../../shared/topology';
import {
  STATE,
  TASK_FUNCTION,
  WORKFLOW_ARNS,
  substitute,
  trainingWorkflow,
  type WorkflowFunction,
  type WorkflowOptions,
} from '../../shared/workflow/definition';
import { loadFunction } from './functions';
import { localContext } from './http-event';
import { handlerPool, type HandlerPool } from './shard-pool';

// aws-local-stepfunctions 3.0 declares Node >= 22 and uses one Node 22 API, Promise.withResolvers (in its Task
// state); everything else runs on Node 20, which this project supports. Defined only where it is missing.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export type LocalHandler = (event: Record<string, unknown>) => Promise<unknown>;

/** Stand-in ARNs: the local run never calls them (every Task has a local handler). */
const LOCAL_ARNS = Object.fromEntries(
  Object.entries(WORKFLOW_ARNS).map(([fn, name]) => [
    name,
    `arn:aws:lambda:us-east-1:000000000000:function:attune-${fn}`,
  ]),
);

export interface LocalWorkflowOptions {
  workflow?: Partial<WorkflowOptions>;
  /** Pause before a retry, ms (AWS waits IntervalSeconds; a local run need not). */
  retryPauseMs?: number;
  /** Called with each state entered, for logs and tests. */
  onState?(name: string): void;
  /** Worker threads for shard steps in {@link runTrainingWorkflow} (default: the cores, at most 8). */
  threads?: number;
}

/** The execution's output; rejects with the failing state's error when the execution fails. */
export async function runWorkflowLocally(
  handlers: Record<WorkflowFunction, LocalHandler>,
  input: unknown,
  opts: LocalWorkflowOptions = {},
): Promise<unknown> {
  const definition = substitute(trainingWorkflow(opts.workflow), LOCAL_ARNS);
  const machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: true } });
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(TASK_FUNCTION).map(([state, fn]) => [
      state,
      (event: unknown) => {
        opts.onState?.(state);
        return handlers[fn](event as Record<string, unknown>) as Promise<never>;
      },
    ]),
  );
  const pause = opts.retryPauseMs ?? 0;
  const retryIntervalOverrides = Object.fromEntries(Object.keys(TASK_FUNCTION).map((state) => [state, pause]));
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
  });
  return execution.result;
}

/**
 * The state machine over the topology's real handlers, in this process (what
 * `attune local invoke Train` and `npm start` run): each Task gets a fresh
 * Lambda-like context with its function's timeout. The environment must be set.
 */
export async function runTrainingWorkflow(event: unknown, opts: LocalWorkflowOptions = {}): Promise<unknown> {
  const handler = (role: WorkflowFunction): LocalHandler => {
    const name = TRAINING_WORKFLOW.functions[role];
    return async (e) => (await loadFunction(name))(e, localContext(name, FUNCTIONS[name].timeoutSeconds * 1000));
  };
  // Shard steps spread over worker threads, started on the first one (the small path needs none).
  let pool: HandlerPool | undefined;
  const shard: LocalHandler = (e) => {
    pool ??= handlerPool(TRAINING_WORKFLOW.functions.shard, Math.min(availableParallelism(), opts.threads ?? 8));
    return pool.invoke(e);
  };
  try {
    return await runWorkflowLocally({ single: handler('single'), control: handler('control'), shard }, event, {
      ...opts,
      workflow: {
        maxConcurrency: TRAINING_WORKFLOW.maxConcurrency,
        shardRetries: TRAINING_WORKFLOW.shardRetries,
        ...opts.workflow,
      },
    });
  } finally {
    await pool?.close();
  }
}

export { STATE };
