import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config';
import { TABLE_SCHEMA } from '../../shared/storage/schema';
import { FUNCTIONS, ROUTES, TRAIN_SCHEDULE, type FunctionName } from '../../shared/topology';
import { MODEL_PREFIX } from '../../shared/topology';
import { stalenessWindow } from '../../infra/constructs/alarms';
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
      expect(p.Runtime).toBe('nodejs24.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.LoggingConfig.LogFormat).toBe('JSON');
      expect(p.LoggingConfig.LogGroup).toEqual({ Ref: logicalId(stack, stack.functions[name].logGroup) });
      expect(p.Description).toBe(FUNCTIONS[name].description);
      // Measured: source maps double Recommend's init CPU (docs/deploy.md); the maps ship for offline decoding.
      expect(p.Environment.Variables.NODE_OPTIONS).toBeUndefined();
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
    const train =
      custom.template.findResources('AWS::Lambda::Function')[logicalId(custom.stack, custom.stack.functions.Train.fn)]
        .Properties;
    expect(train.MemorySize).toBe(4096);
    expect(train.Timeout).toBe(600);
    // The budget follows the timeout: (600 s - 120 s reserved) / 1.5.
    expect(train.Environment.Variables[ENV.trainBudgetSeconds]).toBe('320');
    expect(fnProps('Train').Environment.Variables[ENV.trainBudgetSeconds]).toBe('520');
  });

  it('rejects a training budget the timeout cannot hold, and a timeout with no room to train', () => {
    expect(() => synth({ 'attune:trainTimeoutMinutes': 10, 'attune:trainBudgetSeconds': 600 })).toThrow(
      /trainBudgetSeconds=600 does not fit attune:trainTimeoutMinutes=10.*at most 320 s/,
    );
    expect(() => synth({ 'attune:trainTimeoutMinutes': 3 })).not.toThrow();
    expect(() => synth({ 'attune:trainTimeoutMinutes': 1 })).toThrow(/no training time/);
    const s = synth({ 'attune:trainBudgetSeconds': '300' });
    const env =
      s.template.findResources('AWS::Lambda::Function')[logicalId(s.stack, s.stack.functions.Train.fn)].Properties
        .Environment.Variables;
    expect(env[ENV.trainBudgetSeconds]).toBe('300');
  });

  it('names the key of an invalid or unknown setting', () => {
    expect(() => synth({ 'attune:trainMemoryMb': 'lots' })).toThrow(/attune:trainMemoryMb/);
    expect(() => synth({ 'attune:trainMemoryMB': 4096 })).toThrow(/attune:trainMemoryMB/);
    expect(() => synth({ 'attune:logLevel': 'LOUD' })).toThrow(/attune:logLevel/);
    expect(() => synth({ 'attune:routeThrottles': '{"GET /nope": {"rate": 1, "burst": 1}}' })).toThrow(
      /routeThrottles/,
    );
  });

  it('sets log level and debug sampling from context', () => {
    const s = synth({ 'attune:logLevel': 'warn', 'attune:logSampleRate': '0.05' });
    for (const name of NAMES) {
      const env =
        s.template.findResources('AWS::Lambda::Function')[logicalId(s.stack, s.stack.functions[name].fn)].Properties
          .Environment.Variables;
      expect(env.POWERTOOLS_LOG_LEVEL).toBe('WARN');
      expect(env.POWERTOOLS_LOGGER_SAMPLE_RATE).toBe('0.05');
    }
    expect(fnProps('Ingest').Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    expect(fnProps('Ingest').Environment.Variables.POWERTOOLS_LOGGER_SAMPLE_RATE).toBe('0');
  });

  it('sets the environment from the topology plus table, bucket, Powertools and auth', () => {
    const tableRef = { Ref: logicalId(stack, stack.table.table) };
    const bucketRef = { Ref: logicalId(stack, stack.models.bucket) };
    for (const name of NAMES) {
      const env = fnProps(name).Environment.Variables;
      const def = FUNCTIONS[name];
      for (const [k, v] of Object.entries(def.environment)) {
        // The budget is derived from the timeout (here the default 15 minutes gives the topology's value).
        expect(env[k], `${name} ${k}`).toBe(v);
      }
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

  it('Ingest: reads, writes and deletes in the table; no Scan; only reads the model prefix', () => {
    const a = actions('Ingest');
    for (const w of WRITES) expect(a).toContain(w);
    expect(a).toContain('dynamodb:Query');
    expect(a).not.toContain('dynamodb:Scan');
    // PUT /experiments checks that a pinned model version is published
    expect(a.filter((x) => x.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
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
    expect(objects?.Action).toEqual(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']);
    expect(objects?.Resource).toEqual({ 'Fn::Join': ['', [bucketArn, `/${MODEL_PREFIX}*`]] });
    // No s3:prefix condition: a GetObject carries none, so S3 would answer a missing key 403, not 404.
    const list = statements.find((s) => s.Sid === 'ModelList');
    expect(list?.Resource).toEqual(bucketArn);
    expect(list?.Action).toEqual('s3:ListBucket');
    expect(list?.Condition).toBeUndefined();
  });

  it('Ingest: writes only user, catalog, experiment and rule partitions (dynamodb:LeadingKeys)', () => {
    const writes = roleStatements(template, roleId('Ingest')).filter((s) => s.Sid === 'TableWrite');
    expect(writes).toHaveLength(1);
    expect(writes[0].Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['U#*', 'I#*', 'X#*', 'RULES'] },
    });
  });

  it('grants Query on exactly the indexes each function queries (no index/* wildcard)', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack, stack.table.table), 'Arn'] };
    const arn = (name: string) => ({ 'Fn::Join': ['', [tableArn, `/index/${name}`]] });
    const expected: Record<FunctionName, string[]> = {
      Ingest: ['ByUserTime'],
      Recommend: ['ByUserTime', 'Directory'],
      Train: ['ByReceived', 'ByReceivedEvents', 'Directory'],
      TrainControl: ['ByReceived', 'ByReceivedEvents', 'Directory'],
      TrainShard: [],
    };
    for (const name of NAMES) {
      const idx = roleStatements(template, roleId(name)).find((s) => s.Sid === 'IndexRead');
      if (expected[name].length === 0) {
        expect(idx, name).toBeUndefined();
        continue;
      }
      const resources = ([] as unknown[]).concat(idx?.Resource);
      expect(resources, name).toEqual(expected[name].map(arn));
      expect(idx?.Action, name).toEqual('dynamodb:Query');
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
          Match.objectLike({
            IndexName: i.name,
            KeySchema: Match.arrayWith([{ AttributeName: i.sortKey.name, KeyType: 'RANGE' }]),
          }),
        ),
        GlobalSecondaryIndexes: TABLE_SCHEMA.globalIndexes.map((i) =>
          Match.objectLike({
            IndexName: i.name,
            KeySchema: [
              { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: i.sortKey.name, KeyType: 'RANGE' },
            ],
            // ByReceived serves training's key probe only (ProjectionExpression: its partition key).
            Projection:
              i.name === 'ByReceived'
                ? { ProjectionType: 'KEYS_ONLY' }
                : i.name === 'ByReceivedEvents'
                  ? { ProjectionType: 'INCLUDE', NonKeyAttributes: Match.anyValue() }
                  : { ProjectionType: 'ALL' },
          }),
        ),
      }),
    });
  });

  it('ByReceivedEvents projects every attribute a delta read and the online job ask of it (no BatchGetItem)', () => {
    const { template } = synth();
    const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0] as any;
    const gsi = table.Properties.GlobalSecondaryIndexes.find((g: any) => g.IndexName === 'ByReceivedEvents');
    expect(gsi.KeySchema).toEqual([
      { AttributeName: 'GSI1PK', KeyType: 'HASH' },
      { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
    ]);
    expect(gsi.Projection.ProjectionType).toBe('INCLUDE');
    expect([...gsi.Projection.NonKeyAttributes].sort()).toEqual(
      [
        'eventId',
        'itemId',
        'modelVersion',
        'position',
        'receivedAt',
        'recommendationId',
        'timestamp',
        'type',
        'userId',
        'value',
        'variant',
      ].sort(),
    );
    // the old keys-only index stays beside it for this release (one GSI created per CloudFormation update)
    expect(table.Properties.GlobalSecondaryIndexes.map((g: any) => g.IndexName)).toEqual(
      expect.arrayContaining(['ByReceived', 'ByReceivedEvents']),
    );
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
      expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
        'AES256',
      );
      expect(p.OwnershipControls.Rules[0].ObjectOwnership).toBe('BucketOwnerEnforced');
      expect(buckets[id].DeletionPolicy).toBe('Retain');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
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
    expect(rules).toContainEqual(
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: MODEL_PREFIX, ExpirationInDays: 90, Status: 'Enabled' }),
    );
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
  it('synthesizes without a region or account (environment-agnostic)', () => {
    const { stack } = synth();
    expect(stack.region).toMatch(/^\$\{Token/);
    expect(stack.account).toMatch(/^\$\{Token/);
    expect(JSON.stringify(stack.resolve(synth().template.toJSON()))).not.toMatch(/us-east-1|eu-west-1/);
  });

  it('targets the state machine on the topology schedule, with a retry policy and an encrypted TLS-only DLQ', () => {
    const { stack, template } = synth();
    const queueId = logicalId(stack, stack.schedule.deadLetterQueue);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: TRAIN_SCHEDULE,
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          // The state machine (its Tasks invoke the live aliases: what was deployed last, never $LATEST).
          Arn: { Ref: logicalId(stack, stack.workflow.stateMachine) },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
          }),
        ]),
      },
    });
    // Failed runs are not retried by Lambda; they go to the same queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(stack, stack.functions.Train.fn) },
      // The alias name, taken from its ARN.
      Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: logicalId(stack, stack.functions.Train.alias) }] }] },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('takes a cron from context, with the period the staleness alarm needs', () => {
    const { template } = synth({ 'attune:trainSchedule': 'cron(0 3 * * ? *)', 'attune:trainPeriodMinutes': 1440 });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 * * ? *)' });
    // One alarm period per daily run, three of them (CloudWatch allows up to seven days).
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TrainingSucceeded',
      Threshold: 1,
      Period: 86_400,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    expect(() => synth({ 'attune:trainSchedule': 'cron(0 3 * * ? *)' })).toThrow(/trainPeriodMinutes/);
    expect(() => synth({ 'attune:trainSchedule': 'every hour' })).toThrow(/trainSchedule/);
  });
});

describe('alarms', () => {
  const { stack, template } = synth();
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const app = (name: string) => alarms.find((a) => a.MetricName === name && a.Namespace === 'Attune');

  it('covers function errors/throttles, API 5xx and p99, table throttles, training, serving', () => {
    for (const name of NAMES) {
      const fnRef = { Ref: logicalId(stack, stack.functions[name].fn) };
      for (const metric of ['Errors', 'Throttles']) {
        expect(
          alarms.some(
            (a) =>
              a.MetricName === metric &&
              a.Namespace === 'AWS/Lambda' &&
              JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: fnRef }]),
          ),
          `${name} ${metric}`,
        ).toBe(true);
      }
    }
    const fiveXx = alarms.find((a) =>
      a.Metrics?.some((m: { Expression?: string }) => m.Expression?.includes('errors / requests')),
    );
    expect(fiveXx?.Threshold).toBe(1);
    expect(
      alarms.some((a) => a.MetricName === 'Latency' && a.ExtendedStatistic === 'p99' && a.Threshold === 1000),
    ).toBe(true);
    const throttles = alarms.find((a) =>
      a.Metrics?.some((m: { Expression?: string }) => m.Expression === 'reads + writes'),
    );
    const names = throttles?.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName);
    expect(names?.sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    expect(app('TrainingFailures')).toMatchObject({ Dimensions: [{ Name: 'service', Value: 'attune' }], Threshold: 1 });
    expect(app('RefusedModelVersions')).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
    expect(app('Misconfigurations')).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
    expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(true);
  });

  it('alarms when Train runs past 80% of its timeout', () => {
    const duration = alarms.find(
      (a) =>
        a.MetricName === 'Duration' &&
        JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.functions.Train.fn) } }]),
    );
    expect(duration).toMatchObject({
      Statistic: 'Maximum',
      Threshold: 720_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('staleness: no successful run (published or nothing new) in N periods, missing data breaching', () => {
    expect(app('TrainingSucceeded')).toMatchObject({
      Dimensions: [{ Name: 'service', Value: 'attune' }],
      Statistic: 'Sum',
      Threshold: 1,
      Period: 3600,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      ComparisonOperator: 'LessThanThreshold',
    });
    // Within CloudWatch's limits: a day for periods under an hour, else seven days.
    expect(stalenessWindow(300, 3)).toEqual({ periodSeconds: 300, evaluationPeriods: 3 });
    expect(stalenessWindow(300, 1000)).toEqual({ periodSeconds: 300, evaluationPeriods: 288 });
    expect(stalenessWindow(7 * 86_400, 3)).toEqual({ periodSeconds: 86_400, evaluationPeriods: 7 });
    // Model age is a dashboard line, not an alarm: an idle system's model ages and is healthy.
    expect(alarms.some((a) => a.MetricName === 'ModelAgeSeconds')).toBe(false);
  });

  it('always notifies one encrypted, TLS-only topic (alarm and OK) and outputs its ARN', () => {
    const topicId = logicalId(stack, stack.alarms.topic);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // per function errors and throttles; 9 more; the training state machine's failed and timed-out executions
    expect(alarms.length).toBe(NAMES.length * 2 + 9 + 2);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.OKActions).toEqual([{ Ref: topicId }]);
    }
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(template.findOutputs('AlarmTopicArn').AlarmTopicArn.Value).toEqual({ Ref: topicId });
  });

  it('subscribes the e-mail address when attune:alarmEmail is set', () => {
    const { template: t } = synth({ 'attune:alarmEmail': 'ops@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('dashboard', () => {
  it('shows the API, every function, the table, training and serving metrics, and every alarm', () => {
    const { stack, template } = synth();
    const [dash] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dash.Properties.DashboardBody);
    for (const metric of [
      'Count',
      '5xx',
      '4xx',
      'Latency',
      'Errors',
      'Throttles',
      'Duration',
      'ReadThrottleEvents',
      'WriteThrottleEvents',
      'TrainingRuns',
      'ModelPublished',
      'TrainingSucceeded',
      'TrainingFailures',
      'ModelNdcg10',
      'TrainingSeconds',
      'ModelAgeSeconds',
      'Answers',
      'CoreLatency',
      'EventsAccepted',
      'ColdStart',
      'OnlineImpressions',
      'OnlineExposureGini',
      'OnlineExposureCoverage',
      'OnlineLongTailShare',
    ]) {
      expect(body, metric).toContain(`\\"${metric}\\"`);
    }
    for (const name of NAMES) expect(body).toContain(logicalId(stack, stack.functions[name].fn));
    expect(body).toContain('alarms');
  });
});

describe('safe rollout', () => {
  const { stack, template } = synth();

  it('publishes a version per function behind a live alias that the API and the schedule invoke', () => {
    for (const name of NAMES) {
      template.hasResourceProperties('AWS::Lambda::Alias', {
        Name: 'live',
        FunctionName: { Ref: logicalId(stack, stack.functions[name].fn) },
        FunctionVersion: Match.anyValue(),
      });
    }
    template.resourceCountIs('AWS::Lambda::Version', NAMES.length);
    for (const integration of Object.values(template.findResources('AWS::ApiGatewayV2::Integration'))) {
      const alias = integration.Properties.IntegrationUri.Ref as string;
      expect(template.findResources('AWS::Lambda::Alias')[alias], alias).toBeDefined();
    }
  });

  it('shifts Ingest and Recommend by CodeDeploy canary (10% for 5 minutes), rolling back on the API alarms', () => {
    const groups = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup')).map((g) => g.Properties);
    expect(groups).toHaveLength(2);
    const alarmName = (a: { alarm: object }) => ({ Name: { Ref: logicalId(stack, a.alarm as never) } });
    for (const g of groups) {
      expect(g.DeploymentConfigName).toEqual(expect.stringContaining('Canary10Percent5Minutes'));
      expect(g.AutoRollbackConfiguration).toEqual({
        Enabled: true,
        Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
      });
      expect(g.AlarmConfiguration.Enabled).toBe(true);
      expect(g.AlarmConfiguration.Alarms).toEqual(
        expect.arrayContaining([
          alarmName({ alarm: stack.alarms.api5xx }),
          alarmName({ alarm: stack.alarms.apiLatency }),
        ]),
      );
    }
    for (const name of ['Ingest', 'Recommend'] as const) {
      const alias = template.findResources('AWS::Lambda::Alias')[logicalId(stack, stack.functions[name].alias)];
      expect(alias.UpdatePolicy.CodeDeployLambdaAliasUpdate).toBeDefined();
    }
    const train = template.findResources('AWS::Lambda::Alias')[logicalId(stack, stack.functions.Train.alias)];
    expect(train.UpdatePolicy).toBeUndefined();
  });

  it('provisions concurrency for Recommend only when asked', () => {
    const aliases = () => Object.values(template.findResources('AWS::Lambda::Alias'));
    expect(aliases().every((a) => a.Properties.ProvisionedConcurrencyConfig === undefined)).toBe(true);
    const s = synth({ 'attune:recommendProvisionedConcurrency': 2, 'attune:deploymentConfig': 'AllAtOnce' });
    s.template.hasResourceProperties('AWS::Lambda::Alias', {
      FunctionName: { Ref: logicalId(s.stack, s.stack.functions.Recommend.fn) },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    const configs = Object.values(s.template.findResources('AWS::CodeDeploy::DeploymentGroup')).map(
      (g) => g.Properties.DeploymentConfigName,
    );
    expect(configs.every((c) => JSON.stringify(c).includes('AllAtOnce'))).toBe(true);
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
    // The route key, never the path (it holds user ids); no IP, no user agent.
    const values = Object.values(format).join(' ');
    for (const banned of [
      '$context.path',
      'sourceIp',
      'userAgent',
      '$context.identity',
      '$context.authorizer.claims',
    ]) {
      expect(values).not.toContain(banned);
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('throttles every route with its own documented default, overridable per route', () => {
    const { template } = synth({ 'attune:routeThrottles': '{"POST /events": {"rate": 7, "burst": 9}}' });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const settings = stage.Properties.RouteSettings as Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    >;
    expect(Object.keys(settings).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(settings['POST /events']).toEqual({ ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 });
    expect(settings['DELETE /users/{userId}']).toEqual({ ThrottlingRateLimit: 2, ThrottlingBurstLimit: 5 });
    expect(settings['GET /health']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    // Route settings need the routes to exist first.
    expect(stage.DependsOn?.length).toBeGreaterThanOrEqual(ROUTES.length);
  });

  it('has no CORS by default and exactly the configured origins otherwise', () => {
    const api = (t: ReturnType<typeof synth>) =>
      Object.values(t.template.findResources('AWS::ApiGatewayV2::Api'))[0].Properties;
    expect(api(synth()).CorsConfiguration).toBeUndefined();
    const cors = api(
      synth({ 'attune:corsOrigins': 'https://app.example.com,https://admin.example.com' }),
    ).CorsConfiguration;
    expect(cors.AllowOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(cors.AllowHeaders).toEqual(['authorization', 'content-type']);
    expect(() => synth({ 'attune:corsOrigins': ['not a url'] })).toThrow(/corsOrigins/);
  });

  it('outputs the API URL, user pool and client ids, bucket and table names', () => {
    const { template } = synth();
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'UserPoolId',
        'UserPoolClientId',
        'AdminClientId',
        'TokenEndpoint',
        'BucketName',
        'TableName',
        'JwtIssuer',
        'AlarmTopicArn',
        'DashboardName',
        'TrainFunctionName',
      ]),
    );
  });
});
