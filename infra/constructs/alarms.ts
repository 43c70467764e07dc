/**
 * CloudWatch alarms for the functions, the API, training and model freshness,
 * with an optional encrypted SNS topic for notifications.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IAlarmAction,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A custom metric the Train handler emits (EMF) in the application namespace. */
export interface AppMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export interface AttuneAlarmsProps {
  /** Every function, by name: Errors and Throttles alarms each. */
  functions: Record<string, IFunction>;
  api: HttpApi;
  error5xxPercent: number;
  latencyP99Ms: number;
  /** Emitted by Train per failed run. */
  trainingFailures: AppMetric;
  /** Age of the served model in seconds, published by Train each run. */
  modelAge: AppMetric;
  /** Seconds between scheduled training runs. */
  trainPeriodSeconds: number;
  /** The staleness alarm fires when the model is older than this many periods. */
  stalenessPeriods: number;
  deadLetterQueue: IQueue;
  /** Non-empty: create an encrypted topic with this e-mail subscription as the action of every alarm. */
  alarmEmail: string;
}

const FIVE_MINUTES = Duration.minutes(5);
/** CloudWatch evaluates at most one day of data per alarm evaluation. */
const MAX_ALARM_WINDOW_SECONDS = 86_400;

export class AttuneAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: AttuneAlarmsProps) {
    super(scope, id);
    let action: IAlarmAction | undefined;
    if (props.alarmEmail) {
      // CloudWatch cannot publish to a topic encrypted with the AWS-managed
      // aws/sns key (its key policy cannot be changed), so the topic gets a
      // customer-managed key that lets CloudWatch use it.
      const key = new Key(this, 'TopicKey', {
        description: 'Encrypts the Attune alarm topic',
        enableKeyRotation: true,
      });
      key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
      this.topic = new Topic(this, 'Topic', { displayName: 'Attune alarms', masterKey: key, enforceSSL: true });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      action = new SnsAction(this.topic);
    }
    const add = (alarm: Alarm): void => {
      if (action) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      this.alarms.push(alarm);
    };

    for (const [name, fn] of Object.entries(props.functions)) {
      add(
        new Alarm(this, `${name}Errors`, {
          alarmDescription: `${name}: invocations ended in an unhandled error (crash, timeout, out of memory)`,
          metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
      add(
        new Alarm(this, `${name}Throttles`, {
          alarmDescription: `${name}: invocations were throttled (concurrency limit reached)`,
          metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const requests = props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const errors = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    add(
      new Alarm(this, 'Api5xxRate', {
        alarmDescription: `API: more than ${props.error5xxPercent}% of requests answered 5xx`,
        metric: new MathExpression({
          // No traffic is not an error rate of 100%.
          expression: 'IF(requests > 0, 100 * errors / requests, 0)',
          usingMetrics: { requests, errors },
          period: FIVE_MINUTES,
          label: '5xx %',
        }),
        threshold: props.error5xxPercent,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    add(
      new Alarm(this, 'ApiLatencyP99', {
        alarmDescription: `API: p99 latency above ${props.latencyP99Ms} ms`,
        metric: props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
        threshold: props.latencyP99Ms,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    add(
      new Alarm(this, 'TrainingFailures', {
        alarmDescription: 'Training: a run failed (reported by the Train handler)',
        metric: new Metric({ ...metricIdentity(props.trainingFailures), statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    // Staleness: the window spans N schedule periods (capped at a day), so a
    // window without one ModelAgeSeconds datapoint means Train has stopped
    // reporting: missing data breaches. A window with data breaches when the
    // model was older than N periods.
    const maxAgeSeconds = props.stalenessPeriods * props.trainPeriodSeconds;
    const windowSeconds = Math.min(Math.ceil(maxAgeSeconds / 60) * 60, MAX_ALARM_WINDOW_SECONDS);
    add(
      new Alarm(this, 'ModelStaleness', {
        alarmDescription:
          `Model: the served model is older than ${props.stalenessPeriods} training periods ` +
          `(${maxAgeSeconds} s), or Train has not reported its age`,
        metric: new Metric({
          ...metricIdentity(props.modelAge),
          statistic: 'Maximum',
          period: Duration.seconds(windowSeconds),
        }),
        threshold: maxAgeSeconds,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
      }),
    );

    add(
      new Alarm(this, 'DeadLetters', {
        alarmDescription: 'Training: scheduled invocations could not be delivered or failed (dead-letter queue)',
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}

function metricIdentity(m: AppMetric): { namespace: string; metricName: string; dimensionsMap: Record<string, string> } {
  return { namespace: m.namespace, metricName: m.name, dimensionsMap: m.dimensions };
}
