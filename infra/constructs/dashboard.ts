/**
 * One CloudWatch dashboard for the stack: the API, each function, the table,
 * training runs and their outcome, serving metrics, and every alarm's state.
 */
import { Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  type Alarm,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EXPOSURE_METRICS, ONLINE_METRICS } from '../../shared/online/metrics';

export interface AttuneDashboardProps {
  api: HttpApi;
  functions: Record<string, IFunction>;
  table: ITable;
  /** Application namespace and the `service` dimension every custom metric carries. */
  namespace: string;
  dimensions: Record<string, string>;
  /** Custom metric names (topology TRAIN_METRICS and API_METRICS). */
  metrics: {
    trainingRuns: string;
    trainingPublished: string;
    trainingSucceeded: string;
    trainingFailures: string;
    trainingSeconds: string;
    modelAge: string;
    ndcg10: string;
    answers: string;
    coreLatency: string;
    eventsAccepted: string;
    eventsRejected: string;
    eventsFailed: string;
    coldStarts: string;
    refusedVersions: string;
  };
  alarms: Alarm[];
}

const PERIOD = Duration.minutes(5);

export class AttuneDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: AttuneDashboardProps) {
    super(scope, id);
    const app = (name: string, statistic = 'Sum', label?: string) =>
      new Metric({
        namespace: props.namespace,
        metricName: name,
        dimensionsMap: props.dimensions,
        statistic,
        period: PERIOD,
        label,
      });
    const m = props.metrics;
    const fns = Object.entries(props.functions);
    const perFunction = (title: string, pick: (fn: IFunction) => Metric) =>
      new GraphWidget({ title, width: 8, left: fns.map(([name, fn]) => pick(fn).with({ label: name })) });

    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown: '# Attune\nAPI, functions, table, training and serving. Alarms at the bottom.',
          width: 24,
          height: 1,
        }),
      ],
      [
        new GraphWidget({
          title: 'API requests, 4xx, 5xx',
          width: 8,
          left: [
            props.api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' }),
            props.api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
            props.api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
          ],
        }),
        new GraphWidget({
          title: 'API latency (ms)',
          width: 8,
          left: ['p50', 'p90', 'p99'].map((p) => props.api.metricLatency({ period: PERIOD, statistic: p, label: p })),
        }),
        new GraphWidget({
          title: 'Events accepted / rejected / failed',
          width: 8,
          left: [app(m.eventsAccepted), app(m.eventsRejected), app(m.eventsFailed)],
        }),
      ],
      [
        perFunction('Function errors', (fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum' })),
        perFunction('Function throttles', (fn) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum' })),
        perFunction('Function duration p99 (ms)', (fn) => fn.metricDuration({ period: PERIOD, statistic: 'p99' })),
      ],
      [
        new GraphWidget({
          title: 'DynamoDB throttle events',
          width: 8,
          left: [
            props.table.metric('ReadThrottleEvents', { period: PERIOD, statistic: 'Sum', label: 'read' }),
            props.table.metric('WriteThrottleEvents', { period: PERIOD, statistic: 'Sum', label: 'write' }),
          ],
        }),
        new GraphWidget({
          title: 'Answers by source, cold starts, refused models',
          width: 8,
          left: ['personalized', 'fold-in', 'popular'].map(
            (source) =>
              new Metric({
                namespace: props.namespace,
                metricName: m.answers,
                dimensionsMap: { ...props.dimensions, source },
                statistic: 'Sum',
                period: PERIOD,
                label: source,
              }),
          ),
          right: [app(m.coldStarts, 'Sum', 'cold starts'), app(m.refusedVersions, 'Sum', 'refused versions')],
        }),
        new GraphWidget({
          title: 'Serving core latency (ms)',
          width: 8,
          left: [app(m.coreLatency, 'p50'), app(m.coreLatency, 'p99')],
        }),
      ],
      [
        new GraphWidget({
          title: 'Training runs and decisions',
          width: 8,
          left: [
            app(m.trainingRuns, 'Sum', 'runs'),
            app(m.trainingPublished, 'Sum', 'published'),
            app(m.trainingSucceeded, 'Sum', 'published or nothing new'),
            app(m.trainingFailures, 'Sum', 'failed'),
          ],
        }),
        new GraphWidget({
          title: 'Training duration (s) and model age (h)',
          width: 8,
          left: [app(m.trainingSeconds, 'Maximum', 'run seconds')],
          right: [
            new MathExpression({
              expression: 'age / 3600',
              usingMetrics: { age: app(m.modelAge, 'Maximum') },
              label: 'model age (h)',
              period: PERIOD,
            }),
          ],
        }),
        new GraphWidget({ title: 'nDCG@10 of trained models', width: 8, left: [app(m.ndcg10, 'Maximum', 'nDCG@10')] }),
      ],
      // Emitted once per training run (what the online job added): hourly sums, rates by metric math.
      [
        new GraphWidget({
          title: 'Online: impressions, clicks, conversions (per hour)',
          width: 8,
          left: [ONLINE_METRICS.impressions, ONLINE_METRICS.clicks, ONLINE_METRICS.conversions].map((name) =>
            app(name).with({ period: Duration.hours(1) }),
          ),
        }),
        new GraphWidget({
          title: 'Online CTR and conversion rate (%)',
          width: 8,
          left: [
            new MathExpression({
              expression: '100 * clicks / impressions',
              usingMetrics: {
                clicks: app(ONLINE_METRICS.clicks).with({ period: Duration.hours(1) }),
                impressions: app(ONLINE_METRICS.impressions).with({ period: Duration.hours(1) }),
              },
              label: 'CTR %',
              period: Duration.hours(1),
            }),
            new MathExpression({
              expression: '100 * conversions / answers',
              usingMetrics: {
                conversions: app(ONLINE_METRICS.conversions).with({ period: Duration.hours(1) }),
                answers: app(ONLINE_METRICS.recommendations).with({ period: Duration.hours(1) }),
              },
              label: 'conversion %',
              period: Duration.hours(1),
            }),
          ],
        }),
        // Levels over the online job's window, not per-run counts: Maximum of the hour, never Sum.
        new GraphWidget({
          title: 'Exposure of what was shown (top-10)',
          width: 8,
          left: [
            app(EXPOSURE_METRICS.gini, 'Maximum', 'Gini'),
            app(EXPOSURE_METRICS.coverage, 'Maximum', 'coverage'),
            app(EXPOSURE_METRICS.longTail, 'Maximum', 'long-tail share'),
          ].map((m) => m.with({ period: Duration.hours(1) })),
        }),
      ],
      [new AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: props.alarms })],
    ];
    this.dashboard = new Dashboard(this, 'Dashboard', { widgets: rows, defaultInterval: Duration.days(1) });
  }
}
