/**
 * The training state machine: the ASL definition shared/workflow builds (the
 * same JSON the local runner runs), deployed with the function ARNs
 * substituted, logged and traced, with the IAM its Distributed Maps need and
 * alarms on failed and timed-out executions.
 */
import { ArnFormat, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  WORKFLOW_ARNS,
  trainingWorkflow,
  type WorkflowFunction,
  type WorkflowOptions,
} from '../../shared/workflow/definition';

export interface TrainWorkflowProps {
  /** The function (alias) behind each role of the definition. */
  functions: Record<WorkflowFunction, IFunction>;
  /** The control function's role: it reads and deletes the run scratch besides its model-prefix grant. */
  controlRole: iam.IRole;
  bucket: Bucket;
  /** Key prefix of the runs' scratch (ends with '/'). */
  scratchPrefix: string;
  /** Days after which leftover scratch (a run stopped mid-way) expires. */
  scratchExpirationDays: number;
  options: Partial<WorkflowOptions>;
  timeout: Duration;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class TrainWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TrainWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // A fixed name lets the role name its own state machine (Distributed Map children) without a cycle.
    const name = `${stack.stackName}-Training`;
    this.logGroup = new LogGroup(this, 'Logs', {
      // the prefix Step Functions' log delivery expects (no resource-policy size trouble)
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const substitutions = Object.fromEntries(
      (Object.keys(WORKFLOW_ARNS) as WorkflowFunction[]).map((fn) => [
        WORKFLOW_ARNS[fn],
        props.functions[fn].functionArn,
      ]),
    );
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(trainingWorkflow(props.options))),
      definitionSubstitutions: substitutions,
      timeout: props.timeout,
      tracingEnabled: true,
      // ALL: every state's entry and exit; execution data stays out (it is only run ids and counts anyway)
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    const role = this.stateMachine.role;
    for (const fn of Object.values(props.functions)) fn.grantInvoke(role);
    // Distributed Map: the parent starts child executions of itself and watches them.
    const ownArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const childArns = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${name}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [ownArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [childArns],
      }),
    );

    // The control function lays out and removes a run's scratch; the shard function is bound to it alone.
    const scratch = props.bucket.arnForObjects(`${props.scratchPrefix}*`);
    const control = new iam.Policy(this, 'ControlScratchAccess', {
      statements: [
        new iam.PolicyStatement({
          sid: 'RunScratch',
          // Prepare and Publish stream scratch files by multipart upload and abort a failed one
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
          resources: [scratch],
        }),
      ],
    });
    props.controlRole.attachInlinePolicy(control);
    props.bucket.addLifecycleRule({
      id: 'TrainingScratch',
      prefix: props.scratchPrefix,
      expiration: Duration.days(props.scratchExpirationDays),
    });

    const bucketId = stack.getLogicalId(props.bucket.node.defaultChild as never);
    Validations.of(control).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${props.scratchPrefix}*]`,
      reason:
        `A run's scratch keys (${props.scratchPrefix}<runId>/…) are named when the run starts; the wildcard is ` +
        'confined to the scratch prefix of the one model bucket.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for logging and tracing: CloudWatch Logs vended log delivery (logs:CreateLogDelivery and ' +
        'friends) and X-Ray PutTraceSegments/PutTelemetryRecords/GetSampling* accept no resource-level permissions.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}/*]`,
      reason:
        'Distributed Map child executions are named by Step Functions at run time; the wildcard covers only ' +
        'executions of this state machine, as the Step Functions documentation prescribes.',
    });
  }

  /** Alarms on executions that failed or timed out, notifying `topic` (alarm and OK). */
  addAlarms(topic: ITopic): Alarm[] {
    const action = new SnsAction(topic);
    const period = Duration.minutes(5);
    const alarms = [
      new Alarm(this, 'ExecutionsFailed', {
        alarmDescription: 'Training state machine: an execution failed (nothing was published; see the run log)',
        metric: this.stateMachine.metricFailed({ period, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'ExecutionsTimedOut', {
        alarmDescription: 'Training state machine: an execution ran past its timeout and was stopped',
        metric: this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const a of alarms) {
      a.addAlarmAction(action);
      a.addOkAction(action);
    }
    return alarms;
  }
}
