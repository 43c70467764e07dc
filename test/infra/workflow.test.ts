/**
 * The training state machine as synthesized: the shared definition with the
 * function aliases substituted, the schedule's target, logging and tracing,
 * least-privilege IAM for the machine and its step functions, and alarms.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TRAINING_WORKFLOW, WORKFLOW_PREFIX } from '../../shared/topology';
import { WORKFLOW_ARNS, trainingWorkflow } from '../../shared/workflow/definition';
import { logicalId, roleActions, roleStatements, synth } from './synth';

describe('training state machine (CDK)', () => {
  const { stack, template } = synth();
  const smId = logicalId(stack, stack.workflow.stateMachine);
  const sm = template.findResources('AWS::StepFunctions::StateMachine')[smId]!.Properties;
  const aliasRef = (name: keyof typeof stack.functions) => ({ Ref: logicalId(stack, stack.functions[name].alias) });

  it('deploys exactly the shared definition, with the three live aliases substituted', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    const expected = trainingWorkflow({
      maxConcurrency: TRAINING_WORKFLOW.maxConcurrency,
      shardRetries: TRAINING_WORKFLOW.shardRetries,
    });
    expect(JSON.parse(sm.DefinitionString)).toEqual(expected);
    expect(sm.DefinitionSubstitutions).toEqual({
      [WORKFLOW_ARNS.single]: aliasRef('Train'),
      [WORKFLOW_ARNS.control]: aliasRef('TrainControl'),
      [WORKFLOW_ARNS.shard]: aliasRef('TrainShard'),
    });
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.LoggingConfiguration.Level).toBe('ALL');
  });

  it('is what the schedule starts, through a role that may start only it', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: { Ref: smId }, RoleArn: Match.anyValue() })],
    });
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0]!;
    const roleId = rule.Properties.Targets[0].RoleArn['Fn::GetAtt'][0] as string;
    const st = roleStatements(template, roleId);
    expect(st).toHaveLength(1);
    expect(st[0]).toMatchObject({ Action: 'states:StartExecution', Resource: { Ref: smId } });
  });

  it("the machine's role invokes the three aliases, and starts and watches only its own child executions", () => {
    const roleId = logicalId(stack, stack.workflow.stateMachine.role);
    const st = roleStatements(template, roleId);
    const invoke = st.filter((s) => ([] as string[]).concat(s.Action).includes('lambda:InvokeFunction'));
    const targets = invoke.flatMap((s) => ([] as unknown[]).concat(s.Resource));
    for (const name of ['Train', 'TrainControl', 'TrainShard'] as const) expect(targets).toContainEqual(aliasRef(name));
    // nothing but the aliases, never a function's $LATEST
    const aliases = (['Train', 'TrainControl', 'TrainShard'] as const).map(aliasRef);
    expect(targets.filter((t) => !aliases.some((a) => JSON.stringify(a) === JSON.stringify(t)))).toEqual([]);
    const actions = roleActions(template, roleId);
    expect(new Set(actions)).toEqual(
      new Set([
        'lambda:InvokeFunction',
        'states:StartExecution',
        'states:DescribeExecution',
        'states:StopExecution',
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
      ]),
    );
    const children = st.find((s) => ([] as string[]).concat(s.Action).includes('states:DescribeExecution'));
    expect(JSON.stringify(children?.Resource)).toContain(`:execution:${stack.stackName}-Training/*`);
  });

  it('TrainShard touches only the run scratch: no table, no published model', () => {
    const roleId = logicalId(stack, stack.functions.TrainShard.role);
    const actions = roleActions(template, roleId);
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    const objects = roleStatements(template, roleId).find((s) => s.Sid === 'ModelObjects');
    expect(JSON.stringify(objects?.Resource)).toContain(`/${WORKFLOW_PREFIX}*`);
    expect(JSON.stringify(roleStatements(template, roleId))).not.toContain('/models/');
  });

  it('TrainControl also reads, writes and deletes the scratch; leftovers expire', () => {
    const roleId = logicalId(stack, stack.functions.TrainControl.role);
    const scratch = roleStatements(template, roleId).find((s) => s.Sid === 'RunScratch');
    expect(scratch?.Action).toEqual(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']);
    expect(JSON.stringify(scratch?.Resource)).toContain(`/${WORKFLOW_PREFIX}*`);
    const bucket = template.findResources('AWS::S3::Bucket')[logicalId(stack, stack.models.bucket)]!;
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({
        Id: 'TrainingScratch',
        Prefix: WORKFLOW_PREFIX,
        ExpirationInDays: 7,
        Status: 'Enabled',
      }),
    );
  });

  it('alarms on failed and timed-out executions', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: smId } }],
        Threshold: 1,
      });
    }
  });
});
