/**
 * Seeds a table the way ingest leaves it: event items in the real item format
 * (eventToItem) and erasure markers, without deleting events, so tests can
 * check that training leaves erased users out even mid-erasure.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Interaction } from '../../../shared/events';
import { eventToItem } from '../../../shared/storage/dynamodb/items';
import { KEY, keys } from '../../../shared/storage/schema';
import { createTableInput } from '../../../infra/local/embedded';

let counter = 0;

/** Creates a fresh table on the embedded endpoint (AWS_ENDPOINT_URL_DYNAMODB) and returns its name. */
export async function freshTable(prefix = 'train'): Promise<string> {
  const name = `${prefix}-${++counter}-${Date.now()}`;
  const client = new DynamoDBClient({});
  await client.send(new CreateTableCommand(createTableInput(name)));
  client.destroy();
  return name;
}

export async function writeEvents(doc: DynamoDBDocumentClient, table: string, events: Interaction[]): Promise<void> {
  for (let i = 0; i < events.length; i += 25) {
    const chunk = events.slice(i, i + 25).map((e) => ({ PutRequest: { Item: eventToItem(e, 0) } }));
    let pending: typeof chunk | undefined = chunk;
    while (pending?.length) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table] as typeof chunk | undefined;
    }
  }
}

export async function writeErasure(
  doc: DynamoDBDocumentClient,
  table: string,
  userId: string,
  erasedAt: number,
): Promise<void> {
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: {
        [KEY.pk]: keys.user(userId),
        [KEY.sk]: keys.erased,
        userId,
        erasedAt,
        [KEY.gsi2pk]: keys.erasedPartition,
        [KEY.gsi2sk]: userId,
      },
    }),
  );
}

/** Interactions from (user, item, type, receivedAt) tuples. */
export function events(rows: [string, string, Interaction['type'], number][]): Interaction[] {
  return rows.map(([userId, itemId, type, at], n) => ({
    eventId: `e${n}-${userId}-${itemId}`,
    userId,
    itemId,
    type,
    ...(type === 'rating' ? { value: 4 } : {}),
    timestamp: at,
    receivedAt: at,
  }));
}
