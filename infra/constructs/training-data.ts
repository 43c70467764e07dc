/**
 * What a function needs to read training data the incremental way
 * (docs/training.md): the table's ARN, to start and follow point-in-time
 * exports of it (full rebuilds), and read/write on the bucket's `exports/`
 * prefix (the export's files, deleted after the read) and on the training
 * snapshot's prefix beside the models. Train has it; a state machine's
 * prepare step that reads training data would get the same call.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { ENV } from '../../shared/config';
import { EXPORT_PREFIX } from '../../shared/storage/aws/export';
import { snapshotPrefixFor } from '../../shared/training/snapshot/load';
import type { AttuneFunction } from './attune-function';

export function grantTrainingData(fn: AttuneFunction, table: ITable, bucket: IBucket, modelPrefix: string): void {
  fn.fn.addEnvironment(ENV.tableArn, table.tableArn);
  const snapshots = snapshotPrefixFor(modelPrefix);
  fn.accessPolicy.addStatements(
    new iam.PolicyStatement({
      sid: 'TableExport',
      actions: ['dynamodb:ExportTableToPointInTime'],
      resources: [table.tableArn],
    }),
    new iam.PolicyStatement({
      sid: 'TableExportStatus',
      actions: ['dynamodb:DescribeExport'],
      resources: [`${table.tableArn}/export/*`],
    }),
    // DynamoDB writes the export with the caller's permissions (multipart uploads, object ACL).
    new iam.PolicyStatement({
      sid: 'TrainingDataObjects',
      actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectAcl', 's3:AbortMultipartUpload', 's3:DeleteObject'],
      resources: [bucket.arnForObjects(`${EXPORT_PREFIX}*`), bucket.arnForObjects(`${snapshots}*`)],
    }),
  );
  const why = (what: string) =>
    `${what} are named at run time, so they cannot be listed in advance; the wildcard is confined to ` +
    'the one table or one prefix of the one model bucket.';
  Validations.of(fn.accessPolicy).acknowledge(
    { id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(table)}.Arn>/export/*]`, reason: why('Table exports') },
    {
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/${EXPORT_PREFIX}*]`,
      reason: why(`Export files under ${EXPORT_PREFIX}`),
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/${snapshots}*]`,
      reason: why(`Training snapshots under ${snapshots}`),
    },
  );
}

/** cdk-nag names a resource in a finding by its CloudFormation logical id. */
function logicalIdOf(resource: ITable | IBucket): string {
  const child = resource.node.defaultChild;
  if (!child) throw new Error('grantTrainingData needs a table and bucket defined in this app');
  return Stack.of(resource).getLogicalId(child as CfnElement);
}
