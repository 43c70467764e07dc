/**
 * The training state machine in Amazon States Language, built once: the CDK
 * stack deploys it (DefinitionBody.fromString + definitionSubstitutions for the
 * function ARNs) and the local runner runs the same JSON on
 * aws-local-stepfunctions, with each Task mapped by state name to the real
 * handler. Pure: no CDK, no SDK.
 *
 *   Prepare ─► Path? ─ single ─► TrainSingle (the one-Lambda job) ─► end
 *                   ├─ done ──► Done (locked / nothing new: Prepare logged the run)
 *                   └─ large ─► NextIteration ─► UserShards (Distributed Map) ─► AssembleUsers
 *                                 ▲              ─► ItemShards (Distributed Map) ─► AssembleItems ─► More?
 *                                 └──────────────────────────── iteration < iterations ◄────────────┘
 *                               More? ─ no ─► FitRanker ─► Evaluate ─► Gate? ─ pass ─► Publish
 *                                                                           └ fail ─► Reject
 *   any large-path state failing for good ─► RecordFailure ─► Failed
 *
 * Every payload carries S3 keys' ingredients (run id, shard numbers, the
 * iteration), never data: far under the 256 KB state limit.
 */

import { FUNCTIONS, type FunctionName } from '../topology';

/** Placeholders in the definition, replaced by function ARNs (CDK definitionSubstitutions, or the local runner). */
export const WORKFLOW_ARNS = {
  single: 'TrainFunctionArn',
  control: 'TrainControlFunctionArn',
  shard: 'TrainShardFunctionArn',
} as const;
export type WorkflowFunction = keyof typeof WORKFLOW_ARNS;

/** State names (the local runner maps Task states to handlers by name). */
export const STATE = {
  prepare: 'Prepare',
  path: 'ChoosePath',
  single: 'TrainSingle',
  done: 'Done',
  next: 'NextIteration',
  userMap: 'UserShards',
  solveUser: 'SolveUserShard',
  assembleUsers: 'AssembleUsers',
  itemMap: 'ItemShards',
  solveItem: 'SolveItemShard',
  assembleItems: 'AssembleItems',
  more: 'MoreIterations',
  ranker: 'FitRanker',
  evaluate: 'Evaluate',
  gate: 'Gate',
  publish: 'Publish',
  reject: 'Reject',
  recordFailure: 'RecordFailure',
  failed: 'Failed',
} as const;

/** Which function each Task state invokes. */
export const TASK_FUNCTION: Record<string, WorkflowFunction> = {
  [STATE.prepare]: 'control',
  [STATE.single]: 'single',
  [STATE.solveUser]: 'shard',
  [STATE.assembleUsers]: 'shard',
  [STATE.solveItem]: 'shard',
  [STATE.assembleItems]: 'shard',
  [STATE.ranker]: 'control',
  [STATE.evaluate]: 'control',
  [STATE.publish]: 'control',
  [STATE.reject]: 'control',
  [STATE.recordFailure]: 'control',
};

export interface WorkflowOptions {
  /** Shard Lambdas running at once per map (Distributed Map MaxConcurrency). */
  maxConcurrency: number;
  /** Attempts of a failed shard after the first (its output key is rewritten on retry). */
  shardRetries: number;
  /** Seconds before the first retry of a shard; doubles each time. */
  retryIntervalSeconds: number;
  /** Child executions: STANDARD allows shard Lambdas up to 15 minutes, EXPRESS caps a child at 5. */
  childExecutionType: 'STANDARD' | 'EXPRESS';
}

export const DEFAULT_WORKFLOW_OPTIONS: WorkflowOptions = {
  maxConcurrency: 100,
  shardRetries: 2,
  retryIntervalSeconds: 5,
  childExecutionType: 'STANDARD',
};

type Json = Record<string, unknown>;

/** Lambda errors worth retrying on any Task: throttles and service hiccups, not a handler's own error. */
const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

const arn = (fn: WorkflowFunction) => `\${${WORKFLOW_ARNS[fn]}}`;

const TOPOLOGY_NAME: Record<WorkflowFunction, FunctionName> = {
  single: 'Train',
  control: 'TrainControl',
  shard: 'TrainShard',
};

function task(state: string, extra: Json): Json {
  const fn = TASK_FUNCTION[state]!;
  return {
    Type: 'Task',
    Resource: arn(fn),
    // Step Functions waits up to its 99999999 s default; the local interpreter gives up after 60 s, which a
    // loaded laptop's training exceeds: the function's own timeout plus a minute bounds both the same way.
    TimeoutSeconds: FUNCTIONS[TOPOLOGY_NAME[fn]].timeoutSeconds + 60,
    Retry: [{ ErrorEquals: LAMBDA_TRANSIENT, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
    ...extra,
  };
}

/** Control steps of the large path: a failure for good records the run and ends the execution failed. */
const toFailure = { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATE.recordFailure }] };

/** The run's identity, carried from state to state unchanged. */
const RUN = {
  'runId.$': '$.runId',
  'iteration.$': '$.iteration',
  'iterations.$': '$.iterations',
  'userShards.$': '$.userShards',
  'itemShards.$': '$.itemShards',
};

function shardMap(side: 'user' | 'item', o: WorkflowOptions, next: string): Json {
  const solve = side === 'user' ? STATE.solveUser : STATE.solveItem;
  return {
    Type: 'Map',
    ItemsPath: side === 'user' ? '$.userShards' : '$.itemShards',
    ItemSelector: {
      step: 'solve',
      side,
      'runId.$': '$.runId',
      'iteration.$': '$.iteration',
      'shard.$': '$$.Map.Item.Value',
    },
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: o.childExecutionType },
      StartAt: solve,
      States: {
        [solve]: task(solve, {
          Retry: [
            {
              // a shard's only side effect is its own output key, so any failure may be retried
              ErrorEquals: ['States.ALL'],
              IntervalSeconds: o.retryIntervalSeconds,
              MaxAttempts: o.shardRetries,
              BackoffRate: 2,
            },
          ],
          ResultPath: null,
          End: true,
        }),
      },
    },
    MaxConcurrency: o.maxConcurrency,
    // ALS needs every row: one shard failing for good fails the iteration
    ToleratedFailurePercentage: 0,
    Label: side === 'user' ? 'UserShards' : 'ItemShards',
    ResultPath: null,
    Next: next,
    ...toFailure,
  };
}

/** The state machine definition, with `${…}` ARN placeholders ({@link WORKFLOW_ARNS}). */
export function trainingWorkflow(options: Partial<WorkflowOptions> = {}): Json {
  const o = { ...DEFAULT_WORKFLOW_OPTIONS, ...options };
  return {
    Comment: 'Attune training: one Lambda for small data, ALS over Distributed Map shards for large (issue #13)',
    StartAt: STATE.prepare,
    States: {
      [STATE.prepare]: task(STATE.prepare, {
        Parameters: { step: 'prepare', 'input.$': '$' },
        Next: STATE.path,
      }),
      [STATE.path]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.path', StringEquals: 'large', Next: STATE.next },
          { Variable: '$.path', StringEquals: 'done', Next: STATE.done },
        ],
        Default: STATE.single,
      },
      // The existing job, unchanged: it takes its own lease, logs its own run, and is not retried
      // (the next schedule is its retry, as before the state machine).
      [STATE.single]: task(STATE.single, {
        Parameters: { source: 'attune.workflow', 'rebuild.$': '$.rebuild' },
        End: true,
      }),
      [STATE.done]: { Type: 'Succeed', OutputPath: '$.summary' },
      [STATE.next]: {
        Type: 'Pass',
        Parameters: { ...RUN, 'iteration.$': 'States.MathAdd($.iteration, 1)' },
        Next: STATE.userMap,
      },
      [STATE.userMap]: shardMap('user', o, STATE.assembleUsers),
      [STATE.assembleUsers]: task(STATE.assembleUsers, {
        Parameters: { step: 'assemble', side: 'user', 'runId.$': '$.runId', 'iteration.$': '$.iteration' },
        ResultPath: null,
        Next: STATE.itemMap,
        ...toFailure,
      }),
      [STATE.itemMap]: shardMap('item', o, STATE.assembleItems),
      [STATE.assembleItems]: task(STATE.assembleItems, {
        Parameters: { step: 'assemble', side: 'item', 'runId.$': '$.runId', 'iteration.$': '$.iteration' },
        ResultPath: null,
        Next: STATE.more,
        ...toFailure,
      }),
      [STATE.more]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.iteration', NumericLessThanPath: '$.iterations', Next: STATE.next }],
        Default: STATE.ranker,
      },
      // the neural ranker over the gathered ALS, when the data has item metadata (it decides and records why not)
      [STATE.ranker]: task(STATE.ranker, {
        Parameters: { step: 'ranker', 'runId.$': '$.runId' },
        ResultPath: '$.ranker',
        Next: STATE.evaluate,
        ...toFailure,
      }),
      [STATE.evaluate]: task(STATE.evaluate, {
        Parameters: { step: 'evaluate', 'runId.$': '$.runId' },
        ResultPath: '$.evaluation',
        Next: STATE.gate,
        ...toFailure,
      }),
      [STATE.gate]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.evaluation.pass', BooleanEquals: true, Next: STATE.publish }],
        Default: STATE.reject,
      },
      [STATE.publish]: task(STATE.publish, {
        Parameters: { step: 'publish', 'runId.$': '$.runId', 'evaluation.$': '$.evaluation' },
        End: true,
        ...toFailure,
      }),
      [STATE.reject]: task(STATE.reject, {
        Parameters: { step: 'reject', 'runId.$': '$.runId', 'evaluation.$': '$.evaluation' },
        End: true,
        ...toFailure,
      }),
      [STATE.recordFailure]: task(STATE.recordFailure, {
        Parameters: { step: 'fail', 'runId.$': '$.runId', 'error.$': '$.error' },
        ResultPath: '$.recorded',
        Next: STATE.failed,
      }),
      [STATE.failed]: {
        Type: 'Fail',
        Error: 'TrainingFailed',
        Cause: 'A step of the distributed training failed for good; nothing was published (see the run log).',
      },
    },
  };
}

/** The definition with every `${placeholder}` replaced (what CDK's definitionSubstitutions do at deploy). */
export function substitute(definition: Json, values: Record<string, string>): Json {
  const text = JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for the definition placeholder ${m}`);
    return v;
  });
  return JSON.parse(text) as Json;
}
