/** Train's grants for incremental training data: table exports, the exports/ and training/ prefixes, the table ARN. */
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config';
import { EXPORT_PREFIX } from '../../shared/storage/aws/export';
import { MODEL_PREFIX } from '../../shared/topology';
import { snapshotPrefixFor } from '../../shared/training/snapshot/load';
import { logicalId, roleActions, roleStatements, synth } from './synth';

describe('training data access (infra/constructs/training-data.ts)', () => {
  const { stack, template } = synth();
  const roleId = (name: 'Train' | 'Ingest' | 'Recommend') => logicalId(stack, stack.functions[name].role);
  const tableArn = { 'Fn::GetAtt': [logicalId(stack, stack.table.table), 'Arn'] };
  const bucketArn = { 'Fn::GetAtt': [logicalId(stack, stack.models.bucket), 'Arn'] };

  it('lets Train export its table, follow the export, and use only the exports and snapshot prefixes', () => {
    const statements = roleStatements(template, roleId('Train'));
    const sid = (s: string) => statements.find((x) => x.Sid === s);
    expect(sid('TableExport')).toMatchObject({ Action: 'dynamodb:ExportTableToPointInTime', Resource: tableArn });
    expect(sid('TableExportStatus')).toMatchObject({
      Action: 'dynamodb:DescribeExport',
      Resource: { 'Fn::Join': ['', [tableArn, '/export/*']] },
    });
    const objects = sid('TrainingDataObjects');
    expect(objects?.Action).toEqual(
      expect.arrayContaining(['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject', 's3:DeleteObject']),
    );
    expect(objects?.Resource).toEqual([
      { 'Fn::Join': ['', [bucketArn, `/${EXPORT_PREFIX}*`]] },
      { 'Fn::Join': ['', [bucketArn, `/${snapshotPrefixFor(MODEL_PREFIX)}*`]] },
    ]);
    // incremental reads fetch what the index names
    expect(roleActions(template, roleId('Train'))).toContain('dynamodb:BatchGetItem');
  });

  it("sets Train's ATTUNE_TABLE_ARN, and no other function can export", () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.functions.Train.fn)];
    expect(fn.Properties.Environment.Variables[ENV.tableArn]).toEqual(tableArn);
    for (const name of ['Ingest', 'Recommend'] as const) {
      const a = roleActions(template, roleId(name));
      expect(a).not.toContain('dynamodb:ExportTableToPointInTime');
      expect(a).not.toContain('dynamodb:DescribeExport');
    }
  });
});
