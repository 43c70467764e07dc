/**
 * The training steps' error log names what arrived (session 22 review, docs/reliability.md):
 * TrainControl logged `"step": "undefined"` for a null event, an array, a string or a
 * non-string step, and TrainShard spread a string event into one field per character.
 * Through the real handlers on dynalite + s3rver, their log lines captured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedAws } from '../helpers/aws';
import { type StepHandler, trainStepsOn } from './train-steps-setup';

const aws = useEmbeddedAws();
let control: StepHandler;
let shard: StepHandler;
const captured: string[] = [];
const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
const capture = ((chunk: unknown) => (captured.push(String(chunk)), true)) as typeof process.stdout.write;

beforeAll(async () => {
  // before the handlers load: their logger keeps the stream's write it found
  process.stdout.write = capture;
  process.stderr.write = capture;
  ({ control, shard } = await trainStepsOn(aws()));
});
afterAll(() => {
  process.stdout.write = write.out;
  process.stderr.write = write.err;
});

/** The one ERROR line a failing step logged, parsed. */
async function errorLine(h: StepHandler, event: unknown): Promise<Record<string, unknown>> {
  captured.length = 0;
  await expect(h(event)).rejects.toThrow();
  const lines = captured
    .join('')
    .split('\n')
    .filter((l) => l.includes('"level":"ERROR"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines, JSON.stringify(event)).toHaveLength(1);
  return lines[0];
}

describe('a failed training step names the step it got', () => {
  it('TrainControl: null, an array, a string, a number step, no step, a misspelt step', async () => {
    const cases: [unknown, string][] = [
      [null, '(none: the event is null)'],
      [[], '(none: the event is an array)'],
      ['prepare', '(none: the event is string)'],
      [{ step: 5, runId: 'r' }, '(invalid: 5)'],
      [{ step: { name: 'prepare' } }, '(invalid: {"name":"prepare"})'],
      [{ runId: 'r' }, '(none: no "step" field)'],
      [{ step: 'nope', runId: 'r' }, 'nope'],
    ];
    for (const [event, step] of cases) {
      const line = await errorLine(control, event);
      expect(line.message).toBe('training step failed');
      expect(line.step, JSON.stringify(event)).toBe(step);
    }
  });

  it('TrainShard: a string event is not spread into characters; an object keeps its fields', async () => {
    const s = await errorLine(shard, 'solve');
    expect(s.step).toBe('(none: the event is string)');
    expect(s).not.toHaveProperty('0');
    const o = await errorLine(shard, { step: 'solve', runId: 'r-1', side: 'sideways' });
    expect(o).toMatchObject({ message: 'shard step failed', step: 'solve', runId: 'r-1', side: 'sideways' });
  });
});
