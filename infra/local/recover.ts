/**
 * What a local start finds left by a process that was killed: a training lease no one
 * will release. The lease lasts 30 minutes (ATTUNE_LEASE_SECONDS, sized for Lambda's
 * 15-minute limit), so a start after `npm start` died mid-training answered every
 * training "locked" for half an hour, and a first model never came. A process that
 * opened the home's stores itself holds LevelDB's lock on them: no other training can
 * be running against them, so any lease there is a dead run's.
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { KEY, keys } from '../../shared/storage/schema';

/** The lease name training takes (shared/training/job.ts and distributed/prepare.ts). */
const LEASE = 'train';

/** Deletes a lease left in stores this process owns; returns the dead run's id, or null. */
export async function releaseStaleLease(tableName: string, log?: (line: string) => void): Promise<string | null> {
  const doc = dynamoDocumentClient();
  const Key = { [KEY.pk]: keys.lease(LEASE), [KEY.sk]: keys.leaseSort };
  try {
    const got = await doc.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true }));
    const owner = got.Item?.owner as string | undefined;
    if (!got.Item || owner === undefined) return null;
    await doc.send(
      new DeleteCommand({
        TableName: tableName,
        Key,
        ConditionExpression: '#owner = :o',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':o': owner },
      }),
    );
    const at = typeof got.Item.acquiredAt === 'number' ? new Date(got.Item.acquiredAt).toISOString() : 'unknown';
    log?.(`released the training lease of run ${owner} (taken ${at}), left by a process that stopped mid-training`);
    return owner;
  } finally {
    doc.destroy();
  }
}
