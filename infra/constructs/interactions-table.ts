/**
 * The interactions table, built from the shared key schema.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { AttributeDef, TableSchema } from '../../shared/storage/schema';

export interface InteractionsTableProps {
  schema: TableSchema;
  /** RETAIN (default for real stages) or DESTROY (disposable dev stacks). */
  removalPolicy: RemovalPolicy;
}

const attr = (a: AttributeDef) => ({
  name: a.name,
  type: a.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * On-demand, point-in-time recovery, AWS-managed KMS encryption, TTL on the
 * schema's attribute, every index of the schema (all attributes projected
 * where the index serves whole events and catalog records, keys only where
 * it serves a key probe). When retained it is
 * also deletion-protected, so neither CloudFormation nor a console click can
 * drop the data.
 */
export class InteractionsTable extends Construct {
  readonly table: Table;
  /** Names of every index, for least-privilege index grants. */
  readonly indexNames: string[];

  constructor(scope: Construct, id: string, props: InteractionsTableProps) {
    super(scope, id);
    const { schema } = props;
    const retain = props.removalPolicy === RemovalPolicy.RETAIN;
    this.table = new Table(this, 'Table', {
      partitionKey: attr(schema.partitionKey),
      sortKey: attr(schema.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // AWS-managed key (aws/dynamodb): encrypted with KMS, auditable in CloudTrail,
      // no key to administer and no kms:* grants needed by the functions.
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: schema.ttlAttribute,
      removalPolicy: props.removalPolicy,
      deletionProtection: retain,
    });
    for (const lsi of schema.localIndexes) {
      if (lsi.partitionKey.name !== schema.partitionKey.name) {
        throw new Error(`local index ${lsi.name} must share the table's partition key`);
      }
      this.table.addLocalSecondaryIndex({
        indexName: lsi.name,
        sortKey: attr(lsi.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
    for (const gsi of schema.globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.name,
        partitionKey: attr(gsi.partitionKey),
        sortKey: attr(gsi.sortKey),
        ...(gsi.projection === 'include'
          ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...(gsi.include ?? [])] }
          : { projectionType: gsi.projection === 'keys' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL }),
      });
    }
    this.indexNames = [...schema.localIndexes, ...schema.globalIndexes].map((i) => i.name);
  }
}
