/**
 * The model artifact bucket and the bucket receiving its server access logs.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type LifecycleRule } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ModelBucketProps {
  /** Key prefix of model artifacts, ending with '/'. */
  modelPrefix: string;
  removalPolicy: RemovalPolicy;
  /** Days a noncurrent (overwritten or deleted) version is kept. */
  noncurrentVersionDays: number;
  /** Backstop expiry of current objects under the model prefix; 0 disables. */
  modelExpirationDays: number;
}

/**
 * Both buckets: all public access blocked, TLS required by bucket policy,
 * SSE-S3 encryption, bucket-owner-enforced object ownership (no ACLs).
 * The model bucket is versioned (a bad publish can be rolled back) with
 * lifecycle rules that expire noncurrent versions and, as a backstop, model
 * versions Train failed to prune; it logs requests to the log bucket.
 */
export class ModelBucket extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;

  constructor(scope: Construct, id: string, props: ModelBucketProps) {
    super(scope, id);
    // Grant S3 log delivery by bucket policy rather than the legacy
    // LogDeliveryWrite ACL, which would force ACLs back on for the log bucket.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;

    this.logBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Server access log delivery supports SSE-S3 only, not SSE-KMS.
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: destroy,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(365) }],
    });
    // cdk-nag's S1 exempts a bucket that is another bucket's log destination.

    const lifecycleRules: LifecycleRule[] = [
      {
        id: 'NoncurrentVersions',
        noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
        expiredObjectDeleteMarker: true,
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ];
    if (props.modelExpirationDays > 0) {
      lifecycleRules.push({
        id: 'OldModelVersions',
        prefix: props.modelPrefix,
        expiration: Duration.days(props.modelExpirationDays),
      });
    }
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'models-bucket/',
      removalPolicy: props.removalPolicy,
      // Dev stacks only: lets `cdk destroy` empty the bucket instead of failing.
      autoDeleteObjects: destroy,
    });
  }
}
