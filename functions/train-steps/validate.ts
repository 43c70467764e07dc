/**
 * The training state machine's Task payloads, checked before any step reads or writes:
 * a malformed one (a hand-started execution, an edited definition, a redrive with the
 * wrong input) fails naming the field instead of a TypeError deep in a step, a run with
 * "factors": 0, or a publish of an evaluation the gate never passed.
 */
import { z } from 'zod';
import { describeIssues } from '../../shared/http/validation';

/** A payload no step can run: named by step and field. Not in the Retry list: a retry cannot fix it. */
export class BadStepInput extends Error {
  override name = 'BadStepInput';
}

const runId = z.string().regex(/^[0-9a-f]{8,32}$/, 'a run id is 8..32 lowercase hex digits');
const side = z.enum(['user', 'item']);
const count = (min: number, max?: number) => {
  const n = z.number().int().min(min);
  return max === undefined ? n : n.max(max);
};
const nonNegative = z.number().finite().min(0);

/** ALS parameters a run may set over the defaults (the CLI's bounds: a 0-factor run is no model). */
const alsParams = z.strictObject({
  factors: count(1, 1024).optional(),
  iterations: count(1, 1000).optional(),
  cgSteps: count(1, 100).optional(),
  seed: count(0, 2 ** 31 - 1).optional(),
  solver: z.enum(['cg', 'cholesky']).optional(),
  initScale: z.number().finite().positive().optional(),
  regularization: nonNegative.optional(),
  alpha: nonNegative.optional(),
  confidence: z.enum(['linear', 'log']).optional(),
  epsilon: z.number().finite().positive().optional(),
  unobservedWeight: nonNegative.optional(),
  regularizationExponent: z.number().finite().optional(),
});

/** What Evaluate returned; JSON carries a NaN metric as null. */
const evaluation = z.looseObject({
  pass: z.boolean(),
  reason: z.string(),
  metrics: z.record(z.string(), z.number().nullable()),
  calibration: z.unknown().refine((c) => c !== undefined, 'is required'),
  baselineNdcg10: z.number().optional(),
  candidateNdcg10: z.number().optional(),
});

const control = z.discriminatedUnion('step', [
  z.looseObject({
    step: z.literal('prepare'),
    // the execution's input: the schedule's event or {distributed, rebuild, params}; other keys are the event's
    input: z
      .looseObject({
        distributed: z.boolean().optional(),
        rebuild: z.boolean().optional(),
        params: alsParams.optional(),
      })
      .nullish(),
  }),
  z.looseObject({ step: z.enum(['ranker', 'evaluate']), runId }),
  // the gate's Choice routes only a passed evaluation here: anything else must not publish
  z.looseObject({
    step: z.literal('publish'),
    runId,
    evaluation: evaluation.refine((e) => e.pass, {
      message: 'publish takes only an evaluation that passed',
      path: ['pass'],
    }),
  }),
  z.looseObject({ step: z.literal('reject'), runId, evaluation }),
  // recording a failure must work whatever went wrong before it: the run id alone is required
  z.looseObject({ step: z.literal('fail'), runId }),
]);

const shard = z.discriminatedUnion('step', [
  z.looseObject({ step: z.literal('solve'), runId, side, iteration: count(1), shard: count(0) }),
  z.looseObject({ step: z.literal('assemble'), runId, side, iteration: count(1) }),
]);

function check(fn: string, schema: z.ZodType, event: unknown): void {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new BadStepInput(`${fn}: the event must be a JSON object, got ${event === null ? 'null' : typeof event}`);
  const r = schema.safeParse(event);
  if (!r.success) {
    const step = (event as { step?: unknown }).step;
    throw new BadStepInput(`${fn} ${typeof step === 'string' ? step : 'event'}: ${describeIssues(r.error.issues)}`);
  }
}

/**
 * The step a payload names, for the error log: the step itself, or what arrived instead —
 * a log line that said step "undefined" for a null event named nothing.
 */
export function stepOf(event: unknown): string {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    return `(none: the event is ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event})`;
  const step = (event as { step?: unknown }).step;
  if (typeof step === 'string') return step;
  return step === undefined
    ? '(none: no "step" field)'
    : `(invalid: ${(JSON.stringify(step) ?? typeof step).slice(0, 80)})`;
}

/** An event's own fields for a log line, when it is an object (a string or array spread into characters). */
export const logFields = (event: unknown): Record<string, unknown> =>
  typeof event === 'object' && event !== null && !Array.isArray(event) ? { ...event } : {};

export const checkControlEvent = (event: unknown): void => check('TrainControl', control, event);
export const checkShardEvent = (event: unknown): void => check('TrainShard', shard, event);
