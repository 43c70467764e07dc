/**
 * RuleStore on the single table: one partition `RULES` holding `F#<name>`
 * (filters) and `P#<name>` (promotions). Rules are few (at most 100 of each),
 * so serving reads them all with one strongly consistent Query of the base
 * table: no index, no scan.
 */
import { DeleteCommand, paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FilterDefinition, Promotion, RuleSet } from '../../rules/definitions';
import { byName, RULES_PARTITION, type RuleStore } from '../../rules/store';
import { STORE_TIMEOUTS } from '../aws/clients';
import { KEY } from '../schema';
import { call, collect } from './call';

const FILTER = 'F#';
const PROMOTION = 'P#';

export class DynamoRuleStore implements RuleStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async listRules(): Promise<RuleSet> {
    const items = await collect({ what: 'Query of the rules', timeouts: STORE_TIMEOUTS.read }, (o) =>
      paginateQuery(
        { client: this.doc },
        {
          TableName: this.table,
          KeyConditionExpression: '#pk = :p',
          ExpressionAttributeNames: { '#pk': KEY.pk },
          ExpressionAttributeValues: { ':p': RULES_PARTITION },
          ConsistentRead: true,
        },
        o,
      ),
    );
    const out: RuleSet = { filters: [], promotions: [] };
    for (const it of items) {
      const sk = String(it[KEY.sk]);
      if (sk.startsWith(FILTER)) out.filters.push(it.rule as FilterDefinition);
      else if (sk.startsWith(PROMOTION)) out.promotions.push(it.rule as Promotion);
    }
    out.filters.sort(byName);
    out.promotions.sort(byName);
    return out;
  }

  putFilter(def: FilterDefinition): Promise<void> {
    return this.put(FILTER, def.name, def);
  }

  deleteFilter(name: string): Promise<boolean> {
    return this.delete(FILTER, name);
  }

  putPromotion(promotion: Promotion): Promise<void> {
    return this.put(PROMOTION, promotion.name, promotion);
  }

  deletePromotion(name: string): Promise<boolean> {
    return this.delete(PROMOTION, name);
  }

  private async put(prefix: string, name: string, rule: FilterDefinition | Promotion): Promise<void> {
    const item = { [KEY.pk]: RULES_PARTITION, [KEY.sk]: `${prefix}${name}`, rule };
    await call({ what: 'PutItem of a rule', timeouts: STORE_TIMEOUTS.write, callerValues: true }, (o) =>
      this.doc.send(new PutCommand({ TableName: this.table, Item: item }), o),
    );
  }

  private async delete(prefix: string, name: string): Promise<boolean> {
    const out = await call({ what: 'DeleteItem of a rule', timeouts: STORE_TIMEOUTS.write }, (o) =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { [KEY.pk]: RULES_PARTITION, [KEY.sk]: `${prefix}${name}` },
          ReturnValues: 'ALL_OLD',
        }),
        o,
      ),
    );
    return out.Attributes !== undefined;
  }
}
