/**
 * User attributes on the single table, beside the user's events:
 * `U#<userId>` / `ATTR`, listed for training through the sparse Directory
 * index (`ATTRS` / `<userId>`), like erasure markers. The write follows the
 * events' erasure discipline: refused when the marker exists, re-checked after
 * writing and deleted again when an erasure raced it. Erasure deletes the item.
 */
import { DeleteCommand, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { StoredUserAttributes, UserAttributesBody } from '../../ingest/attributes';
import { UserErasedError } from '../../ingest/attributes';
import { STORE_TIMEOUTS } from '../aws/clients';
import { INDEX, KEY, keys } from '../schema';
import { call, collect, type Doc } from './call';
import { erasedUsers } from './erasure';

/** Sort key of a user's attributes item, and the Directory partition that lists them. */
export const ATTR_SORT = 'ATTR';
export const ATTR_DIRECTORY = 'ATTRS';

const key = (userId: string) => ({ [KEY.pk]: keys.user(userId), [KEY.sk]: ATTR_SORT });

function fromItem(it: Record<string, unknown>): StoredUserAttributes {
  const out: StoredUserAttributes = { userId: String(it.userId), updatedAt: String(it.updatedAt) };
  if (typeof it.ageBand === 'string') out.ageBand = it.ageBand as StoredUserAttributes['ageBand'];
  if (typeof it.country === 'string') out.country = it.country;
  if (Array.isArray(it.interests)) out.interests = it.interests.map(String);
  return out;
}

export async function putUserAttributes(
  doc: Doc,
  table: string,
  userId: string,
  a: UserAttributesBody,
  now: number,
): Promise<StoredUserAttributes> {
  if ((await erasedUsers(doc, table, [userId])).size > 0) throw new UserErasedError(userId);
  const stored = withoutUndefined({ userId, ...a, updatedAt: new Date(now).toISOString() });
  const Item = { ...key(userId), [KEY.gsi2pk]: ATTR_DIRECTORY, [KEY.gsi2sk]: userId, ...stored };
  await call({ what: 'PutItem of user attributes', timeouts: STORE_TIMEOUTS.write, callerValues: true }, (o) =>
    doc.send(new PutCommand({ TableName: table, Item }), o),
  );
  // an erasure that wrote its marker while this write was in flight: undo it (as events do)
  if ((await erasedUsers(doc, table, [userId])).size > 0) {
    await deleteUserAttributes(doc, table, userId);
    throw new UserErasedError(userId);
  }
  return stored;
}

const withoutUndefined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export async function getUserAttributes(doc: Doc, table: string, userId: string) {
  const [out, erased] = await Promise.all([
    call({ what: 'GetItem of user attributes', timeouts: STORE_TIMEOUTS.read }, (o) =>
      doc.send(new GetCommand({ TableName: table, Key: key(userId), ConsistentRead: true }), o),
    ),
    erasedUsers(doc, table, [userId], STORE_TIMEOUTS.read),
  ]);
  return out.Item && erased.size === 0 ? fromItem(out.Item) : null;
}

export async function deleteUserAttributes(doc: Doc, table: string, userId: string): Promise<void> {
  await call({ what: 'DeleteItem of user attributes', timeouts: STORE_TIMEOUTS.write }, (o) =>
    doc.send(new DeleteCommand({ TableName: table, Key: key(userId) }), o),
  );
}

export async function listUserAttributes(doc: Doc, table: string): Promise<StoredUserAttributes[]> {
  const items = await collect({ what: 'Query of the user attributes', timeouts: STORE_TIMEOUTS.list }, (opts) =>
    paginateQuery(
      { client: doc },
      {
        TableName: table,
        IndexName: INDEX.directory,
        KeyConditionExpression: '#pk = :p',
        ExpressionAttributeNames: { '#pk': KEY.gsi2pk },
        ExpressionAttributeValues: { ':p': ATTR_DIRECTORY },
      },
      opts,
    ),
  );
  return items.map(fromItem);
}
