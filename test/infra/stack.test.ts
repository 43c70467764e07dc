import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config';
import { TABLE_SCHEMA } from '../../shared/storage/schema';
import { FUNCTIONS, TRAIN_SCHEDULE, type FunctionName } from '../../shared/topology';
import { MODEL_PREFIX } from '../../shared/topology';
import { logicalId, roleActions, roleStatements, synth } from './synth';

const NAMES = Object.keys(FUNCTIONS) as FunctionName[];

describe('functions', () => {
  const { stack, template } = synth();
  const fnProps = (name: FunctionName) =>
    template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.functions[name].fn)].Properties;

  it('creates exactly the topology functions, with the shared runtime defaults', () => {
    const own = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Handler === 'index.handler',
    );
    expect(own).toHaveLength(NAMES.length);
    for (const name of NAMES) {
      const p = fnProps(name);
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.LoggingConfig.LogFormat).toBe('JSON');
      expect(p.LoggingConfig.LogGroup).toEqual({ Ref: logicalId(stack, stack.functions[name].logGroup) });
      expect(p.Description).toBe(FUNCTIONS[name].description);
      expect(p.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('sizes Ingest and Recommend from the topology and Train from context', () => {
    for (const name of ['Ingest', 'Recommend'] as const) {
      expect(fnProps(name).MemorySize).toBe(FUNCTIONS[name].memoryMb);
      expect(fnProps(name).Timeout).toBe(FUNCTIONS[name].timeoutSeconds);
      expect(fnProps(name).ReservedConcurrentExecutions).toBeUndefined();
    }
    expect(fnProps('Train').MemorySize).toBe(3008);
    expect(fnProps('Train').Timeout).toBe(900);
    expect(fnProps('Train').ReservedConcurrentExecutions).toBe(1);

    const custom = synth({ 'attune:trainMemoryMb': 4096, 'attune:trainTimeoutMinutes': '10' });
    const train = custom.template.findResources('AWS::Lambda::Function')[
      logicalId(custom.stack, custom.stack.functions.Train.fn)
    ].Properties;
    expect(train.MemorySize).toBe(4096);
    expect(train.Timeout).toBe(600);
  });

  it('sets the environment from the topology plus table, bucket, Powertools and auth', () => {
    const tableRef = { Ref: logicalId(stack, stack.table.table) };
    const bucketRef = { Ref: logicalId(stack, stack.models.bucket) };
    for (const name of NAMES) {
      const env = fnProps(name).Environment.Variables;
      const def = FUNCTIONS[name];
      for (const [k, v] of Object.entries(def.environment)) expect(env[k], `${name} ${k}`).toBe(v);
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('attune');
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('Attune');
      expect(env[ENV.table]).toEqual(tableRef);
      if (def.access.bucket === 'none') expect(env[ENV.bucket]).toBeUndefined();
      else expect(env[ENV.bucket]).toEqual(bucketRef);
      expect(env[ENV.authMode]).toBe('jwt');
      expect(env[ENV.adminGroup]).toBe('admin');
    }
  });

  it('lets context override the retention days the topology declares', () => {
    const s = synth({ 'attune:retentionDays': 400 });
    const ingest = s.template.findResources('AWS::Lambda::Function')[logicalId(s.stack, s.stack.functions.Ingest.fn)];
    expect(ingest.Properties.Environment.Variables[ENV.retentionDays]).toBe('400');
  });

  it('gives every function its own log group with retention, and no managed policies', () => {
    for (const name of NAMES) {
      const lg = template.findResources('AWS::Logs::LogGroup')[logicalId(stack, stack.functions[name].logGroup)];
      expect(lg.Properties.RetentionInDays).toBe(30);
      const role = template.findResources('AWS::IAM::Role')[logicalId(stack, stack.functions[name].role)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('IAM least privilege', () => {
  const { stack, template } = synth();
  const roleId = (name: FunctionName) => logicalId(stack, stack.functions[name].role);
  const actions = (name: FunctionName) => roleActions(template, roleId(name));
  const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

  it('never grants service-wide wildcards, and Resource "*" only for X-Ray', () => {
    for (const name of NAMES) {
      for (const st of roleStatements(template, roleId(name))) {
        const acts = Array.isArray(st.Action) ? st.Action : [st.Action];
        for (const a of acts) expect(a, `${name}: ${a}`).not.toMatch(/\*$/);
        if (st.Resource === '*') expect(acts.every((a) => a.startsWith('xray:'))).toBe(true);
      }
    }
  });

  it('Ingest: reads, writes and deletes in the table; no Scan; nothing in S3', () => {
    const a = actions('Ingest');
    for (const w of WRITES) expect(a).toContain(w);
    expect(a).toContain('dynamodb:Query');
    expect(a).not.toContain('dynamodb:Scan');
    expect(a.filter((x) => x.startsWith('s3:'))).toEqual([]);
  });

  it('Recommend: queries and reads the table, reads the model prefix, writes nothing', () => {
    const a = actions('Recommend');
    for (const w of WRITES) expect(a).not.toContain(w);
    expect(a).not.toContain('dynamodb:Scan');
    expect(a).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 's3:GetObject', 's3:ListBucket']));
    expect(a).not.toContain('s3:PutObject');
    expect(a).not.toContain('s3:DeleteObject');
  });

  it('Train: reads the table, writes only LEASE#*/RUN partitions, read/write/delete under the model prefix', () => {
    const statements = roleStatements(template, roleId('Train'));
    const a = actions('Train');
    expect(a).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:GetItem']));
    expect(a).not.toContain('dynamodb:BatchWriteItem');
    const writes = statements.filter((s) => ([] as string[]).concat(s.Action).some((x) => WRITES.includes(x)));
    expect(writes).toHaveLength(1);
    expect(writes[0].Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LEASE#*', 'RUN'] } });

    const bucketArn = { 'Fn::GetAtt': [logicalId(stack, stack.models.bucket), 'Arn'] };
    const objects = statements.find((s) => s.Sid === 'ModelObjects');
    expect(objects?.Action).toEqual(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']);
    expect(objects?.Resource).toEqual({ 'Fn::Join': ['', [bucketArn, `/${MODEL_PREFIX}*`]] });
    const list = statements.find((s) => s.Sid === 'ModelList');
    expect(list?.Resource).toEqual(bucketArn);
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': [`${MODEL_PREFIX}*`] } });
  });

  it('grants index reads on exactly the schema indexes (no index/* wildcard)', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack, stack.table.table), 'Arn'] };
    const expected = [...TABLE_SCHEMA.localIndexes, ...TABLE_SCHEMA.globalIndexes].map((i) => ({
      'Fn::Join': ['', [tableArn, `/index/${i.name}`]],
    }));
    for (const name of NAMES) {
      const idx = roleStatements(template, roleId(name)).find((s) => s.Sid === 'IndexRead');
      expect(idx?.Resource).toEqual(expected);
    }
  });
});

describe('interactions table', () => {
  it('is on-demand, PITR, KMS-encrypted, has the schema keys, indexes and TTL, and is retained', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled without a key: KMS with the AWS-managed aws/dynamodb key.
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
        DeletionProtectionEnabled: true,
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey.name, KeyType: 'RANGE' },
        ],
        LocalSecondaryIndexes: TABLE_SCHEMA.localIndexes.map((i) =>
          Match.objectLike({ IndexName: i.name, KeySchema: Match.arrayWith([{ AttributeName: i.sortKey.name, KeyType: 'RANGE' }]) }),
        ),
        GlobalSecondaryIndexes: TABLE_SCHEMA.globalIndexes.map((i) =>
          Match.objectLike({
            IndexName: i.name,
            KeySchema: [
              { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: i.sortKey.name, KeyType: 'RANGE' },
            ],
          }),
        ),
      }),
    });
  });

  it('is destroyed with a disposable dev stack (attune:retainData=false)', () => {
    const { template } = synth({ 'attune:retainData': 'false' });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('model bucket', () => {
  const { stack, template } = synth();
  const bucketId = logicalId(stack, stack.models.bucket);
  const logId = logicalId(stack, stack.models.logBucket);
  const buckets = template.findResources('AWS::S3::Bucket');

  it('blocks public access, encrypts and enforces TLS on both buckets', () => {
    for (const id of [bucketId, logId]) {
      const p = buckets[id].Properties;
      expect(p.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
      expect(p.OwnershipControls.Rules[0].ObjectOwnership).toBe('BucketOwnerEnforced');
      expect(buckets[id].DeletionPolicy).toBe('Retain');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('is versioned, logs to the log bucket, and expires noncurrent versions and old models', () => {
    const p = buckets[bucketId].Properties;
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logId }, LogFilePrefix: 'models-bucket/' });
    const rules = p.LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }));
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: MODEL_PREFIX, ExpirationInDays: 90, Status: 'Enabled' }));
    // Log delivery by bucket policy, scoped to the model bucket (no ACLs).
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } } }),
          }),
        ]),
      },
    });
  });
});

describe('training schedule', () => {
  it('targets Train on the topology schedule, with a retry policy and an encrypted TLS-only DLQ', () => {
    const { stack, template } = synth();
    const queueId = logicalId(stack, stack.schedule.deadLetterQueue);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: TRAIN_SCHEDULE,
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.functions.Train.fn), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' }),
        ]),
      },
    });
    // Failed runs are not retried by Lambda; they go to the same queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(stack, stack.functions.Train.fn) },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('takes a cron from context, with the period the staleness alarm needs', () => {
    const { template } = synth({ 'attune:trainSchedule': 'cron(0 3 * * ? *)', 'attune:trainPeriodMinutes': 1440 });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 * * ? *)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelAgeSeconds', Threshold: 3 * 86_400, Period: 86_400 });
    expect(() => synth({ 'attune:trainSchedule': 'cron(0 3 * * ? *)' })).toThrow(/trainPeriodMinutes/);
    expect(() => synth({ 'attune:trainSchedule': 'every hour' })).toThrow(/trainSchedule/);
  });
});

describe('alarms', () => {
  it('covers function errors and throttles, API 5xx rate and p99 latency, training failures, staleness, DLQ', () => {
    const { stack, template } = synth();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    for (const name of NAMES) {
      const fnRef = { Ref: logicalId(stack, stack.functions[name].fn) };
      for (const metric of ['Errors', 'Throttles']) {
        expect(
          alarms.some((a) => a.MetricName === metric && a.Namespace === 'AWS/Lambda' &&
            JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: fnRef }])),
          `${name} ${metric}`,
        ).toBe(true);
      }
    }
    const fiveXx = alarms.find((a) => a.Metrics?.some((m: { Expression?: string }) => m.Expression?.includes('errors / requests')));
    expect(fiveXx?.Threshold).toBe(1);
    expect(alarms.some((a) => a.MetricName === 'Latency' && a.ExtendedStatistic === 'p99' && a.Threshold === 1000)).toBe(true);
    const failures = alarms.find((a) => a.MetricName === 'TrainingFailures');
    expect(failures).toMatchObject({ Namespace: 'Attune', Dimensions: [{ Name: 'service', Value: 'attune' }], Threshold: 1 });
    const staleness = alarms.find((a) => a.MetricName === 'ModelAgeSeconds');
    expect(staleness).toMatchObject({
      Namespace: 'Attune',
      Dimensions: [{ Name: 'service', Value: 'attune' }],
      Statistic: 'Maximum',
      Threshold: 3 * 3600,
      Period: 3 * 3600,
      TreatMissingData: 'breaching',
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(true);
    // No topic unless an e-mail is configured.
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(alarms.every((a) => a.AlarmActions === undefined)).toBe(true);
  });

  it('notifies an encrypted, TLS-only topic when attune:alarmEmail is set', () => {
    const { stack, template } = synth({ 'attune:alarmEmail': 'ops@example.com' });
    const topicId = logicalId(stack, stack.alarms.topic!);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(8);
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});

describe('HTTP API stage', () => {
  it('logs JSON access records and throttles the default route from context', () => {
    const { template } = synth({ 'attune:throttleRate': 50, 'attune:throttleBurst': 75 });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0].Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 75 });
    const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      latency: '$context.responseLatency',
      routeKey: '$context.routeKey',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('has no CORS by default and exactly the configured origins otherwise', () => {
    const api = (t: ReturnType<typeof synth>) => Object.values(t.template.findResources('AWS::ApiGatewayV2::Api'))[0].Properties;
    expect(api(synth()).CorsConfiguration).toBeUndefined();
    const cors = api(synth({ 'attune:corsOrigins': 'https://app.example.com,https://admin.example.com' })).CorsConfiguration;
    expect(cors.AllowOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(cors.AllowHeaders).toEqual(['authorization', 'content-type']);
    expect(() => synth({ 'attune:corsOrigins': ['not a url'] })).toThrow(/corsOrigins/);
  });

  it('outputs the API URL, user pool and client ids, bucket and table names', () => {
    const { template } = synth();
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'BucketName', 'TableName', 'JwtIssuer']),
    );
  });
});
