/**
 * CloudWatch alarms for the functions, the API, the table, training and model
 * freshness, all notifying one encrypted SNS topic (alarm and OK).
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  type IMetric,
  TreatMissingData,
  type IAlarmAction,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A custom metric a handler emits (EMF) in the application namespace. */
export interface AppMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export interface AttuneAlarmsProps {
  /** Every function, by name: Errors and Throttles alarms each. */
  functions: Record<string, IFunction>;
  /** The scheduled function and its timeout: a duration alarm at 80% of it. */
  train: { fn: IFunction; timeoutSeconds: number };
  api: HttpApi;
  table: ITable;
  error5xxPercent: number;
  latencyP99Ms: number;
  /** Emitted by Train per failed run. */
  trainingFailures: AppMetric;
  /** Emitted by Train (1) per run that published or found nothing new. */
  trainingSucceeded: AppMetric;
  /** Emitted by Recommend per model version it refused (corrupt). */
  refusedVersions: AppMetric;
  /** Emitted per request a store misconfiguration failed (S3 403, missing table). */
  misconfigurations: AppMetric;
  /** Seconds between scheduled training runs. */
  trainPeriodSeconds: number;
  /** The staleness alarm fires after this many periods without a successful run. */
  stalenessPeriods: number;
  deadLetterQueue: IQueue;
  /** Non-empty: subscribe this address to the topic. */
  alarmEmail: string;
}

const FIVE_MINUTES = Duration.minutes(5);
/**
 * The staleness alarm's period and evaluation count: one alarm period per
 * schedule period (at most a day), N of them, within CloudWatch's limits on
 * period × evaluation periods (one day for periods under an hour, else seven).
 */
export function stalenessWindow(
  trainPeriodSeconds: number,
  periods: number,
): { periodSeconds: number; evaluationPeriods: number } {
  const periodSeconds = Math.min(Math.ceil(trainPeriodSeconds / 60) * 60, 86_400);
  const maxRange = periodSeconds < 3600 ? 86_400 : 7 * 86_400;
  const wanted = Math.ceil((periods * trainPeriodSeconds) / periodSeconds);
  return { periodSeconds, evaluationPeriods: Math.max(1, Math.min(wanted, Math.floor(maxRange / periodSeconds))) };
}

export class AttuneAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic: Topic;
  /** The API alarms CodeDeploy watches during a canary. */
  readonly api5xx: Alarm;
  readonly apiLatency: Alarm;
  readonly functionErrors: Record<string, Alarm> = {};

  constructor(scope: Construct, id: string, props: AttuneAlarmsProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed
    // aws/sns key (its key policy cannot be changed), so the topic gets a
    // customer-managed key that lets CloudWatch use it.
    const key = new Key(this, 'TopicKey', { description: 'Encrypts the Attune alarm topic', enableKeyRotation: true });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', { displayName: 'Attune alarms', masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action: IAlarmAction = new SnsAction(this.topic);
    const add = (alarm: Alarm): Alarm => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
      return alarm;
    };
    const atLeastOnce = (alarmId: string, description: string, metric: IMetric): Alarm =>
      add(
        new Alarm(this, alarmId, {
          alarmDescription: description,
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    const app = (m: AppMetric) => new Metric({ ...metricIdentity(m), statistic: 'Sum', period: FIVE_MINUTES });

    for (const [name, fn] of Object.entries(props.functions)) {
      this.functionErrors[name] = atLeastOnce(
        `${name}Errors`,
        `${name}: invocations ended in an unhandled error (crash, timeout, out of memory)`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      );
      atLeastOnce(
        `${name}Throttles`,
        `${name}: invocations were throttled (concurrency limit reached)`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      );
    }

    const requests = props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const errors = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    this.api5xx = add(
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
    this.apiLatency = add(
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

    atLeastOnce(
      'TableThrottles',
      'DynamoDB: requests to the interactions table were throttled (read or write)',
      new MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: props.table.metric('ReadThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
          writes: props.table.metric('WriteThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
        },
        period: FIVE_MINUTES,
        label: 'throttle events',
      }),
    );

    const limitMs = props.train.timeoutSeconds * 1000;
    add(
      new Alarm(this, 'TrainDuration', {
        alarmDescription: `Training: a run took more than 80% of its ${props.train.timeoutSeconds} s timeout`,
        metric: props.train.fn.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: Math.round(0.8 * limitMs),
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    atLeastOnce(
      'TrainingFailures',
      'Training: a run failed (reported by the Train handler)',
      app(props.trainingFailures),
    );
    atLeastOnce(
      'RefusedModelVersions',
      'Serving: Recommend refused a model version (corrupt artifact) and kept serving an older one',
      app(props.refusedVersions),
    );
    atLeastOnce(
      'Misconfigurations',
      'A store answered in a way only a deployment mistake explains (e.g. S3 403, missing table): ' +
        'requests fail with 500',
      app(props.misconfigurations),
    );

    // Staleness: no successful run (published, or skipped because nothing
    // changed) in N consecutive schedule periods. An idle system keeps
    // succeeding; a run that found the lease taken counts as neither. A period
    // without any datapoint means Train did not run: missing data breaches.
    const w = stalenessWindow(props.trainPeriodSeconds, props.stalenessPeriods);
    add(
      new Alarm(this, 'ModelStaleness', {
        alarmDescription:
          `Training: no successful run (published, or nothing new) in ${w.evaluationPeriods} consecutive ` +
          `periods of ${w.periodSeconds} s`,
        metric: new Metric({
          ...metricIdentity(props.trainingSucceeded),
          statistic: 'Sum',
          period: Duration.seconds(w.periodSeconds),
        }),
        threshold: 1,
        evaluationPeriods: w.evaluationPeriods,
        datapointsToAlarm: w.evaluationPeriods,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
      }),
    );

    atLeastOnce(
      'DeadLetters',
      'Training: scheduled invocations could not be delivered or failed (dead-letter queue)',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
    );
  }
}

/** Namespace, name and dimensions of a custom metric, in the shape `Metric` takes. */
export function metricIdentity(m: AppMetric): {
  namespace: string;
  metricName: string;
  dimensionsMap: Record<string, string>;
} {
  return { namespace: m.namespace, metricName: m.name, dimensionsMap: m.dimensions };
}
