/**
 * The rule store and the catalog listing, one contract on every backend:
 * DynamoDB (dynalite, through the real SDK) and memory.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTableInput } from '../../../infra/local/embedded';
import { InvalidCursorError, type InteractionStore } from '../../../shared/ports/interactions';
import type { FilterDefinition, Promotion } from '../../../shared/rules/definitions';
import { MemoryRuleStore } from '../../../shared/rules/memory-store';
import type { RuleStore } from '../../../shared/rules/store';
import { dynamoDocumentClient } from '../../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../../shared/storage/dynamodb/interactions';
import { DynamoRuleStore } from '../../../shared/storage/dynamodb/rules';
import { MemoryInteractionStore } from '../../../shared/storage/memory/interactions';
import { useEmbeddedAws } from '../../helpers/aws';

const aws = useEmbeddedAws();
let tables = 0;

async function table(): Promise<string> {
  void aws;
  const name = `rules-${++tables}-${Date.now()}`;
  const client = new DynamoDBClient({});
  await client.send(new CreateTableCommand(createTableInput(name)));
  client.destroy();
  return name;
}

const backends: Record<string, () => Promise<{ rules: RuleStore; items: InteractionStore }>> = {
  memory: async () => ({ rules: new MemoryRuleStore(), items: new MemoryInteractionStore() }),
  dynamodb: async () => {
    const name = await table();
    const doc = dynamoDocumentClient();
    return { rules: new DynamoRuleStore(doc, name), items: new DynamoInteractionStore(doc, name) };
  },
};

const T = '2026-06-01T00:00:00.000Z';
const filter = (name: string, expression: string): FilterDefinition => ({ name, expression, updatedAt: T });
const pin: Promotion = { name: 'hero', type: 'pin', itemId: 'i#1', position: 1, enabled: true, updatedAt: T };
const slots: Promotion = {
  name: 'autumn',
  type: 'slots',
  expression: '"autumn" in tags',
  slots: 2,
  enabled: false,
  description: 'seasonal',
  updatedAt: T,
};

for (const [backend, make] of Object.entries(backends)) {
  describe(`rule store and catalog pages: ${backend}`, () => {
    it('stores, lists by name, replaces and deletes filters and promotions', async () => {
      const { rules } = await make();
      expect(await rules.listRules()).toEqual({ filters: [], promotions: [] });
      await rules.putFilter(filter('zeta', 'price < 1'));
      await rules.putFilter(filter('alpha', 'brand == "x"'));
      await rules.putPromotion(slots);
      await rules.putPromotion(pin);
      await rules.putFilter(filter('zeta', 'price < 2'));
      expect(await rules.listRules()).toEqual({
        filters: [filter('alpha', 'brand == "x"'), filter('zeta', 'price < 2')],
        promotions: [slots, pin],
      });
      expect(await rules.deleteFilter('zeta')).toBe(true);
      expect(await rules.deleteFilter('zeta')).toBe(false);
      expect(await rules.deletePromotion('hero')).toBe(true);
      expect(await rules.deletePromotion('alpha')).toBe(false);
      expect(await rules.listRules()).toEqual({ filters: [filter('alpha', 'brand == "x"')], promotions: [slots] });
    });

    it('pages the catalog with a stable cursor: every record once, an updated one again later', async () => {
      const { items } = await make();
      const ids = Array.from({ length: 23 }, (_, i) => `item/${i} #`);
      for (const [i, itemId] of ids.entries()) {
        await items.putItem({ itemId, categories: ['c'], available: true, properties: { n: i } }, 1_000_000 + i);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await items.listCatalogPage({ limit: 5, cursor });
        seen.push(...page.items.map((x) => x.itemId));
        if (pages === 1) await items.putItem({ itemId: ids[0], categories: [], available: false }, 2_000_000);
        cursor = page.cursor ?? undefined;
        pages++;
      } while (cursor && pages < 20);
      expect(seen.slice(0, 23)).toEqual(ids);
      expect(seen.slice(23)).toEqual([ids[0]]);
      const first = await items.listCatalogPage({ limit: 100 });
      expect(first.cursor).toBeNull();
      expect(first.items.map((x) => x.itemId)).toEqual([...ids.slice(1), ids[0]]);
      expect(first.items.at(-1)).toMatchObject({ available: false });
      expect(first.items[0].properties).toEqual({ n: 1 });
    });

    it('refuses a cursor it did not issue', async () => {
      const { items } = await make();
      for (const bad of [
        'nope',
        Buffer.from('{"x":1}').toString('base64url'),
        Buffer.from('[]').toString('base64url'),
      ]) {
        await expect(items.listCatalogPage({ limit: 5, cursor: bad })).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });
  });
}
