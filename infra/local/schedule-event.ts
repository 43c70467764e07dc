/** The EventBridge "Scheduled Event" the Train function receives from its schedule. */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';

export function buildScheduledEvent(now = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:000000000000:rule/attune-train-schedule'],
    detail: {},
  };
}
