/**
 * One Lambda function with Attune's shared defaults, and `bind…` helpers that
 * turn an access level into the smallest IAM statements that allow it.
 */
import { type Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Alias, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { Charset, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Table access levels (same names as topology's `access.table`). */
export type TableAccess = 'none' | 'read' | 'query' | 'readWrite' | 'readWriteDelete';
/** Bucket access levels (same names as topology's `access.bucket`). */
export type BucketAccess = 'none' | 'read' | 'readWrite';

const POINT_AND_RANGE_READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];

/**
 * DynamoDB actions per access level. Deliberately explicit (no `grantReadData`,
 * which adds Scan, ConditionCheckItem, DescribeTable and stream reads):
 * - query: point and range reads, the request path's reads.
 * - read: plus Scan, for full passes over the log (training).
 * - readWrite: plus single-item writes (Put/Update/Delete), e.g. leases and run records.
 * - readWriteDelete: request-path reads plus item and batch writes and deletes
 *   (ingestion of up to 100 events, erasure); no Scan from the request path.
 */
export const TABLE_ACTIONS: Record<Exclude<TableAccess, 'none'>, { read: string[]; write: string[] }> = {
  query: { read: POINT_AND_RANGE_READS, write: [] },
  read: { read: [...POINT_AND_RANGE_READS, 'dynamodb:Scan'], write: [] },
  readWrite: {
    read: [...POINT_AND_RANGE_READS, 'dynamodb:Scan'],
    write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  },
  readWriteDelete: {
    read: POINT_AND_RANGE_READS,
    write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
  },
};

/** Shared esbuild settings; exported so a test can assert them. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

export interface AttuneFunctionProps {
  /** Absolute path of the handler module (it exports `handler`). */
  entry: string;
  /** Absolute path of the repository root (esbuild's working directory). */
  projectRoot: string;
  /** Absolute path of package-lock.json. */
  depsLockFilePath: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** Removal policy of the function's log group. */
  logRemovalPolicy: RemovalPolicy;
  reservedConcurrentExecutions?: number;
  /** Provisioned concurrency of the `live` alias; 0 or absent provisions nothing. */
  provisionedConcurrency?: number;
}

/** The alias every caller (API, schedule) invokes; CodeDeploy shifts it between versions. */
export const LIVE_ALIAS = 'live';

/**
 * Runtime and packaging, chosen by measurement (docs/deploy.md, "Runtime"):
 * Node.js 24; the AWS SDK bundled (one tested version, and less init CPU than
 * loading the runtime's copy from disk); no --enable-source-maps (it adds init
 * CPU on every cold start; source maps ship in the asset for offline decoding).
 */
export const RUNTIME = Runtime.NODEJS_24_X;
export const ESBUILD_TARGET = 'node24';

/**
 * A NodejsFunction bundled by the local esbuild (never Docker): ESM with a
 * createRequire banner (bundled CommonJS dependencies still call require),
 * minified, source maps, Node.js 24 on arm64, its own log group with
 * retention, X-Ray active tracing, a role that starts with nothing but its
 * log group and tracing, and a published version behind the `live` alias.
 */
export class AttuneFunction extends Construct {
  readonly fn: NodejsFunction;
  /** What callers invoke: the current version, shifted by CodeDeploy on deploys. */
  readonly alias: Alias;
  readonly role: iam.Role;
  readonly logGroup: LogGroup;
  /** Holds the statements added by the bind helpers, apart from CDK's defaults. */
  readonly accessPolicy: iam.Policy;

  constructor(scope: Construct, id: string, props: AttuneFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // Own role instead of the default one: the default attaches the managed
    // AWSLambdaBasicExecutionRole (logs:* on every log group of the account).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Attune ${id} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: props.depsLockFilePath,
      description: props.description,
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: props.environment,
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Shipped for decoding stack traces offline; keeps the .map small (file/line only).
        sourcesContent: false,
        // Bundle the SDK: the version tested, and a cheaper init than the runtime's copy (measured).
        bundleAwsSDK: true,
        externalModules: [],
        banner: ESM_REQUIRE_BANNER,
        charset: Charset.UTF8,
        logLevel: LogLevel.WARNING,
        forceDockerBundling: false,
      },
    });
    this.alias = new Alias(this, 'Live', {
      aliasName: LIVE_ALIAS,
      version: this.fn.currentVersion,
      provisionedConcurrentExecutions: props.provisionedConcurrency || undefined,
    });
    this.accessPolicy = new iam.Policy(this, 'Access', { roles: [this.role] });
    // The function must not run before its grants exist.
    this.fn.node.addDependency(this.accessPolicy);

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only X-Ray active tracing lands in this default policy with Resource "*": xray:PutTraceSegments and ' +
        'xray:PutTelemetryRecords do not support resource-level permissions. Table and bucket grants live in the ' +
        'separate Access policy, which is checked without this acknowledgement.',
    });
  }

  /**
   * Grants the DynamoDB actions of an access level on the table and, for
   * reads, on exactly the indexes the function queries (no `index/*` wildcard).
   * @param writeLeadingKeys when given, writes are allowed only on items whose
   *   partition key matches one of these patterns (`dynamodb:LeadingKeys`).
   */
  bindTable(table: ITable, access: TableAccess, indexNames: string[], writeLeadingKeys?: string[]): void {
    if (access === 'none') return;
    const { read, write } = TABLE_ACTIONS[access];
    const indexArns = indexNames.map((name) => `${table.tableArn}/index/${name}`);
    this.accessPolicy.addStatements(
      new iam.PolicyStatement({ sid: 'TableRead', actions: read, resources: [table.tableArn] }),
    );
    if (indexArns.length > 0) {
      // Only Query is used on an index (GetItem/BatchGetItem do not apply; nothing scans an index).
      const indexActions = read.filter((a) => a === 'dynamodb:Query');
      this.accessPolicy.addStatements(
        new iam.PolicyStatement({ sid: 'IndexRead', actions: indexActions, resources: indexArns }),
      );
    }
    if (write.length > 0) {
      this.accessPolicy.addStatements(
        new iam.PolicyStatement({
          sid: 'TableWrite',
          actions: write,
          resources: [table.tableArn],
          conditions: writeLeadingKeys
            ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': writeLeadingKeys } }
            : undefined,
        }),
      );
    }
    table.encryptionKey?.grantEncryptDecrypt(this.role);
  }

  /**
   * Grants access to objects under `prefix` in the model bucket, and
   * ListBucket on the bucket. Without ListBucket S3 answers a GetObject of a
   * missing key with 403 instead of 404, and "no model yet" must be a 404. An
   * `s3:prefix` condition would not help: a GetObject carries no prefix, so S3
   * would still answer 403. The bucket holds only models, so listing it
   * discloses nothing else.
   */
  bindModelBucket(bucket: IBucket, prefix: string, access: BucketAccess): void {
    if (access === 'none') return;
    if (!prefix.endsWith('/')) throw new Error(`model prefix must end with "/": ${prefix}`);
    // a streamed write (ModelStore.putParts) is a multipart upload: PutObject covers its parts, and a failed
    // one is aborted at once rather than left to the bucket's lifecycle rule
    const writes = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];
    const objectActions = access === 'read' ? ['s3:GetObject'] : writes;
    const objects = bucket.arnForObjects(`${prefix}*`);
    this.accessPolicy.addStatements(
      new iam.PolicyStatement({ sid: 'ModelObjects', actions: objectActions, resources: [objects] }),
      new iam.PolicyStatement({ sid: 'ModelList', actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
    bucket.encryptionKey?.grantEncryptDecrypt(this.role);
    Validations.of(this.accessPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalIdHint(bucket)}.Arn>/${prefix}*]`,
      reason:
        `Object keys under ${prefix} are model versions named at training time, so they cannot be listed in ` +
        'advance; the wildcard is confined to the model prefix of the one model bucket.',
    });
  }
}

/** cdk-nag names a resource in a finding by the CloudFormation logical id of the bucket. */
function bucketLogicalIdHint(bucket: IBucket): string {
  const child = bucket.node.defaultChild;
  if (!child) throw new Error('bindModelBucket needs a bucket defined in this app');
  return bucket.stack.getLogicalId(child as never) as string;
}
