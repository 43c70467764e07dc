/**
 * The EventBridge rule that starts training (the training state machine), with
 * an encrypted dead-letter queue.
 */
import { Duration } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface TrainScheduleProps {
  /** `rate(...)` or `cron(...)`. */
  expression: string;
  /** Started once per schedule event; the event is its input. */
  target: IStateMachine;
  /** Seconds between runs; an undelivered event older than one period is dropped (the next one supersedes it). */
  periodSeconds: number;
  /** Delivery retries of one event (EventBridge → StartExecution). */
  retryAttempts: number;
}

/**
 * A scheduled rule → state machine target with a retry policy (the target's
 * role may start exactly that state machine). Events EventBridge
 * cannot deliver land in an SSE-SQS encrypted queue that refuses non-TLS
 * requests and keeps messages the maximum 14 days for inspection.
 */
export class TrainSchedule extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: TrainScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue (of the training schedule target and of failed asynchronous ' +
        'Train invocations); nothing consumes it automatically, so it needs no DLQ of its own. ' +
        'An alarm watches its depth.',
    });
    // EventBridge caps the maximum event age between 60 s and 24 h.
    const maxEventAge = Duration.seconds(Math.min(Math.max(props.periodSeconds, 60), 86_400));
    this.rule = new Rule(this, 'Rule', {
      description: 'Starts Attune training',
      schedule: Schedule.expression(props.expression),
      targets: [
        new SfnStateMachine(props.target, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: props.retryAttempts,
          maxEventAge,
        }),
      ],
    });
  }
}
