/**
 * The training steps' handlers on the suite's embedded stores, as their tests need them: a small
 * table of events, a 20 s budget without tuning, and the handlers imported only after the
 * environment is set (they build their adapters at module scope).
 */
import type { EmbeddedAws } from '../../infra/local/embedded';
import { ENV } from '../../shared/config';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { syntheticInteractions } from '../unit/training/data';
import { writeEvents } from '../unit/training/seed';

export type StepHandler = (event: unknown) => Promise<Record<string, unknown>>;

export async function trainStepsOn(aws: EmbeddedAws): Promise<{ control: StepHandler; shard: StepHandler }> {
  process.env[ENV.trainBudgetSeconds] = '20';
  process.env[ENV.tune] = 'false';
  process.env[ENV.modelPrefix] = 'models/';
  const evs = syntheticInteractions({ users: 40, items: 20, receivedAt: Date.now() - 60_000 });
  await writeEvents(dynamoDocumentClient(), aws.tableName, evs);
  const control = (await import('../../functions/train-steps/control')) as unknown as { handler: StepHandler };
  const shard = (await import('../../functions/train-steps/shard')) as unknown as { handler: StepHandler };
  return { control: control.handler, shard: shard.handler };
}
