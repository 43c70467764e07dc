/**
 * Experiments in the one DynamoDB table: X#<experimentId> / EXPERIMENT, listed
 * through the sparse Directory index under EXPERIMENTS (as the catalog and the
 * erasure markers are), so Recommend reads every experiment with one Query.
 */
import { DeleteCommand, GetCommand, paginateQuery, PutCommand } from '@aws-sdk/lib-dynamodb';
import { STORE_TIMEOUTS } from '../storage/aws/clients';
import { call, collect, type Doc } from '../storage/dynamodb/call';
import { INDEX, KEY } from '../storage/schema';
import { EXPERIMENT_KEYS } from './keys';
import type { Experiment } from './schema';
import type { ExperimentStore } from './store';

const fromItem = (item: Record<string, any>): Experiment => item.doc as Experiment;

export class DynamoExperimentStore implements ExperimentStore {
  constructor(
    private readonly doc: Doc,
    private readonly table: string,
  ) {}

  private key(experimentId: string) {
    return { [KEY.pk]: EXPERIMENT_KEYS.pk(experimentId), [KEY.sk]: EXPERIMENT_KEYS.sk };
  }

  async put(exp: Experiment): Promise<void> {
    const item = {
      ...this.key(exp.experimentId),
      [KEY.gsi2pk]: EXPERIMENT_KEYS.directory,
      [KEY.gsi2sk]: exp.experimentId,
      doc: exp,
    };
    await call({ what: 'PutItem of an experiment', timeouts: STORE_TIMEOUTS.write, callerValues: true }, (o) =>
      this.doc.send(new PutCommand({ TableName: this.table, Item: item }), o),
    );
  }

  async get(experimentId: string): Promise<Experiment | null> {
    const out = await call({ what: 'GetItem of an experiment', timeouts: STORE_TIMEOUTS.write }, (o) =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: this.key(experimentId), ConsistentRead: true }), o),
    );
    return out.Item ? fromItem(out.Item) : null;
  }

  async delete(experimentId: string): Promise<boolean> {
    const out = await call({ what: 'DeleteItem of an experiment', timeouts: STORE_TIMEOUTS.write }, (o) =>
      this.doc.send(
        new DeleteCommand({ TableName: this.table, Key: this.key(experimentId), ReturnValues: 'ALL_OLD' }),
        o,
      ),
    );
    return out.Attributes !== undefined;
  }

  async list(): Promise<Experiment[]> {
    const items = await collect({ what: 'Query of the experiments', timeouts: STORE_TIMEOUTS.read }, (o) =>
      paginateQuery(
        { client: this.doc },
        {
          TableName: this.table,
          IndexName: INDEX.directory,
          KeyConditionExpression: '#pk = :p',
          ExpressionAttributeNames: { '#pk': KEY.gsi2pk },
          ExpressionAttributeValues: { ':p': EXPERIMENT_KEYS.directory },
        },
        o,
      ),
    );
    return items.map(fromItem).sort((a, b) => (a.experimentId < b.experimentId ? -1 : 1));
  }
}
