import aslValidator from 'asl-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATE, TASK_FUNCTION, WORKFLOW_ARNS, substitute, trainingWorkflow } from '../../../shared/workflow/definition';
import { planShards } from '../../../shared/workflow/shards';

const ARNS = Object.fromEntries(
  Object.values(WORKFLOW_ARNS).map((n) => [n, `arn:aws:lambda:eu-west-1:123456789012:function:${n}`]),
);

type State = Record<string, unknown>;
const states = (d: Record<string, unknown>) => d.States as Record<string, State>;

describe('training workflow definition', () => {
  it('is valid Amazon States Language once the ARNs are substituted', () => {
    const r = aslValidator(substitute(trainingWorkflow(), ARNS));
    expect(r.errors).toEqual([]);
    expect(r.isValid).toBe(true);
  });

  it('maps over shards with Distributed Maps whose limits are the state machine’s', () => {
    const d = trainingWorkflow({ maxConcurrency: 7, shardRetries: 4 });
    for (const [map, solve] of [
      [STATE.userMap, STATE.solveUser],
      [STATE.itemMap, STATE.solveItem],
    ] as const) {
      const m = states(d)[map]!;
      expect(m.MaxConcurrency).toBe(7);
      expect(m.ToleratedFailurePercentage).toBe(0);
      const p = m.ItemProcessor as { ProcessorConfig: unknown; States: Record<string, State> };
      expect(p.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
      const retry = p.States[solve]!.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
      expect(retry[0]).toMatchObject({ ErrorEquals: ['States.ALL'], MaxAttempts: 4 });
      // results are dropped: the state stays a few hundred bytes whatever the shard count
      expect(m.ResultPath).toBeNull();
    }
  });

  it('loops by a counter in the state and catches every large-path failure into the run log', () => {
    const s = states(trainingWorkflow());
    expect(s[STATE.next]!.Parameters).toMatchObject({ 'iteration.$': 'States.MathAdd($.iteration, 1)' });
    expect(s[STATE.more]!.Choices).toEqual([
      { Variable: '$.iteration', NumericLessThanPath: '$.iterations', Next: STATE.next },
    ]);
    const caught = Object.entries(s)
      .filter(([, st]) => Array.isArray(st.Catch))
      .map(([n]) => n);
    expect(caught.sort()).toEqual(
      [
        STATE.userMap,
        STATE.assembleUsers,
        STATE.itemMap,
        STATE.assembleItems,
        STATE.ranker,
        STATE.evaluate,
        STATE.publish,
        STATE.reject,
      ].sort(),
    );
    // every Task names one of the three functions through a placeholder
    for (const [name, fn] of Object.entries(TASK_FUNCTION)) {
      const st = s[name] ?? (s[STATE.userMap]!.ItemProcessor as { States: Record<string, State> }).States[name];
      const found = st ?? (s[STATE.itemMap]!.ItemProcessor as { States: Record<string, State> }).States[name];
      expect(found!.Resource).toBe(`\${${WORKFLOW_ARNS[fn]}}`);
    }
  });

  it('fits the neural ranker after the last ALS iteration, before Evaluate, on the control function', () => {
    const s = states(trainingWorkflow());
    expect(s[STATE.more]!.Default).toBe(STATE.ranker);
    expect(s[STATE.ranker]).toMatchObject({
      Type: 'Task',
      Parameters: { step: 'ranker', 'runId.$': '$.runId' },
      Next: STATE.evaluate,
    });
    expect(TASK_FUNCTION[STATE.ranker]).toBe('control');
  });

  it('refuses to leave a placeholder unsubstituted', () => {
    expect(() => substitute(trainingWorkflow(), {})).toThrow(/no value for the definition placeholder/);
  });
});

describe('planShards', () => {
  const indptrOf = (sizes: number[]) => {
    const p = new Int32Array(sizes.length + 1);
    for (let r = 0; r < sizes.length; r++) p[r + 1] = p[r]! + sizes[r]!;
    return p;
  };

  it('packs rows greedily under the bound; a row above it gets its own shard', () => {
    expect(planShards(indptrOf([3, 3, 3, 10, 1]), 6)).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect(planShards(indptrOf([]), 6)).toEqual([]);
  });

  it('covers every row once, in order, with at most maxShards shards', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(50), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 40 }),
        (sizes, bound, maxShards) => {
          const indptr = indptrOf(sizes);
          const r = planShards(indptr, bound, maxShards);
          expect(r[0]![0]).toBe(0);
          expect(r.at(-1)![1]).toBe(sizes.length);
          for (let s = 0; s < r.length; s++) {
            expect(r[s]![1]).toBeGreaterThan(r[s]![0]);
            if (s > 0) expect(r[s]![0]).toBe(r[s - 1]![1]);
          }
          expect(r.length).toBeLessThanOrEqual(maxShards);
          // over the bound only as a single row, or when the bound was raised to fit maxShards
          const nnz = indptr[sizes.length]!;
          const raised = maxShards > 1 ? Math.ceil((2 * nnz) / (maxShards - 1)) : Infinity;
          for (const [lo, hi] of r)
            if (hi - lo > 1) expect(indptr[hi]! - indptr[lo]!).toBeLessThanOrEqual(Math.max(bound, raised));
        },
      ),
    );
  });
});
